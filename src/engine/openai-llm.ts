import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { ChatRequest, ChatResponse, LLM, TokenCounts, ToolChoice } from "./llm.js";
import { LlmError } from "./llm.js";
import type { AssistantMessage, ChatMessage, ToolCall } from "./messages.js";

/** The LLM port over the official OpenAI SDK; works with any OpenAI-compatible chat-completions server. */

export interface OpenAiLlmOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Tokens the model accepts; default from {@link contextWindowFor}. */
  contextWindow?: number;
  /** Tokens kept free for each completion; default min(4096, floor(contextWindow / 4)). */
  completionReserve?: number;
  /** Handed to the SDK, which retries 408/409/429/5xx, timeouts and connection errors with backoff (never 400). Default 5. */
  maxRetries?: number;
  /** Per attempt. Default 600_000. */
  timeoutMs?: number;
  /** Sent as `parallel_tool_calls` when tools are declared; omitted by default (some compatible servers reject it). */
  parallelToolCalls?: boolean;
  fetch?: typeof fetch;
}

type CreateParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type WireMessage = OpenAI.Chat.ChatCompletionMessageParam;
type WireToolChoice = OpenAI.Chat.ChatCompletionToolChoiceOption;

// Context windows by model-name prefix; the longest matching prefix wins.
const CONTEXT_WINDOWS: ReadonlyArray<[prefix: string, tokens: number]> = [
  ["gpt-5", 400_000],
  ["gpt-4.1", 1_047_576],
  ["gpt-4o", 128_000],
  ["gpt-4-turbo", 128_000],
  ["gpt-4-32k", 32_768],
  ["gpt-4", 8_192],
  ["gpt-3.5-turbo", 16_385],
  ["o1", 200_000],
  ["o1-mini", 128_000],
  ["o1-preview", 128_000],
  ["o3", 200_000],
  ["o4", 200_000],
];

const bareName = (model: string): string => model.toLowerCase().replace(/^.*\//, "");

export function contextWindowFor(model: string): number {
  const name = bareName(model);
  const hit = CONTEXT_WINDOWS.filter(([prefix]) => name.startsWith(prefix)).sort((x, y) => y[0].length - x[0].length)[0];
  return hit?.[1] ?? 128_000;
}

// Reasoning models take `max_completion_tokens` and reject any temperature but the default.
const isReasoningModel = (model: string): boolean => /^(o1|o3|o4|gpt-5)/.test(bareName(model));

export class OpenAiLlm implements LLM {
  readonly model: string;
  readonly contextWindow: number;
  readonly completionReserve: number;
  private readonly client: OpenAI;
  private readonly apiKey: string;
  private readonly parallelToolCalls: boolean | undefined;

  constructor(options: OpenAiLlmOptions) {
    this.model = options.model;
    this.contextWindow = options.contextWindow ?? contextWindowFor(options.model);
    this.completionReserve = options.completionReserve ?? Math.min(4096, Math.floor(this.contextWindow / 4));
    if (!(this.contextWindow > 0) || !(this.completionReserve >= 0) || this.completionReserve >= this.contextWindow) {
      throw new Error(
        `invalid token budget for ${options.model}: contextWindow ${this.contextWindow}, completionReserve ${this.completionReserve}`,
      );
    }
    this.apiKey = options.apiKey;
    this.parallelToolCalls = options.parallelToolCalls;
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL !== undefined && { baseURL: options.baseURL }),
      maxRetries: options.maxRetries ?? 5,
      timeout: options.timeoutMs ?? 600_000,
      ...(options.fetch && { fetch: options.fetch }),
    });
  }

  async complete(request: ChatRequest, options: { signal?: AbortSignal } = {}): Promise<ChatResponse> {
    const params = this.toParams(request);
    let completion: OpenAI.Chat.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(params, options.signal ? { signal: options.signal } : undefined);
    } catch (error) {
      throw this.toLlmError(error, options.signal);
    }
    // Compatible servers are not always schema-true: read defensively.
    const choice = (completion.choices as OpenAI.Chat.ChatCompletion.Choice[] | undefined)?.[0];
    if (!choice?.message) {
      throw new LlmError("unavailable", `the LLM endpoint at ${this.endpoint()} returned a completion without choices`);
    }
    const message = toAssistantMessage(choice.message);
    const usage = await usageFrom(completion.usage, request.messages, message);
    return { message, usage, finishReason: choice.finish_reason ?? null };
  }

  private toParams(request: ChatRequest): CreateParams {
    const params: CreateParams = { model: this.model, messages: request.messages.map(toWireMessage) };
    const tools = request.tools ?? [];
    // tool_choice and parallel_tool_calls without tools are 400s.
    if (tools.length > 0) {
      params.tools = tools.map((t) => ({
        type: "function",
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
      if (request.toolChoice !== undefined) params.tool_choice = toWireToolChoice(request.toolChoice);
      if (this.parallelToolCalls !== undefined) params.parallel_tool_calls = this.parallelToolCalls;
    }
    const reasoning = isReasoningModel(this.model);
    if (request.temperature !== undefined && !reasoning) params.temperature = request.temperature;
    if (request.maxTokens !== undefined) {
      if (reasoning) params.max_completion_tokens = request.maxTokens;
      else params.max_tokens = request.maxTokens;
    }
    return params;
  }

  /** The base URL without credentials or query, safe to show. */
  private endpoint(): string {
    try {
      const url = new URL(this.client.baseURL);
      return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/$/, "");
    } catch {
      return "(invalid base URL)";
    }
  }

  private toLlmError(error: unknown, signal: AbortSignal | undefined): LlmError {
    if (error instanceof LlmError) return error;
    if (error instanceof APIUserAbortError || signal?.aborted) return new LlmError("aborted", "the LLM request was aborted");
    if (error instanceof APIConnectionTimeoutError) {
      return new LlmError("unavailable", this.redact(`the LLM endpoint at ${this.endpoint()} timed out (retries exhausted)`));
    }
    if (error instanceof APIConnectionError) {
      return new LlmError("unavailable", this.redact(`could not reach the LLM endpoint at ${this.endpoint()}: ${causeOf(error)}`));
    }
    if (error instanceof APIError && typeof error.status === "number") return this.statusError(error, error.status);
    const text = error instanceof Error ? error.message : String(error);
    return new LlmError("unavailable", this.redact(`LLM call to ${this.endpoint()} failed: ${text}`));
  }

  private statusError(error: APIError, status: number): LlmError {
    const server = this.redact(serverMessage(error));
    if (status === 401 || status === 403) {
      return new LlmError(
        "auth",
        `the LLM endpoint at ${this.endpoint()} refused the API key (${status}: ${server}); check OPENAI_API_KEY`,
        status,
      );
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new LlmError(
        "unavailable",
        `the LLM endpoint at ${this.endpoint()} answered ${status} and retries were exhausted: ${server}`,
        status,
      );
    }
    if (status >= 400 && (error.code === "context_length_exceeded" || CONTEXT_LENGTH.test(server))) {
      return new LlmError("context-length", `the prompt exceeds the context window of ${this.model}: ${server}`, status);
    }
    if (status >= 400 && status < 500)
      return new LlmError("bad-request", `the LLM endpoint rejected the request (${status}): ${server}`, status);
    return new LlmError("unavailable", `the LLM endpoint at ${this.endpoint()} answered ${status}: ${server}`, status);
  }

  // Servers echo (parts of) keys in auth errors; never let the key or anything key-shaped through.
  private redact(text: string): string {
    let out = this.apiKey.length >= 4 ? text.split(this.apiKey).join("[redacted]") : text;
    out = out.replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, "sk-[redacted]");
    out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1"); // credentials in URLs
    return out.replace(/(api key provided:\s*)[^\s.,;]+/gi, "$1[redacted]");
  }
}

