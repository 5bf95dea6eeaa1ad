import type { Budgets } from "./engine/budget.js";
import type { RunEventListener } from "./engine/events.js";
import type { LLM } from "./engine/llm.js";
import type { Domain, Program } from "./engine/program.js";
import type { Prices } from "./engine/usage.js";
import { createLlm, type LlmSettings } from "./local/llm-settings.js";
import { defaultWorkspace, runLocal } from "./local/local-run.js";

/** The library: L2MAC from code, like the reference's `generate_codebase` / `generate_book`. */

export interface GenerateOptions extends LlmSettings {
  /** Any LLM port implementation; overrides the OpenAI settings. */
  llm?: LLM;
  /** Most instructions the planner may produce (default 10). */
  steps?: number;
  /** A prompt program to run instead of planning one. */
  promptProgram?: readonly string[];
  /** A YAML file with the nine prompt templates. */
  promptsFile?: string;
  /** Where the files go (a git repository); default ./workspace/<task-slug>-<timestamp>. An existing repository with history is changed on a new branch `l2mac/<task-slug>` (a dirty tree is refused). */
  workspace?: string;
  /** Opt-in: a shell command run in the workspace on each completion claim. It executes generated code. */
  testCommand?: string;
  budgets?: Partial<Budgets>;
  prices?: Prices;
  resume?: boolean;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
}

/** A run that paused or failed: the files written so far and the program are kept on the error. */
export class RunNotFinishedError extends Error {
  constructor(
    readonly program: Program,
    readonly files: Record<string, string>,
    readonly workspace: string,
  ) {
    super(`The run ${program.status}: ${program.reason ?? "unknown reason"} (workspace ${workspace})`);
    this.name = "RunNotFinishedError";
  }
}

async function generate(domain: Domain, task: string, options: GenerateOptions): Promise<Record<string, string>> {
  const workspacePath = options.workspace ?? defaultWorkspace(task);
  const { program, workspace } = await runLocal({
    ...options,
    task,
    domain,
    instructions: options.promptProgram,
    workspace: workspacePath,
    llm: options.llm ?? (await createLlm(options)),
  });
  const files: Record<string, string> = {};
  for (const path of await workspace.list()) files[path] = (await workspace.read(path)) ?? "";
  if (program.status !== "done") throw new RunNotFinishedError(program, files, workspacePath);
  return files;
}

/** Generates a codebase for `task`; resolves to the files (path → contents). */
export const generateCodebase = (task: string, options: GenerateOptions = {}): Promise<Record<string, string>> =>
  generate("codebase", task, options);

/** Generates a book (long-form text) for `task`; resolves to the files (path → contents). */
export const generateBook = (task: string, options: GenerateOptions = {}): Promise<Record<string, string>> =>
  generate("book", task, options);

export { runProgram, type RunProgramOptions, type RunResult } from "./engine/run-program.js";
export { executeInstruction, type InstructionOutcome } from "./engine/control-unit.js";
export { planProgram } from "./engine/planner.js";
export { OpenAiLlm, type OpenAiLlmOptions } from "./engine/openai-llm.js";
export { connectLlm, type ConnectOptions, type Connection } from "./engine/llm-connection.js";
export { RoleLlm, type RoleModels } from "./engine/role-llm.js";
export { diagnose, type Verdict } from "./engine/llm-doctor.js";
export { DirectoryFileStore } from "./engine/directory-file-store.js";
export { MemoryProgramStore, type ProgramStore } from "./engine/program-store.js";
export { defaultPrompts, loadPromptsFile, type Prompts } from "./engine/prompts.js";
export type { FileStore, VersionedFileStore } from "./engine/file-store.js";
export type { Evaluator, Evaluation } from "./engine/evaluator.js";
export type { LLM, ChatRequest, ChatResponse } from "./engine/llm.js";
export type { Program, Instruction, Domain } from "./engine/program.js";
export type { RunEvent } from "./engine/events.js";
export type { Budgets } from "./engine/budget.js";
export { createSyntaxChecker } from "./checks/syntax.js";
export type { SyntaxChecker, SyntaxProblem } from "./engine/syntax-checker.js";
export { GitWorkspace } from "./local/git-workspace.js";
export { ShellEvaluator } from "./local/shell-evaluator.js";
