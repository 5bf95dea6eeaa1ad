import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSyntaxChecker } from "../checks/syntax.js";
import type { Budgets } from "../engine/budget.js";
import type { RunEventListener } from "../engine/events.js";
import { LlmError, type LLM } from "../engine/llm.js";
import type { Program } from "../engine/program.js";
import { addUsage } from "../engine/usage.js";
import { formatSyntaxProblem } from "../engine/syntax-checker.js";
import { GitWorkspace } from "../local/git-workspace.js";
import { programPath, runLocal } from "../local/local-run.js";
import { ProgramFile } from "../local/program-file.js";
import { generatedFiles, lineCount, type GeneratedFile } from "./generated-files.js";
import { judgeFeatures } from "./judge.js";
import { lint } from "./linter.js";
import { readRunRecord, writeJson, type RunRecord } from "./run-record.js";
import { fillJunit, runTests, testCommandFor } from "./test-counts.js";
import { taskPrompt, type Task } from "./task.js";

export interface EvalRunOptions {
  task: Task;
  seed: number;
  /** This run's folder: its workspace, result.json and the judge's reply go here. */
  dir: string;
  coder: LLM;
  judge: LLM;
  steps: number;
  budgets?: Partial<Budgets>;
  /** Opt-in: run the task's tests, during generation (as the paper did) and after it, to count them. */
  runTests: boolean;
  testTimeoutMs: number;
  signal?: AbortSignal;
  /** Called when the run is not one scored earlier, before any work on it. */
  onStart?: () => void;
  onEvent?: RunEventListener;
  /** What the scorer is doing now, for the progress display. */
  onStage?: (stage: string) => void;
}

export type EvalRunOutcome = { record: RunRecord; skipped: boolean } | { stopped: true };

export const resultPath = (dir: string): string => join(dir, "result.json");
export const workspacePath = (dir: string): string => join(dir, "workspace");

/**
 * One run of the benchmark: the task goes through the engine exactly as `l2mac "<task>"` would
 * (runProgram over a fresh git workspace), then the files are scored. A finished run is not redone;
 * one whose judging failed is judged again, and an interrupted one continues where it stopped.
 */
export async function evalRun(options: EvalRunOptions): Promise<EvalRunOutcome> {
  const existing = await readRunRecord(resultPath(options.dir));
  if (existing && !existing.featuresError) return { record: existing, skipped: true };
  options.onStart?.();

  const startedAt = existing?.startedAt ?? new Date().toISOString();
  const dir = workspacePath(options.dir);
  let program = await new ProgramFile(programPath(dir)).load();
  let workspace: GitWorkspace;
  // Scored before but not judged: only the judge runs again, on the same files. A run that wrote
  // nothing (say, the endpoint was down) is generated again instead.
  const kept = existing && existing.files > 0 && program ? existing : undefined;
  if (program && (kept || program.status === "done")) {
    workspace = await GitWorkspace.open(dir);
  } else {
    const command = options.runTests ? testCommandFor(options.task) : undefined;
    const result = await runLocal({
      task: taskPrompt(options.task),
      domain: "codebase",
      steps: options.steps,
      workspace: dir,
      llm: options.coder,
      budgets: options.budgets,
      testCommand: command && fillJunit(command, join(options.dir, "generation-junit.xml")),
      testTimeoutMs: options.testTimeoutMs,
      resume: program !== undefined,
      signal: options.signal,
      onEvent: options.onEvent,
    });
    if (options.signal?.aborted) return { stopped: true };
    program = result.program;
    workspace = result.workspace;
  }
  const record = await score(options, program, workspace, startedAt, kept);
  // Stopped while scoring (the judge's call was cut short): nothing half-scored is kept.
  if (options.signal?.aborted) return { stopped: true };
  await writeJson(resultPath(options.dir), record);
  return { record, skipped: false };
}

async function score(
  options: EvalRunOptions,
  program: Program,
  workspace: GitWorkspace,
  startedAt: string,
  existing: RunRecord | undefined,
): Promise<RunRecord> {
  const { task } = options;
  const files = await generatedFiles(workspace);
  const stat = existing ?? (await staticMetrics(options, files));
  const judged = await judge(options, files, existing?.judge);
  let tests = existing?.tests;
  if (options.runTests && !tests) {
    options.onStage?.("running the tests");
    tests = await runTests(task, workspace.root, await workspace.list(), join(options.dir, "tests"), {
      timeoutMs: options.testTimeoutMs,
      signal: options.signal,
    });
  }
  return {
    version: 1,
    task: task.id,
    seed: options.seed,
    model: options.coder.model,
    judgeModel: options.judge.model,
    startedAt,
    finishedAt: new Date().toISOString(),
    run: {
      status: program.status,
      reason: program.reason,
      instructions: program.instructions.length,
      done: program.instructions.filter((i) => i.status === "done").length,
    },
    files: stat.files,
    loc: stat.loc,
    syntaxErrors: stat.syntaxErrors,
    syntaxProblems: stat.syntaxProblems,
    lint: stat.lint,
    ...judged,
    ...(tests && { tests }),
    coderUsage: program.usage,
  };
}

type StaticMetrics = Pick<RunRecord, "files" | "loc" | "syntaxErrors" | "syntaxProblems" | "lint">;

/** What needs no model and runs no code: size, the project's syntax checker, the language's linter. */
async function staticMetrics(options: EvalRunOptions, files: readonly GeneratedFile[]): Promise<StaticMetrics> {
  options.onStage?.("checking syntax");
  const problems: string[] = [];
  const checkSyntax = createSyntaxChecker();
  for (const file of files) problems.push(...(await checkSyntax(file.path, file.text)).map(formatSyntaxProblem));
  options.onStage?.("linting");
  const linted = await lint(
    options.task.language,
    workspacePath(options.dir),
    files.map((f) => f.path),
  );
  return {
    files: files.length,
    loc: files.reduce((sum, f) => sum + lineCount(f.text), 0),
    syntaxErrors: problems.length,
    syntaxProblems: problems.slice(0, 50),
    lint: linted,
  };
}

/** Features % from the judge; a failed call or an unreadable reply is an error for the run, never a zero. */
async function judge(
  options: EvalRunOptions,
  files: readonly GeneratedFile[],
  previous: RunRecord["judge"],
): Promise<Pick<RunRecord, "features" | "featuresError" | "judge">> {
  if (files.length === 0) return { featuresError: "the run produced no files to judge" };
  options.onStage?.(`judging ${files.length} files with ${options.judge.model}`);
  try {
    const outcome = await judgeFeatures(options.judge, options.task, files, options.signal);
    await writeFile(join(options.dir, "judge-reply.md"), outcome.reply);
    // A re-judged run (after --resume) keeps the cost of the earlier, failed attempt.
    const usage = previous ? addUsage(previous.usage, outcome.usage) : outcome.usage;
    const judge = { usage, omitted: outcome.omitted };
    if (outcome.count === undefined) return { featuresError: outcome.error, judge };
    const total = options.task.features.length;
    return { features: { implemented: outcome.count, total, percent: (100 * outcome.count) / total }, judge };
  } catch (e) {
    if (!(e instanceof LlmError)) throw e;
    return { featuresError: `the judge call failed: ${e.message}` };
  }
}
