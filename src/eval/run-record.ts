import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { RunStatusSchema } from "../engine/program.js";
import { UsageSchema } from "../engine/usage.js";

/** What one run (one task, one seed) measured: stored as result.json beside its workspace. */
export const RunRecordSchema = z.object({
  version: z.literal(1),
  task: z.string(),
  seed: z.number().int().positive(),
  model: z.string(),
  judgeModel: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** How the engine's run ended (a run that stopped early is scored on what it wrote). */
  run: z.object({ status: RunStatusSchema, reason: z.string().optional(), instructions: z.number().int(), done: z.number().int() }),
  files: z.number().int().nonnegative(),
  loc: z.number().int().nonnegative(),
  /** Problems the project's syntax checker found over all generated files (at most 10 per file). */
  syntaxErrors: z.number().int().nonnegative(),
  syntaxProblems: z.array(z.string()),
  lint: z.union([
    z.object({ tool: z.string(), errors: z.number().int().nonnegative(), messages: z.array(z.string()) }),
    z.object({ skipped: z.string() }),
  ]),
  features: z.object({ implemented: z.number().int().nonnegative(), total: z.number().int().positive(), percent: z.number() }).optional(),
  /** Why Features % is missing for this run (a judge reply without a count line, a failed judge call…). */
  featuresError: z.string().optional(),
  judge: z.object({ usage: UsageSchema, omitted: z.array(z.string()) }).optional(),
  /** Only with --run-tests. */
  tests: z
    .union([
      z.object({ passed: z.number().int().nonnegative(), failed: z.number().int().nonnegative(), timedOut: z.boolean() }),
      z.object({ error: z.string() }),
    ])
    .optional(),
  coderUsage: UsageSchema,
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export async function readRunRecord(path: string): Promise<RunRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const parsed = RunRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not an eval result:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Written then renamed, so an interrupted eval never leaves half a result for --resume to trust. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}
