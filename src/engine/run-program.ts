import { DEFAULT_BUDGETS, Meter, type Budgets } from "./budget.js";
import { executeInstruction } from "./control-unit.js";
import type { Evaluator } from "./evaluator.js";
import type { RunEventListener } from "./events.js";
import { isVersioned, type FileStore } from "./file-store.js";
import { LlmError, type LLM } from "./llm.js";
import { PlanError, planProgram } from "./planner.js";
import {
  createProgram,
  earlierSummaries,
  nextInstruction,
  position,
  updateInstruction,
  type Domain,
  type Instruction,
  type Program,
} from "./program.js";
import type { ProgramStore } from "./program-store.js";
import { defaultPrompts, type Prompts } from "./prompts.js";
import type { SyntaxChecker } from "./syntax-checker.js";
import { boundTask, MIN_TASK_TOKENS, taskTokenBudget } from "./task-budget.js";
import { commitSubject, commitMessageText } from "./text.js";
import { addUsage, pricesFor, zeroUsage, type Prices } from "./usage.js";

export interface RunProgramOptions {
  task: string;
  domain?: Domain;
  llm: LLM;
  store: FileStore;
  programStore: ProgramStore;
  /** Most instructions the planner may produce (the reference's `steps`). */
  steps?: number;
  /** A user-supplied prompt program: planning is skipped. */
  instructions?: readonly string[];
  prompts?: Prompts;
  evaluator?: Evaluator;
  /** Run after every write and before completion; the front ends wire `src/checks`. */
  checkSyntax: SyntaxChecker;
  budgets?: Partial<Budgets>;
  /** USD per million tokens; defaults to the list price of known models. */
  prices?: Prices;
  temperature?: number;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
}

export interface RunResult {
  program: Program;
}

export const RUN_TRAILER = "L2MAC-Run";
export const INSTRUCTION_TRAILER = "L2MAC-Instruction";

/**
 * Runs a prompt program to the end, or until a budget, an error or a stop pauses it. The program is
 * saved after every transition, so a later call with the same ProgramStore resumes at the first
 * unfinished instruction. A versioned store gets one commit per instruction.
 */
export async function runProgram(options: RunProgramOptions): Promise<RunResult> {
  const budgets: Budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
  const domain = options.domain ?? "codebase";
  const prompts = options.prompts ?? defaultPrompts(domain);
  const { llm, store, programStore, onEvent } = options;
  const prices = pricesFor(llm.model, options.prices);

  let program = await programStore.load();
  const meter = new Meter(budgets, prices, program?.usage);
  // Every request carries the task: it is cut to what the window allows before any of them.
  const taskBudget = taskTokenBudget(llm, prompts);
  if (taskBudget < MIN_TASK_TOKENS) {
    const failed = {
      ...(program ?? createProgram(options.task, domain, [])),
      status: "failed" as const,
      reason: `the model's context window (${llm.contextWindow} tokens) leaves only ${taskBudget} tokens for the task; use a model with a larger window`,
    };
    onEvent?.({ type: "run-stopped", program: failed });
    return { program: failed };
  }
  const bounded = (task: string) => boundTask(task, taskBudget).text;
  if (!program) {
    const task = boundTask(options.task, taskBudget);
    if (task.cut) onEvent?.({ type: "task-cut", tokens: task.tokens, keptTokens: task.keptTokens });
    let steps: string[];
    if (options.instructions) {
      steps = options.instructions.map((s) => s.trim()).filter(Boolean);
    } else {
      try {
        steps = await planProgram({ llm, prompts, task: task.text, maxSteps: options.steps ?? 10, meter, signal: options.signal });
      } catch (e) {
        if (!(e instanceof PlanError) && !(e instanceof LlmError)) throw e;
        const failed = {
          ...createProgram(options.task, domain, []),
          status: "failed" as const,
          reason: `planning failed: ${e.message}`,
          usage: meter.total,
        };
        onEvent?.({ type: "run-stopped", program: failed });
        return { program: failed };
      }
      onEvent?.({ type: "planned", steps });
    }
    if (steps.length === 0) throw new PlanError("The prompt program has no instructions.");
    program = { ...createProgram(options.task, domain, steps), usage: meter.total };
    await programStore.save(program);
  }
  program = await reconcileCommits(program, store);
  program = { ...program, status: "running", reason: undefined };

  let executed = 0;
  const stop = async (status: "paused" | "failed" | "done", reason?: string): Promise<RunResult> => {
    program = { ...program!, status, reason, usage: meter.total };
    await programStore.save(program);
    onEvent?.({ type: "run-stopped", program });
    return { program };
  };

  for (let next = nextInstruction(program); next; next = nextInstruction(program)) {
    if (options.signal?.aborted) return stop("paused", "stopped on request");
    const exceeded = meter.exceeded();
    if (exceeded) return stop("paused", exceeded);
    if (budgets.maxInstructions !== undefined && executed >= budgets.maxInstructions) {
      return stop("paused", `the limit of ${budgets.maxInstructions} instructions per run is reached`);
    }
    const index = position(program, next.id);
    const total = program.instructions.length;
    onEvent?.({ type: "instruction-started", index, total, instruction: next });
    const outcome = await executeInstruction({
      llm,
      store,
      prompts,
      task: bounded(program.task),
      instruction: next,
      index,
      total,
      earlierSummaries: earlierSummaries(program, next.id),
      evaluator: options.evaluator,
      checkSyntax: options.checkSyntax,
      meter,
      budgets,
      temperature: options.temperature,
      signal: options.signal,
      onEvent,
    });
    executed++;
    const usage = addUsage(next.usage ?? zeroUsage(), outcome.usage);
    if (outcome.status !== "complete") {
      // Keep what the agent wrote: a partial commit, so nothing is lost and the instruction stays pending.
      if (outcome.touched.length > 0)
        await commitInstruction(store, program, next, `${commitSubject(next.text)} (partial)`, outcome.reason, { "L2MAC-Partial": "true" });
      program = updateInstruction(program, next.id, { usage });
      return stop(outcome.status, outcome.reason);
    }
    const commit = await commitInstruction(store, program, next, commitSubject(next.text), outcome.summary);
    program = updateInstruction(program, next.id, { status: "done", summary: outcome.summary, commit, usage, redo: undefined });
    program = { ...program, usage: meter.total };
    await programStore.save(program);
    onEvent?.({ type: "instruction-finished", index, total, instruction: program.instructions[index - 1]! });
  }
  return stop("done");
}

async function commitInstruction(
  store: FileStore,
  program: Program,
  instruction: Instruction,
  subject: string,
  body: string,
  extraTrailers: Record<string, string> = {},
): Promise<string | undefined> {
  if (!isVersioned(store)) return undefined;
  const message = `${subject}\n\n${commitMessageText(body)}`;
  return store.commit(message, { [RUN_TRAILER]: program.runId, [INSTRUCTION_TRAILER]: String(instruction.id), ...extraTrailers });
}

/**
 * An instruction whose commit is already in history (the process died between committing and saving the
 * program) is marked done instead of being run, and committed, again.
 */
async function reconcileCommits(program: Program, store: FileStore): Promise<Program> {
  if (!isVersioned(store) || !store.instructionCommits) return program;
  const commits = await store.instructionCommits(program.runId);
  let out = program;
  for (const i of program.instructions) {
    const found = commits.get(i.id);
    if (i.status === "pending" && found && !i.redo) {
      out = updateInstruction(out, i.id, { status: "done", commit: found.sha, summary: found.summary });
    }
  }
  return out;
}
