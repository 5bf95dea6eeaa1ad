import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createLlm } from "../local/llm-settings.js";
import { UsageError } from "../local/local-run.js";
import { evalProgress } from "./eval-progress.js";
import { evalRun } from "./eval-run.js";
import { buildJson, renderChart, renderMarkdown, renderTerminal, type EvalSettings } from "./report.js";
import type { RunRecord } from "./run-record.js";
import { writeJson } from "./run-record.js";
import { summariseTask } from "./summary.js";
import { builtInTasks, resolveTask, type Task } from "./task.js";

export const EVAL_USAGE = `Usage: l2mac eval [options]

Runs benchmark tasks through L2MAC exactly as \`l2mac "<task>"\` does and scores each run the way the paper
did: Features % by a separate LLM judge, syntax and lint errors, lines of code, files and (opt-in) tests,
as mean ± 95 % confidence interval over the seeds, beside the paper's published figures.

Options:
  --task NAME|FILE          a built-in task: url_shortener, microblogging, chat_app, recipe, event_planner,
                            finance_tracker; or a task file (YAML) with its own feature checklist.
                            Repeat for several. Default: all six built-in tasks
  --seeds N                 runs per task (default: 1; the paper used 10)
  --out DIR                 where the runs and reports go (default: ./eval-results/<time>)
  --resume                  continue the evaluation in --out (or the newest under ./eval-results): scored runs
                            are kept, interrupted ones continue, runs whose judging failed are judged again
  --run-tests               opt-in: run each task's tests, during generation when an agent claims a step
                            complete (as the paper's runs did) and afterwards to count passed and failed.
                            This executes the generated code on your machine
  --test-timeout SECONDS    time limit of each test run (default: 300); a timeout counts as a failure
  --steps N                 most instructions per run (default: 10, the paper's limit)
  --model NAME              the coder's model (default: $L2MAC_MODEL or gpt-4o)
  --base-url URL            the coder's OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)
  --context-window N        the coder's context window in tokens (default: known size)
  --judge-model NAME        the judge's model (default: the coder's; the paper judged with GPT-4)
  --judge-base-url URL      the judge's endpoint (default: the coder's)
  --judge-context-window N  the judge's context window in tokens; files that do not fit are left out, and
                            the report says so
  --max-cost USD            per run: stop generating when the run has cost this much
  --max-tokens N            per run: stop generating when the run has used this many tokens
  --max-turns N             turns per instruction before a run stops (default: 40)
  --max-retries N           retries of a failed LLM request (default: 5)
  -h, --help                show this help

A run stopped by a budget is scored on what it wrote, and the report says so.
Writes to --out: eval.json, eval.md, features.svg (Features % per task with error bars), and per run
runs/<task>/seed-<n>/ with its workspace (a git repository), result.json and the judge's reply.
Environment: OPENAI_API_KEY (required), OPENAI_BASE_URL, L2MAC_MODEL, L2MAC_CONTEXT_WINDOW;
L2MAC_JUDGE_API_KEY for a judge endpoint that takes another key.
Exit status: 0 every run scored; 1 an error, or some runs could not be scored (eval.md says why);
2 stopped (continue with --resume).`;

const Flags = z.object({
  task: z.array(z.string().trim().min(1)).optional(),
  seeds: z.coerce.number().int().min(1).max(100).optional(),
  out: z.string().optional(),
  resume: z.boolean().default(false),
  "run-tests": z.boolean().optional(),
  "test-timeout": z.coerce.number().positive().default(300),
  steps: z.coerce.number().int().min(1).max(200).optional(),
  model: z.string().trim().min(1).optional(),
  "base-url": z.string().url().optional(),
  "context-window": z.coerce.number().int().min(1024).optional(),
  "judge-model": z.string().trim().min(1).optional(),
  "judge-base-url": z.string().url().optional(),
  "judge-context-window": z.coerce.number().int().min(1024).optional(),
  "max-cost": z.coerce.number().positive().optional(),
  "max-tokens": z.coerce.number().int().positive().optional(),
  "max-turns": z.coerce.number().int().min(1).optional(),
  "max-retries": z.coerce.number().int().min(0).max(20).optional(),
  help: z.boolean().default(false),
});

