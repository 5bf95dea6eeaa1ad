import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../local/local-run.js";
import type { EvalSettings } from "./report.js";
import { writeJson } from "./run-record.js";

/**
 * The evaluation's own record in its output directory (`eval-state.json`): the settings `--resume` must
 * match and the tasks it ran, so an evaluation can be continued where it stopped.
 */

const StateSchema = z.object({
  version: z.literal(1),
  settings: z.object({ model: z.string(), judgeModel: z.string(), seeds: z.number(), steps: z.number(), runTests: z.boolean() }),
  tasks: z.array(z.string()),
});
export type EvalState = z.infer<typeof StateSchema>;

const statePath = (out: string) => join(out, "eval-state.json");

const timestamp = (now = new Date()) => now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);

/** The output directory: `--out`, else with `--resume` the newest evaluation, else a new one named for the time. */
export async function outputDirectory(out: string | undefined, resume: boolean): Promise<string> {
  if (out) return resolve(out);
  if (!resume) return resolve("eval-results", timestamp());
  const newest = await newestEvaluation();
  if (!newest) throw new UsageError("Nothing to resume: no evaluation under ./eval-results. Name one with --out DIR.");
  return newest;
}

async function newestEvaluation(base = resolve("eval-results")): Promise<string | undefined> {
  const found: Array<{ dir: string; mtime: number }> = [];
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const s = await stat(statePath(join(base, name))).catch(() => undefined);
    if (s) found.push({ dir: join(base, name), mtime: s.mtimeMs });
  }
  return found.sort((a, b) => b.mtime - a.mtime)[0]?.dir;
}

/** The evaluation already in `out`, if any; one there is continued only with `--resume`. */
export async function readState(out: string, resume: boolean): Promise<EvalState | undefined> {
  const text = await readFile(statePath(out), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = StateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`${statePath(out)} is not an evaluation's state file.`);
  if (!resume) throw new UsageError(`${out} already holds an evaluation. Continue it with --resume, or choose another --out.`);
  return parsed.data;
}

/** A resumed evaluation goes on with the settings it was started with, or not at all. */
export function checkSameSettings(out: string, previous: EvalState | undefined, settings: EvalSettings): void {
  if (!previous) return;
  for (const key of ["model", "judgeModel", "steps", "runTests"] as const) {
    if (previous.settings[key] !== settings[key]) {
      throw new UsageError(
        `${out} was evaluated with ${key} ${JSON.stringify(previous.settings[key])}, not ${JSON.stringify(settings[key])}: ` +
          "resume with the same settings, or start a new evaluation with another --out.",
      );
    }
  }
}

export async function writeState(out: string, state: Omit<EvalState, "version">): Promise<void> {
  await writeJson(statePath(out), { version: 1, ...state });
}
