import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UsageError } from "./local-run.js";

const Steps = z.array(z.string().trim().min(1)).min(1);
const ProgramFileSchema = z.union([Steps, z.object({ steps: Steps })]);

const EXAMPLE = `'["Create the data model, with tests.", "Add the HTTP API, with tests."]'`;

/**
 * A list literal as the reference's `--prompt-program` takes it (Python's `ast.literal_eval` of a list
 * of strings): JSON5 reads JSON and Python's usual spellings alike — single or double quotes, escaped
 * quotes, a trailing comma. A YAML flow list (`[a, b]`) is accepted as well.
 */
function parseListLiteral(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (json5Error) {
    try {
      return parseYaml(text);
    } catch {
      throw json5Error;
    }
  }
}

const startsAList = (text: string): boolean => text.trimStart().startsWith("[");

const readIfFile = (path: string): Promise<string | undefined> =>
  readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENAMETOOLONG") return undefined;
    throw new UsageError(`Cannot read the prompt program ${path}: ${e.message}`);
  });

/**
 * The `--prompt-program` value: a file holding a YAML or JSON list of instructions (or `{steps: [...]}`),
 * or, as in the reference, the list itself given inline, e.g. `'["step one", "step two"]'`.
 */
export async function readPromptProgram(value: string): Promise<string[]> {
  const file = await readIfFile(value);
  const inline = file === undefined;
  if (inline && !startsAList(value)) {
    throw new UsageError(`Cannot read the prompt program ${value}: no such file. Give a file, or the list itself, e.g. ${EXAMPLE}.`);
  }
  const text = file ?? value;
  const what = inline ? "The inline prompt program" : `The prompt program ${value}`;
  let data: unknown;
  try {
    data = startsAList(text) ? parseListLiteral(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`${what} is not a list of strings: ${(e as Error).message}. For example: ${EXAMPLE}`);
  }
  const parsed = ProgramFileSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(`${what} must be a non-empty list of instruction strings, e.g. ${EXAMPLE}.`);
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.steps;
}
