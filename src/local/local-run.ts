import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Budgets } from "../engine/budget.js";
import type { RunEventListener } from "../engine/events.js";
import type { LLM } from "../engine/llm.js";
import type { Domain, Program } from "../engine/program.js";
import { loadPromptsFile } from "../engine/prompts.js";
import { runProgram } from "../engine/run-program.js";
import { createSyntaxChecker } from "../checks/syntax.js";
import type { Prices } from "../engine/usage.js";
import { GitWorkspace, META_DIR } from "./git-workspace.js";
import { RunBranchError, prepareRunBranch, taskSlug, type RunBranch } from "./run-branch.js";
import { ProgramFile } from "./program-file.js";
import { ShellEvaluator } from "./shell-evaluator.js";
import { recordTranscript } from "./transcript.js";

/** A mistake in how the CLI or library was called: reported as is, without a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface LocalRunOptions {
  task?: string;
  domain?: Domain;
  steps?: number;
  instructions?: readonly string[];
  promptsFile?: string;
  workspace: string;
  /** Opt-in: a shell command run in the workspace on completion claims. It runs generated code. */
  testCommand?: string;
  testTimeoutMs?: number;
  llm: LLM;
  budgets?: Partial<Budgets>;
  prices?: Prices;
  temperature?: number;
  resume?: boolean;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
}

export const programPath = (workspace: string): string => join(workspace, META_DIR, "program.json");

/** `./workspace/<slug-of-the-task>-<timestamp>`, like the reference's workspace folders. */
export function defaultWorkspace(task: string, now = new Date()): string {
  const slug = taskSlug(task);
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return resolve("workspace", `${slug}-${stamp}`);
}

/** The most recently changed workspace under ./workspace whose run is not finished. */
export async function latestUnfinishedWorkspace(base = resolve("workspace")): Promise<string | undefined> {
  const entries = await readdir(base).catch(() => [] as string[]);
  const candidates: Array<{ dir: string; mtime: number }> = [];
  for (const name of entries) {
    const dir = join(base, name);
    const program = await new ProgramFile(programPath(dir)).load().catch(() => undefined);
    if (program && program.status !== "done") candidates.push({ dir, mtime: (await stat(programPath(dir))).mtimeMs });
  }
  return candidates.sort((a, b) => b.mtime - a.mtime)[0]?.dir;
}

/** Runs (or resumes) a program in a local git workspace: the engine behind both the CLI and the library. */
export async function runLocal(options: LocalRunOptions): Promise<{ program: Program; workspace: GitWorkspace; branch?: RunBranch }> {
  const programStore = new ProgramFile(programPath(options.workspace));
  const existing = await programStore.load();
  if (existing && !options.resume) {
    throw new UsageError(
      `${options.workspace} already holds a run (${existing.status}). Continue it with --resume, or choose another --workspace.`,
    );
  }
  if (!existing && options.resume) throw new UsageError(`${options.workspace} holds no run to resume (no ${META_DIR}/program.json).`);
  const task = existing?.task ?? options.task;
  if (!task?.trim()) throw new UsageError('No task given: describe what to build, e.g. l2mac "a URL shortener with tests".');
  const workspace = await GitWorkspace.open(options.workspace);
  // An existing project is worked on in place, on a branch of the run's own.
  const branch = await prepareRunBranch(workspace.repository, options.workspace, task, Boolean(existing)).catch((e: unknown) => {
    throw e instanceof RunBranchError ? new UsageError(e.message) : e;
  });
  const prompts = options.promptsFile ? await loadPromptsFile(options.promptsFile) : undefined;
  const { program } = await runProgram({
    task,
    domain: existing?.domain ?? options.domain,
    llm: recordTranscript(options.llm, join(options.workspace, META_DIR, "transcript.jsonl")),
    store: workspace,
    programStore,
    steps: options.steps,
    instructions: options.instructions,
    prompts,
    evaluator: options.testCommand ? new ShellEvaluator(options.testCommand, options.workspace, options.testTimeoutMs) : undefined,
    checkSyntax: createSyntaxChecker(),
    budgets: options.budgets,
    prices: options.prices,
    temperature: options.temperature,
    signal: options.signal,
    onEvent: options.onEvent,
  });
  return { program, workspace, branch };
}