const OPTIONS = {
  task: { type: "string", multiple: true },
  seeds: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  "run-tests": { type: "boolean" },
  "test-timeout": { type: "string" },
  steps: { type: "string" },
  model: { type: "string" },
  "base-url": { type: "string" },
  "context-window": { type: "string" },
  "judge-model": { type: "string" },
  "judge-base-url": { type: "string" },
  "judge-context-window": { type: "string" },
  "max-cost": { type: "string" },
  "max-tokens": { type: "string" },
  "max-turns": { type: "string" },
  "max-retries": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Every flag `l2mac eval` takes (the help text documents each). */
export const EVAL_FLAGS = Object.keys(OPTIONS);

/** The evaluation's own record in --out: what --resume must match and which tasks it ran. */
const StateSchema = z.object({
  version: z.literal(1),
  settings: z.object({ model: z.string(), judgeModel: z.string(), seeds: z.number(), steps: z.number(), runTests: z.boolean() }),
  tasks: z.array(z.string()),
});
const statePath = (out: string) => join(out, "eval-state.json");

export interface EvalIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const timestamp = (now = new Date()) => now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);

async function newestEvaluation(base = resolve("eval-results")): Promise<string | undefined> {
  const found: Array<{ dir: string; mtime: number }> = [];
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const s = await stat(statePath(join(base, name))).catch(() => undefined);
    if (s) found.push({ dir: join(base, name), mtime: s.mtimeMs });
  }
  return found.sort((a, b) => b.mtime - a.mtime)[0]?.dir;
}

async function readState(out: string): Promise<z.infer<typeof StateSchema> | undefined> {
  const text = await readFile(statePath(out), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = StateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`${statePath(out)} is not an evaluation's state file.`);
  return parsed.data;
}

