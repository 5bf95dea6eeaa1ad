import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LLM } from "../engine/llm.js";
import { createLlm } from "../local/llm-settings.js";
import { UsageError } from "../local/local-run.js";
import { parseEvalFlags, EVAL_USAGE, type EvalFlags } from "./eval-flags.js";
import { evalProgress } from "./eval-progress.js";
import { evalRun } from "./eval-run.js";
import { checkSameSettings, outputDirectory, readState, writeState, type EvalState } from "./eval-state.js";
import { buildJson, renderChart, renderMarkdown, renderTerminal, type EvalSettings } from "./report.js";
import type { RunRecord } from "./run-record.js";
import { writeJson } from "./run-record.js";
import { summariseTask, type TaskSummary } from "./summary.js";
import { builtInTasks, resolveTask, type Task } from "./task.js";

export interface EvalIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

interface Models {
  coder: LLM;
  judge: LLM;
}

/** `l2mac eval`: returns the exit status. */
export async function evalMain(argv: readonly string[], io: EvalIo): Promise<number> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  // 1. the flags
  const flags = parseEvalFlags(argv);
  if (flags.help) {
    say(EVAL_USAGE);
    return 0;
  }
  // 2. where it goes, and what an evaluation there already did
  const out = await outputDirectory(flags.out, flags.resume);
  const previous = await readState(out, flags.resume);
  // 3. the models, the settings (a resumed evaluation keeps its own) and the tasks
  const models = await connectModels(flags, previous, io.env);
  const settings = settingsOf(flags, previous, models);
  checkSameSettings(out, previous, settings);
  const names = flags.task ?? previous?.tasks;
  const tasks = await chooseTasks(names);
  await mkdir(out, { recursive: true });
  await writeState(out, { settings, tasks: names ?? tasks.map((t) => t.id) });
  say(`Evaluation: ${out}`);
  say(`Coder ${models.coder.model}, judge ${models.judge.model}; ${tasks.length} task(s) × ${settings.seeds} seed(s).`);
  if (settings.runTests) say("--run-tests: the generated code runs on this machine (its tests, during and after generation).");
  // 4. every run, 5. the reports, 6. the exit status
  const { records, stopped } = await runAll(out, tasks, settings, flags, models, io);
  const summaries = tasks.map((t) => summariseTask(t, records.get(t.id) ?? [], settings));
  await writeReports(out, summaries, settings, say);
  return exitStatus(out, summaries, stopped, io.stderr);
}

async function connectModels(flags: EvalFlags, previous: EvalState | undefined, env: NodeJS.ProcessEnv): Promise<Models> {
  const coder = await createLlm(
    {
      model: flags.model ?? previous?.settings.model,
      baseURL: flags["base-url"],
      contextWindow: flags["context-window"],
      maxRetries: flags["max-retries"],
    },
    env,
  );
  const judge = await createLlm(
    {
      apiKey: env.L2MAC_JUDGE_API_KEY?.trim() || undefined,
      model: flags["judge-model"] ?? previous?.settings.judgeModel ?? coder.model,
      baseURL: flags["judge-base-url"] ?? flags["base-url"],
      contextWindow: flags["judge-context-window"],
      maxRetries: flags["max-retries"],
    },
    env,
  );
  return { coder, judge };
}

function settingsOf(flags: EvalFlags, previous: EvalState | undefined, { coder, judge }: Models): EvalSettings {
  return {
    model: coder.model,
    judgeModel: judge.model,
    // Resuming: what is not given again is what the evaluation was started with.
    seeds: Math.max(flags.seeds ?? 1, previous?.settings.seeds ?? 0),
    steps: flags.steps ?? previous?.settings.steps ?? 10,
    runTests: flags["run-tests"] ?? previous?.settings.runTests ?? false,
  };
}

async function chooseTasks(names: readonly string[] | undefined): Promise<Task[]> {
  const tasks: Task[] = names ? await Promise.all(names.map((n) => resolveTask(n))) : await builtInTasks();
  const ids = tasks.map((t) => t.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new UsageError(`Two tasks have the id "${dup}": give each task file its own id.`);
  return tasks;
}

/** Each task's seeds in turn, with the progress display; stops at the first run that was stopped. */
async function runAll(out: string, tasks: readonly Task[], settings: EvalSettings, flags: EvalFlags, models: Models, io: EvalIo) {
  const progress = evalProgress(io.stdout, tasks.length * settings.seeds);
  const records = new Map<string, RunRecord[]>(tasks.map((t) => [t.id, []]));
  let n = 0;
  for (const task of tasks) {
    for (let seed = 1; seed <= settings.seeds; seed++) {
      n++;
      let listener: ReturnType<typeof progress.started> | undefined;
      const outcome = await evalRun({
        task,
        seed,
        dir: join(out, "runs", task.id, `seed-${seed}`),
        ...models,
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
        return { records, stopped: true };
      }
      progress.finished(n, outcome.record, outcome.skipped);
      records.get(task.id)!.push(outcome.record);
    }
  }
  return { records, stopped: false };
}

async function writeReports(out: string, summaries: TaskSummary[], settings: EvalSettings, say: (text: string) => void): Promise<void> {
  const createdAt = new Date().toISOString();
  await writeJson(join(out, "eval.json"), buildJson(summaries, settings, createdAt));
  await writeFile(join(out, "eval.md"), renderMarkdown(summaries, settings, createdAt));
  await writeFile(join(out, "features.svg"), renderChart(summaries));
  say("");
  say(renderTerminal(summaries, settings));
  say("");
  say(`Reports: ${join(out, "eval.md")}, ${join(out, "eval.json")}, ${join(out, "features.svg")}`);
}

/** 0 every run scored; 1 some could not be (eval.md says why); 2 stopped. */
function exitStatus(out: string, summaries: TaskSummary[], stopped: boolean, stderr: NodeJS.WritableStream): number {
  if (stopped) {
    stderr.write(
      `Stopped before every run was scored; the reports cover the runs so far. Continue with: l2mac eval --resume --out ${out}\n`,
    );
    return 2;
  }
  const failed = summaries.flatMap((s) => s.runs).filter((r) => r.featuresError || (r.tests && "error" in r.tests));
  if (failed.length > 0) {
    stderr.write(`${failed.length} run(s) could not be fully scored (see eval.md); l2mac eval --resume --out ${out} judges them again.\n`);
    return 1;
  }
  return 0;
}