// OpenAI, vLLM, llama.cpp and Ollama phrasings of "prompt too long".
const CONTEXT_LENGTH = /context[ _]length|maximum context|context (size|window)|too many tokens|exceeds? the (available )?context/i;

function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message) return body.message;
  return error.message.replace(/^\d{3}\s+/, "");
}

/** The innermost cause, e.g. "connect ECONNREFUSED 127.0.0.1:1234" under undici's "fetch failed". */
function causeOf(error: Error): string {
  let current: unknown = error;
  let text = error.message;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (current.message)
      text = typeof code === "string" && !current.message.includes(code) ? `${code}: ${current.message}` : current.message;
    current = current.cause;
  }
  return text;
}

function toWireMessage(message: ChatMessage): WireMessage {
  switch (message.role) {
    case "system":
    case "user":
      return { role: message.role, content: message.content };
    case "tool":
      return { role: "tool", tool_call_id: message.tool_call_id, content: message.content };
    case "assistant": {
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) return { role: "assistant", content: message.content ?? "" }; // null content needs tool calls
      return {
        role: "assistant",
        content: message.content,
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.function.name, arguments: c.function.arguments },
        })),
      };
    }
  }
}

function toWireToolChoice(choice: ToolChoice): WireToolChoice {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } };
}

let generatedIds = 0;

function toAssistantMessage(wire: OpenAI.Chat.ChatCompletionMessage): AssistantMessage {
  const calls: ToolCall[] = [];
  for (const call of wire.tool_calls ?? []) {
    // Some compatible servers omit `type` or send arguments as an object; normalise rather than lose the call.
    const loose = call as { id?: string; type?: string; function?: { name?: string; arguments?: unknown } };
    if ((loose.type !== undefined && loose.type !== "function") || typeof loose.function?.name !== "string") continue;
    const args = loose.function.arguments;
    calls.push({
      id: loose.id || `call_local_${++generatedIds}`,
      type: "function",
      function: { name: loose.function.name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
    });
  }
  const content = typeof wire.content === "string" ? wire.content : null;
  return calls.length > 0 ? { role: "assistant", content, tool_calls: calls } : { role: "assistant", content };
}

/** The server's counts, or a local estimate when it sends none, so token budgets still hold. */
async function usageFrom(
  usage: OpenAI.CompletionUsage | undefined,
  messages: readonly ChatMessage[],
  reply: AssistantMessage,
): Promise<TokenCounts> {
  const prompt = usage?.prompt_tokens;
  const completion = usage?.completion_tokens;
  if (typeof prompt === "number" && typeof completion === "number") return { promptTokens: prompt, completionTokens: completion };
  // Loaded lazily: the encoder tables are large and most servers report usage.
  const { countTokens } = await import("gpt-tokenizer");
  const count = (value: unknown) => countTokens(JSON.stringify(value), { disallowedSpecial: new Set() });
  return {
    promptTokens: typeof prompt === "number" ? prompt : count(messages),
    completionTokens: typeof completion === "number" ? completion : count(reply),
  };
}