/** `l2mac eval`: returns the exit status. */
export async function evalMain(argv: readonly string[], io: EvalIo): Promise<number> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  let raw;
  try {
    raw = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${EVAL_USAGE}`);
  }
  const parsed = Flags.safeParse(raw.values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path[0]?.toString()}: ${i.message}`).join("\n"));
  const flags = parsed.data;
  if (flags.help) {
    say(EVAL_USAGE);
    return 0;
  }

  let out = flags.out ? resolve(flags.out) : undefined;
  if (flags.resume && !out) {
    out = await newestEvaluation();
    if (!out) throw new UsageError("Nothing to resume: no evaluation under ./eval-results. Name one with --out DIR.");
  }
  out ??= resolve("eval-results", timestamp());
  const previous = await readState(out);
  if (previous && !flags.resume) {
    throw new UsageError(`${out} already holds an evaluation. Continue it with --resume, or choose another --out.`);
  }

  const coder = await createLlm(
    {
      model: flags.model ?? previous?.settings.model,
      baseURL: flags["base-url"],
      contextWindow: flags["context-window"],
      maxRetries: flags["max-retries"],
    },
    io.env,
  );
  const judgeKey = io.env.L2MAC_JUDGE_API_KEY?.trim() || undefined;
  const judge = await createLlm(
    {
      apiKey: judgeKey,
      model: flags["judge-model"] ?? previous?.settings.judgeModel ?? coder.model,
      baseURL: flags["judge-base-url"] ?? flags["base-url"],
      contextWindow: flags["judge-context-window"],
      maxRetries: flags["max-retries"],
    },
    io.env,
  );
  const settings: EvalSettings = {
    model: coder.model,
    judgeModel: judge.model,
    // Resuming: what is not given again is what the evaluation was started with.
    seeds: Math.max(flags.seeds ?? 1, previous?.settings.seeds ?? 0),
    steps: flags.steps ?? previous?.settings.steps ?? 10,
    runTests: flags["run-tests"] ?? previous?.settings.runTests ?? false,
  };
  if (previous) {
    for (const key of ["model", "judgeModel", "steps", "runTests"] as const) {
      if (previous.settings[key] !== settings[key]) {
        throw new UsageError(
          `${out} was evaluated with ${key} ${JSON.stringify(previous.settings[key])}, not ${JSON.stringify(settings[key])}: ` +
            "resume with the same settings, or start a new evaluation with another --out.",
        );
      }
    }
  }
  const names = flags.task ?? previous?.tasks;
  const tasks: Task[] = names ? await Promise.all(names.map((n) => resolveTask(n))) : await builtInTasks();
  const ids = tasks.map((t) => t.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new UsageError(`Two tasks have the id "${dup}": give each task file its own id.`);

  await mkdir(out, { recursive: true });
  await writeJson(statePath(out), { version: 1, settings, tasks: names ?? ids });
  say(`Evaluation: ${out}`);
  say(`Coder ${coder.model}, judge ${judge.model}; ${tasks.length} task(s) × ${settings.seeds} seed(s).`);
  if (settings.runTests) say("--run-tests: the generated code runs on this machine (its tests, during and after generation).");

  const progress = evalProgress(io.stdout, tasks.length * settings.seeds);
  const records = new Map<string, RunRecord[]>(tasks.map((t) => [t.id, []]));
  let n = 0;
  let stopped = false;
  for (const task of tasks) {
    for (let seed = 1; seed <= settings.seeds && !stopped; seed++) {
      n++;
      const dir = join(out, "runs", task.id, `seed-${seed}`);
      let listener: ReturnType<typeof progress.started> | undefined;
      const outcome = await evalRun({
        task,
        seed,
        dir,
        coder,
        judge,
        steps: settings.steps,
        budgets: {
          maxCostUsd: flags["max-cost"],
          maxTokens: flags["max-tokens"],
          ...(flags["max-turns"] ? { maxTurnsPerInstruction: flags["max-turns"] } : {}),
        },
        runTests: settings.runTests,
        testTimeoutMs: flags["test-timeout"] * 1000,
        signal: io.signal,
        onStart: () => (listener = progress.started(n, task.id, seed)),
        onEvent: (e) => listener?.(e),
        onStage: (s) => progress.stage(s),
      }).catch((e: unknown) => {
        progress.stopped();
        throw e;
      });
      if ("stopped" in outcome) {
        progress.stopped();
        stopped = true;
        break;
      }
      progress.finished(n, outcome.record, outcome.skipped);
      records.get(task.id)!.push(outcome.record);
    }
  }

  const summaries = tasks.map((t) => summariseTask(t, records.get(t.id) ?? [], settings));
  const createdAt = new Date().toISOString();
  await writeJson(join(out, "eval.json"), buildJson(summaries, settings, createdAt));
  await writeFile(join(out, "eval.md"), renderMarkdown(summaries, settings, createdAt));
  await writeFile(join(out, "features.svg"), renderChart(summaries));
  say("");
  say(renderTerminal(summaries, settings));
  say("");
  say(`Reports: ${join(out, "eval.md")}, ${join(out, "eval.json")}, ${join(out, "features.svg")}`);
  if (stopped) {
    io.stderr.write(
      `Stopped before every run was scored; the reports cover the runs so far. Continue with: l2mac eval --resume --out ${out}\n`,
    );
    return 2;
  }
  const failed = summaries.flatMap((s) => s.runs).filter((r) => r.featuresError || (r.tests && "error" in r.tests));
  if (failed.length > 0) {
    io.stderr.write(
      `${failed.length} run(s) could not be fully scored (see eval.md); l2mac eval --resume --out ${out} judges them again.\n`,
    );
    return 1;
  }
  return 0;
}
