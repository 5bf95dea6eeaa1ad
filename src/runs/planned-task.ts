import { defaultPrompts } from "../engine/prompts.js";
import { boundTask, MIN_TASK_TOKENS, taskTokenBudget, type BoundedTask } from "../engine/task-budget.js";
import { MAX_ITEM_CHARS, normaliseItemText } from "../github/plan.js";
import { notes, reasons } from "./reasons.js";
import type { RunDeps } from "./run-deps.js";

/** The task as prompts carry it (cut to the model's window before any request), or why there is no room for it. */
export type PromptedTask = { ok: true; task: BoundedTask } | { ok: false; reason: string; task: BoundedTask };

export function promptedTask(task: string, deps: Pick<RunDeps, "llm">): PromptedTask {
  const budget = taskTokenBudget(deps.llm, defaultPrompts("codebase"));
  const bounded = boundTask(task, Math.max(budget, 0));
  if (budget >= MIN_TASK_TOKENS) return { ok: true, task: bounded };
  return { ok: false, task: bounded, reason: reasons.windowTooSmall(deps.llm.contextWindow, budget) };
}

/** Notes on what planning read (instruction files) and cut: the description to the window, instructions to the comment's bounds. */
export function plannedNotes(task: BoundedTask, steps: readonly string[], instructionFiles: readonly string[]): string[] | undefined {
  const out: string[] = [];
  if (instructionFiles.length > 0) out.push(notes.instructionFilesRead(instructionFiles));
  if (task.cut) out.push(notes.taskCut(task.tokens, task.keptTokens));
  const long = steps.filter((s) => normaliseItemText(s).length > MAX_ITEM_CHARS).length;
  if (long > 0) out.push(notes.instructionsCut(long));
  return out.length > 0 ? out : undefined;
}
