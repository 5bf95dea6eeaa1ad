import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { causeText } from "./fetch-json.js";
import { explainRefusal, rejectedRequest, type Where } from "./incompatibility.js";
import { LlmError } from "./llm.js";
import type { Refusal } from "./llm-quirks.js";

/**
 * An error of the OpenAI SDK as the `LlmError` the control unit acts on and people read: which endpoint,
 * what the server said, what to change, and never the key.
 */

/** Where the call went, and the key to keep out of every message. */
export interface ErrorContext extends Where {
  apiKey: string;
}

// OpenAI, vLLM, llama.cpp, LM Studio, Ollama, OpenRouter, DeepSeek, Gemini, Anthropic and Kimi phrasings of "prompt too long".
const CONTEXT_LENGTH = new RegExp(
  [
    "context[ _]length",
    "maximum context",
    "context (size|window)",
    "too many tokens",
    "exceeds? the (available )?context",
    "exceeds the maximum number of tokens allowed",
    "prompt is too long",
    "exceed context limit",
    "exceeded model token limit",
    "context the overflows",
  ].join("|"),
  "i",
);

/** The status and the server's words of a refused request (normalised by the fetch wrapper), or undefined. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof APIError) || typeof error.status !== "number" || error instanceof APIUserAbortError) return undefined;
  return { status: error.status, message: serverMessage(error), code: error.code ?? undefined };
}

export function toLlmError(error: unknown, signal: AbortSignal | undefined, context: ErrorContext): LlmError {
  const redact = (text: string) => redactKey(text, context.apiKey);
  const { endpoint } = context;
  if (error instanceof LlmError) return error;
  if (error instanceof APIUserAbortError || signal?.aborted) return new LlmError("aborted", "the LLM request was aborted");
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmError("unavailable", redact(`the LLM endpoint at ${endpoint} timed out (retries exhausted)`));
  }
  if (error instanceof APIConnectionError) {
    return new LlmError("unavailable", redact(`could not reach the LLM endpoint at ${endpoint}: ${causeText(error)}`));
  }
  if (error instanceof APIError && typeof error.status === "number") return statusError(error, error.status, context);
  const text = error instanceof Error ? error.message : String(error);
  return new LlmError("unavailable", redact(`LLM call to ${endpoint} failed: ${text}`));
}

function statusError(error: APIError, status: number, context: ErrorContext): LlmError {
  const { apiKey, ...where } = context;
  const { endpoint, model } = where;
  const server = redactKey(serverMessage(error), apiKey);
  if (status === 401 || status === 403) {
    return new LlmError("auth", `the LLM endpoint at ${endpoint} refused the API key (${status}: ${server}); check OPENAI_API_KEY`, status);
  }
  const explained = explainRefusal({ status, message: server, code: error.code ?? undefined }, where);
  if (explained) return new LlmError(explained.kind, redactKey(explained.message, apiKey), status);
  if (status === 408 || status === 409 || status === 429 || status >= 500) {
    return new LlmError("unavailable", `the LLM endpoint at ${endpoint} answered ${status} and retries were exhausted: ${server}`, status);
  }
  const type = (error.error as { type?: unknown } | undefined)?.type;
  if (error.code === "context_length_exceeded" || type === "exceed_context_size_error" || CONTEXT_LENGTH.test(server)) {
    return new LlmError("context-length", `the prompt exceeds the context window of ${model}: ${server}`, status);
  }
  if (status >= 400 && status < 500) return new LlmError("bad-request", rejectedRequest(where, status, server), status);
  return new LlmError("unavailable", `the LLM endpoint at ${endpoint} answered ${status}: ${server}`, status);
}

function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message) return body.message;
  return error.message.replace(/^\d{3}\s+/, "");
}

// Servers echo (parts of) keys in auth errors; never let the key or anything key-shaped through.
function redactKey(text: string, apiKey: string): string {
  let out = apiKey.length >= 4 ? text.split(apiKey).join("[redacted]") : text;
  out = out.replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, "sk-[redacted]");
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1"); // credentials in URLs
  return out.replace(/(api key provided:\s*)[^\s.,;]+/gi, "$1[redacted]");
}
