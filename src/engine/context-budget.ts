import type { LLM } from "./llm.js";

/**
 * How a request's prompt budget is shared. The budget is the model's window minus the completion
 * reserve, times a safety margin: prompts are counted with one tokenizer, servers count with their own.
 */

/** Share of the window (less the completion reserve) a prompt may fill at first. */
export const PROMPT_SAFETY = 0.95;
/** The margin is multiplied by this whenever a server says a prompt counted as fitting is too long. */
export const SAFETY_SHRINK = 0.85;
/** Failure output of the evaluator or CI, shown to the agent to fix. */
export const FEEDBACK_SHARE = 0.2;
/** The file listing in the instruction's prompt, up to LISTING_MAX_TOKENS. */
export const LISTING_SHARE = 0.15;
export const LISTING_MAX_TOKENS = 2000;
/** A `list_files` result at most: a listing the agent asked for, with large directories collapsed to drill into. */
export const LIST_FILES_MAX_TOKENS = 2000;
/** The file listing in a control message between turns. */
export const CONTROL_LISTING_TOKENS = 400;
/** The repository's instruction files (AGENTS.md …) in the instruction's prompt, up to INSTRUCTION_FILES_MAX_TOKENS. */
export const INSTRUCTION_FILES_SHARE = 0.08;
export const INSTRUCTION_FILES_MAX_TOKENS = 2000;
/** Summaries of the earlier instructions (the newest are kept). */
export const SUMMARIES_SHARE = 0.1;
/** One turn's tool results, of what the conversation leaves free (the rest is for the next control message). */
export const TOOL_RESULT_SHARE = 0.6;
/** CI failure feedback fetched for a fix attempt, as a share of the whole window (the prompt clips it again). */
export const CI_FEEDBACK_SHARE = 0.15;

/** Tokens a prompt may take with the given safety margin. */
export const promptBudget = (llm: Pick<LLM, "contextWindow" | "completionReserve">, safety = PROMPT_SAFETY): number =>
  Math.floor((llm.contextWindow - llm.completionReserve) * safety);

/** `share` of a budget, in whole tokens. */
export const shareOf = (budget: number, share: number): number => Math.floor(budget * share);
