import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Domain } from "./program.js";
import { bookPrompts } from "./prompt-sets/book.js";
import { codebasePrompts } from "./prompt-sets/codebase.js";
import { errorMessage } from "./error-message.js";

/**
 * The nine prompt templates the engine speaks to the model through. Keys and placeholders are the
 * reference's, so a prompts file written for it (`--prompts-file-path`) keeps working here.
 */

export const PROMPT_KEYS = [
  "system",
  "first_message",
  "reflect_on_prompt_program",
  "test_writing_advice",
  "control_unit_execute_instruction",
  "control_unit_exhaust_context_window",
  "control_unit_instruction_complete_summarize_output",
  "control_unit_instruction_erroring_fix_the_code",
  "control_unit_cycle_message_to_check_if_instruction_complete",
] as const;
export type PromptKey = (typeof PROMPT_KEYS)[number];
export type Prompts = Record<PromptKey, string>;

export const PLACEHOLDERS = [
  "prompt_task",
  "steps",
  "step",
  "file_names",
  "test_writing_advice",
  "previous_step_output_summary",
  "functions_provided",
  "error_message",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const describe = (input: unknown): string => (input === null ? "null" : Array.isArray(input) ? "a list" : `a ${typeof input}`);

const promptString = (key: PromptKey) =>
  z.string({
    error: (iss) => (iss.input === undefined ? `missing key "${key}"` : `"${key}" must be a string, not ${describe(iss.input)}`),
  });

const shape = Object.fromEntries(PROMPT_KEYS.map((key) => [key, promptString(key)])) as Record<PromptKey, z.ZodString>;

/** Exactly the nine keys, each a string: a missing or unknown key is an error that names it. */
export const PromptsSchema: z.ZodType<Prompts> = z.strictObject(shape, {
  error: (iss) => {
    if (iss.code === "unrecognized_keys")
      return `unknown key${iss.keys.length === 1 ? "" : "s"} ${iss.keys.map((k) => `"${k}"`).join(", ")}`;
    if (iss.code === "invalid_type") return `expected a mapping of the prompt keys to strings, not ${describe(iss.input)}`;
    return undefined;
  },
});

/** The built-in templates of a domain (a fresh copy: the caller may change it). */
export function defaultPrompts(domain: Domain): Prompts {
  switch (domain) {
    case "codebase":
      return { ...codebasePrompts };
    case "book":
      return { ...bookPrompts };
  }
}

export class PromptsFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "PromptsFileError";
  }
}

/** Reads a YAML prompts file and validates it; a PromptsFileError names the file and every bad, missing or unknown key. */
export async function loadPromptsFile(path: string): Promise<Prompts> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new PromptsFileError(path, `Cannot read prompts file ${path}: ${errorMessage(err)}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new PromptsFileError(path, `Prompts file ${path} is not valid YAML: ${errorMessage(err).trim()}`);
  }
  if (data === null || data === undefined) {
    throw new PromptsFileError(
      path,
      `Prompts file ${path} is empty; it must map each of the keys ${PROMPT_KEYS.join(", ")} to a template.`,
    );
  }
  const result = PromptsSchema.safeParse(data);
  if (result.success) return result.data;

  const problems: string[] = [];
  const missing: string[] = [];
  for (const issue of result.error.issues) {
    const key = issue.path[0];
    if (issue.path.length === 1 && typeof key === "string" && !Object.hasOwn(data as object, key)) missing.push(key);
    else problems.push(issue.message);
  }
  if (missing.length > 0) problems.unshift(`missing key${missing.length === 1 ? "" : "s"} ${missing.map((k) => `"${k}"`).join(", ")}`);
  throw new PromptsFileError(
    path,
    `Invalid prompts file ${path}: ${problems.join("; ")}. A prompts file has exactly the keys ${PROMPT_KEYS.join(", ")}.`,
  );
}

const PLACEHOLDER_PATTERN = new RegExp(`\\{(${PLACEHOLDERS.join("|")})\\}`, "g");

/**
 * Fills the known placeholders in one pass (a value is never expanded again). Any other text in braces,
 * such as a code sample `{ a: 1 }` or `{x}`, is left as it is; a known placeholder with no value becomes "".
 * Unlike the reference's `str.format`, this never throws.
 */
export function fillPrompt(template: string, values: Partial<Record<Placeholder, string | number>>): string {
  return template.replace(PLACEHOLDER_PATTERN, (_match, name: Placeholder) => {
    const value = values[name];
    return value === undefined || value === null ? "" : String(value);
  });
}

/** The known placeholders a template uses, each once, in order of first use (e.g. to see what a user's file leaves out). */
export function placeholdersIn(template: string): Placeholder[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER_PATTERN), (m) => m[1] as Placeholder))];
}
