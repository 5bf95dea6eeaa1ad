import { decode, encode } from "gpt-tokenizer";
import { PROMPT_SAFETY } from "./context-budget.js";
import type { LLM } from "./llm.js";
import { placeholdersIn, type Prompts } from "./prompts.js";
import { countText } from "./token-counter.js";

/**
 * The task is the one input of unbounded size every request carries (planning, each instruction, a
 * re-plan). It is cut to a share of the model's window before any request, so each request fits
 * whatever the task's size; the cut is said, not hidden.
 */

/** Share of the prompt budget one copy of the task may take: the rest is the instruction, listing, summaries, feedback and the work. */
const TASK_SHARE = 0.25;
/** A task cut below this many tokens says too little to plan from: refuse rather than run on a fragment. */
export const MIN_TASK_TOKENS = 256;
// Counting is linear but not free: past this many characters, the rest is estimated, not counted.
const MAX_COUNTED_CHARS = 131_072;
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export interface BoundedTask {
  /** The task as the model gets it: all of it, or its start and a line saying it was cut. */
  text: string;
  /** Tokens of the whole task (at least this many when it was too long to count). */
  tokens: number;
  /** Tokens of it that were kept. */
  keptTokens: number;
  cut: boolean;
}

/**
 * Tokens the task may take in any request to `llm` with `prompts`: a share of the prompt budget, split
 * over the copies of the task a request holds (the templates' `{prompt_task}`, or the one the control
 * unit adds when its template has none).
 */
export function taskTokenBudget(llm: Pick<LLM, "contextWindow" | "completionReserve">, prompts: Prompts): number {
  const copies = (key: keyof Prompts) => (placeholdersIn(prompts[key]).includes("prompt_task") ? 1 : 0);
  const planning = copies("system") + copies("first_message");
  const execution = copies("system") + Math.max(1, copies("control_unit_execute_instruction"));
  const budget = (llm.contextWindow - llm.completionReserve) * PROMPT_SAFETY;
  return Math.floor((budget * TASK_SHARE) / Math.max(1, planning, execution));
}

/** `task` within `budgetTokens`: its start is kept (where a description says what it is about), and a last line says how much was cut. */
export function boundTask(task: string, budgetTokens: number): BoundedTask {
  const counted = task.length > MAX_COUNTED_CHARS ? task.slice(0, MAX_COUNTED_CHARS) : task;
  const tokens = countText(counted);
  if (tokens <= budgetTokens && counted === task) return { text: task, tokens, keptTokens: tokens, cut: false };
  const keep = Math.max(0, budgetTokens - 40);
  // A token is rarely longer than 16 characters: the head is enough to cut from.
  let head = decode(encode(task.slice(0, keep * 16), AS_TEXT).slice(0, keep));
  // Cut at a line or word boundary near the end, not inside a word.
  const boundary = Math.max(head.lastIndexOf("\n"), head.lastIndexOf(" "));
  if (boundary > head.length - 200 && boundary > 0) head = head.slice(0, boundary);
  const keptTokens = countText(head);
  const total = counted === task ? `${tokens.toLocaleString("en-US")}` : `more than ${tokens.toLocaleString("en-US")}`;
  return {
    text: `${head.trimEnd()}\n\n[… the rest of the task was cut: it is ${total} tokens, of which the first ${keptTokens.toLocaleString("en-US")} fit the model's context window]`,
    tokens,
    keptTokens,
    cut: true,
  };
}
