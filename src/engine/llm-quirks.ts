import type { ServerFamily } from "./server-family.js";

/**
 * What an endpoint has been found to need, learned from its refusals (each one retried once with the
 * change, then remembered for the endpoint) or known from its family. docs/providers.md has the sources.
 */
export interface Quirks {
  /** How a forced choice of the only tool is sent: "required" (accepted more widely than a named one), else "auto". */
  forced: "required" | "auto";
  /** The server rejected `parallel_tool_calls` (LiteLLM, older Azure, Gemini). */
  noParallelToolCalls: boolean;
  /** The model takes no `temperature` (reasoning models behind arbitrary names, e.g. an Azure deployment). */
  noTemperature: boolean;
  /** The model wants `max_completion_tokens`, not `max_tokens`. */
  maxCompletionTokens: boolean;
  /** The server ignores `tool_choice: "none"` (Ollama): tool-free turns are sent without tools. */
  toolsOffForNone: boolean;
  /** The server needs `reasoning_content` back on assistant tool-call turns (DeepSeek thinking mode). */
  echoReasoning: boolean;
  /** The server rejects a user message right after tool results (Mistral): a short assistant turn goes between. */
  noUserAfterTool: boolean;
  /** Send `transforms: []`, so OpenRouter does not compress (cut) prompts of small-window endpoints. */
  noTransforms: boolean;
  /** How many tokens the server counts for each one we count (≥ 1); the usable window is divided by it. */
  tokenRatio: number;
  /** Changes made after refusals, in words, for `l2mac doctor` and the logs. */
  learned: string[];
}

export function initialQuirks(family: ServerFamily): Quirks {
  return {
    forced: "required",
    noParallelToolCalls: false,
    noTemperature: false,
    maxCompletionTokens: false,
    toolsOffForNone: family === "ollama",
    echoReasoning: family === "deepseek",
    noUserAfterTool: family === "mistral",
    noTransforms: family === "openrouter",
    tokenRatio: 1,
    learned: [],
  };
}

/** What the request that was refused carried, so only a change that alters it is tried. */
export interface SentShape {
  toolChoice?: string;
  parallelToolCalls: boolean;
  temperature: boolean;
  maxTokens: boolean;
}

export interface Refusal {
  status: number;
  message: string;
  code?: string | number;
}

const mentions = (message: string, ...words: RegExp[]) => words.every((w) => w.test(message));

/** vLLM started without a tool parser: only `tool_choice: "none"` is served. */
export const VLLM_NO_TOOLS = /requires --enable-auto-tool-choice|requires --tool-call-parser/i;

/**
 * Learns from a 4xx refusal: returns the change to retry with (already applied to `quirks`), or
 * undefined when nothing about the request can be changed to get past it.
 */
export function learnFrom(quirks: Quirks, refusal: Refusal, sent: SentShape): string | undefined {
  const { status, message } = refusal;
  if (status < 400 || status >= 500) return undefined;
  const note = (change: string): string => {
    quirks.learned.push(change);
    return change;
  };
  if (sent.parallelToolCalls && !quirks.noParallelToolCalls && /parallel[_ ]tool[_ ]calls/i.test(message)) {
    quirks.noParallelToolCalls = true;
    return note("parallel_tool_calls is no longer sent: the server rejected it");
  }
  if (sent.maxTokens && !quirks.maxCompletionTokens && mentions(message, /max_tokens/, /max_completion_tokens/)) {
    quirks.maxCompletionTokens = true;
    return note("max_completion_tokens is sent instead of max_tokens: the model asked for it");
  }
  if (
    sent.temperature &&
    !quirks.noTemperature &&
    mentions(message, /temperature/i, /unsupported|not supported|does not support|unrecognized|unknown/i)
  ) {
    quirks.noTemperature = true;
    return note("temperature is no longer sent: the model does not take it");
  }
  // A forced choice refused (LM Studio, DeepSeek thinking mode, vLLM without a parser, OpenRouter's routing):
  // the only tool is then offered with "auto", and a reply in text is read as the plan.
  if (sent.toolChoice === "required" && quirks.forced === "required" && /tool[_ ]choice|tool choice/i.test(message)) {
    quirks.forced = "auto";
    return note('forced tool calls are sent as tool_choice "auto": the server refused "required"');
  }
  if (!quirks.echoReasoning && /reasoning_content/.test(message) && /missing/i.test(message)) {
    quirks.echoReasoning = true;
    return note("reasoning_content is sent back on tool-call turns: the server requires it");
  }
  if (!quirks.noUserAfterTool && /unexpected role 'user' after role 'tool'/i.test(message)) {
    quirks.noUserAfterTool = true;
    return note("a short assistant turn now follows tool results: the server rejects a user message right after them");
  }
  return undefined;
}

/** Groq's "Failed to call a function": the model's output was malformed, so the same request is tried again once. */
export const isModelSideToolFailure = (refusal: Refusal): boolean =>
  refusal.status === 400 && (refusal.code === "tool_use_failed" || /failed to call a function/i.test(refusal.message));

/**
 * Records the server's own prompt count against ours. Only growth is kept, and only from prompts large
 * enough to measure, so one odd count cannot shrink the window for good.
 */
export function observeTokens(quirks: Quirks, ours: number, theirs: number): void {
  if (ours < 256 || !(theirs > ours)) return;
  quirks.tokenRatio = Math.min(2, Math.max(quirks.tokenRatio, Math.round((theirs / ours) * 100) / 100));
}
