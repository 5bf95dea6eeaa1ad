import type { AssistantMessage, ChatMessage } from "./messages.js";

/** The LLM port: one chat completion. Adapters (OpenAI, scripted test servers) implement it. */

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** `none` keeps the tools declared (so the history stays valid) but forbids calling them. */
export type ToolChoice = "auto" | "none" | { name: string };

/** Why the engine is calling: recorded in transcripts, useful to scripted servers. */
export type CallPurpose = "plan" | "act" | "summary" | "progress-note" | "judge";

export interface ChatRequest {
  messages: readonly ChatMessage[];
  tools?: readonly ToolSpec[];
  toolChoice?: ToolChoice;
  temperature?: number;
  maxTokens?: number;
  purpose: CallPurpose;
}

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  /** The server sent no usage: these are the app's own counts, so cost figures say "estimated". */
  estimated?: boolean;
  /** What the call cost in USD, when the adapter prices its own model (each model of a per-role setup is priced apart). */
  costUsd?: number;
}

export interface ChatResponse {
  message: AssistantMessage;
  usage: TokenCounts;
  finishReason: string | null;
}

export interface LLM {
  readonly model: string;
  /** Every model behind this port when it routes by purpose (models per role); otherwise just `model`. */
  readonly models?: readonly string[];
  /** Tokens the model accepts, prompt and completion together. */
  readonly contextWindow: number;
  /** Tokens reserved for each completion; the prompt budget is contextWindow − this. */
  readonly completionReserve: number;
  complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResponse>;
}

/**
 * What went wrong talking to the model, in the terms the control unit acts on:
 * `context-length` → summarise and restart; `bad-request` → the request itself is wrong (never retried);
 * `auth` → the key is missing or refused; `unavailable` → retries exhausted or endpoint unreachable;
 * `incompatible` → the server or model cannot do what L2MAC needs (e.g. no tool calls): the message is the
 * one sentence saying what the operator must change, and the run pauses until then.
 */
export type LlmErrorKind = "context-length" | "bad-request" | "auth" | "unavailable" | "incompatible" | "aborted";

export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "LlmError";
  }
}
