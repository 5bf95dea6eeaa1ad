import type { Budgets, Meter } from "./budget.js";
import { executeInstruction } from "./control-unit.js";
import type { Evaluator } from "./evaluator.js";
import type { RunEventListener } from "./events.js";
import { isVersioned, type FileStore } from "./file-store.js";
import type { LLM } from "./llm.js";
import { earlierSummaries, position, type Instruction } from "./program.js";
import type { Prompts } from "./prompts.js";
import type { SyntaxChecker } from "./syntax-checker.js";
import { commitMessageText, commitSubject } from "./text.js";
import { instructionTrailers, PARTIAL_TRAILER } from "./trailers.js";
import { addUsage, zeroUsage, type Usage } from "./usage.js";

/**
 * One instruction step, the same for both front ends: a fresh agent executes the instruction, and its
 * work becomes one commit with the run's trailers; an agent that stopped early leaves a partial commit,
 * so nothing written is lost and the instruction stays pending. Pushing (GitHub) is the caller's.
 */

/** What every step of a run shares. */
export interface StepContext {
  llm: LLM;
  store: FileStore;
  prompts: Prompts;
  /** The task as every prompt carries it (already bounded to the window). */
  task: string;
  checkSyntax: SyntaxChecker;
  evaluator?: Evaluator;
  meter: Meter;
  budgets: Pick<Budgets, "maxTurnsPerInstruction" | "maxContextRestarts">;
  temperature?: number;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
}

export interface Step {
  /** The program the instruction is part of: its run id, and the instructions around it. */
  program: { runId: string; instructions: Instruction[] };
  instruction: Instruction;
  /** Why an earlier attempt failed its checks (e.g. CI), for this fresh agent to fix. */
  feedback?: string;
  /** What the instruction refers to (a reviewer's diff hunk), for the agent to read. */
  context?: string;
  /** Put before the commit's subject, e.g. "Fix CI: ". */
  subjectPrefix?: string;
  /** More trailers for the instruction's commit (not a partial one), e.g. the fix attempt. */
  trailers?: Record<string, string>;
}

/** The step's end; `usage` is the instruction's own, this step included. */
export type StepOutcome =
  | { status: "complete"; summary: string; usage: Usage; commit?: string }
  | { status: "paused" | "failed"; reason: string; usage: Usage; partialCommit?: string };

export async function runAndCommit(context: StepContext, step: Step): Promise<StepOutcome> {
  const { program, instruction } = step;
  const outcome = await executeInstruction({
    ...context,
    instruction,
    index: position(program, instruction.id),
    total: program.instructions.length,
    earlierSummaries: earlierSummaries(program, instruction.id),
    feedback: step.feedback,
    context: step.context,
  });
  const usage = addUsage(instruction.usage ?? zeroUsage(), outcome.usage);
  const subject = commitSubject(instruction.text);
  const trailers = instructionTrailers(program.runId, instruction.id);
  if (outcome.status === "complete") {
    const message = `${step.subjectPrefix ?? ""}${subject}\n\n${outcome.summary}`;
    const commit = await commitTo(context.store, message, { ...trailers, ...step.trailers });
    return { status: "complete", summary: outcome.summary, usage, commit };
  }
  const partialCommit =
    outcome.touched.length > 0
      ? await commitTo(context.store, `${subject} (partial)\n\n${outcome.reason}`, { ...trailers, [PARTIAL_TRAILER]: "true" })
      : undefined;
  return { status: outcome.status, reason: outcome.reason, usage, partialCommit };
}

/** A commit of everything changed, when the store keeps versions; undefined when nothing changed. */
async function commitTo(store: FileStore, message: string, trailers: Record<string, string>): Promise<string | undefined> {
  if (!isVersioned(store)) return undefined;
  // The subject and summary are the model's words: no CI-skipping markers, no closing keywords.
  return store.commit(commitMessageText(message), trailers);
}

/** The commits of a run found in history, by instruction id (see VersionedFileStore.instructionCommits). */
export type InstructionCommits = Map<number, { sha: string; summary: string }>;

/**
 * Pending instructions whose complete commit is already in history (the process died between committing
 * and saving the program), with that commit. One sent round again (`redo`) is not one of them.
 */
export function alreadyCommitted<I extends Instruction>(
  instructions: readonly I[],
  commits: InstructionCommits,
): Array<{ instruction: I; commit: { sha: string; summary: string } }> {
  return instructions.flatMap((instruction) => {
    const commit = commits.get(instruction.id);
    return instruction.status === "pending" && !instruction.redo && commit ? [{ instruction, commit }] : [];
  });
}
