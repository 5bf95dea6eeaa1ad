import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, AzureOpenAI } from "openai";
import {
  causeText,
  chooseWindow,
  DEFAULT_CONTEXT_WINDOW,
  discoverContextWindow,
  knownContextWindow,
  type ContextWindow,
  type Discovery,
} from "./context-window.js";
import { EndpointMemory } from "./endpoint-memory.js";
import { explainRefusal, rejectedRequest, type Where } from "./incompatibility.js";
import type { ChatRequest, ChatResponse, LLM, TokenCounts, ToolChoice } from "./llm.js";
import { LlmError } from "./llm.js";
import { normalisingFetch } from "./llm-error-body.js";
import { isModelSideToolFailure, learnFrom, observeTokens, type Quirks, type Refusal, type SentShape } from "./llm-quirks.js";
import { readAssistantMessage } from "./llm-reply.js";
import type { AssistantMessage, ChatMessage } from "./messages.js";
import { familyOfHost, type ServerFamily } from "./server-family.js";
import { countMessage, countPrompt } from "./token-counter.js";
import { costOf, type Prices } from "./usage.js";

/**
 * The LLM port over the official OpenAI SDK, for OpenAI and any OpenAI-compatible server (Azure through
 * the SDK's Azure client). What compatible servers do differently is tolerated here and in the modules
 * beside it (docs/providers.md): error bodies in any envelope, odd reply shapes, refused parameters and
 * tool choices (retried once with a change, then remembered per endpoint), and windows learned from the server.
 */

export interface OpenAiLlmOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Tokens the model accepts; default from the table of known models (see {@link discoverWindow}). */
  contextWindow?: number;
  /** Tokens kept free for each completion; default min(4096, floor(contextWindow / 4)). */
  completionReserve?: number;
  /** Handed to the SDK, which retries 408/409/429/5xx, timeouts and connection errors with backoff (never 400). Default 5. */
  maxRetries?: number;
  /** Per attempt. Default 600_000. */
  timeoutMs?: number;
  /** Sent as `parallel_tool_calls` when tools are declared; omitted by default (some compatible servers reject it). */
  parallelToolCalls?: boolean;
  /** Azure OpenAI's `api-version`: the SDK's Azure client is used, `baseURL` is `<endpoint>/openai` and `model` the deployment. */
  azureApiVersion?: string;
  /** What kind of server this is, when known better than its host says (e.g. from discovery). */
  family?: ServerFamily;
  /** Learned adaptations and windows, shared by every LLM of the process; default: this instance's own. */
  memory?: EndpointMemory;
  /** When set, each call's cost is computed here with these prices (none: the call costs 0), e.g. per-role models. */
  pricing?: { prices?: Prices };
  fetch?: typeof fetch;
}

type CreateParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type WireMessage = OpenAI.Chat.ChatCompletionMessageParam;

/** The window of a model by name: the table of known models, else the conservative default. */
export function contextWindowFor(model: string): number {
  return knownContextWindow(model) ?? DEFAULT_CONTEXT_WINDOW;
}

const bareName = (model: string): string => model.toLowerCase().replace(/^.*\//, "");

// Reasoning models take `max_completion_tokens` and reject any temperature but the default.
const isReasoningModel = (model: string): boolean => /^(o1|o3|o4|gpt-5)/.test(bareName(model));

// Each refusal teaches at most one change; a request is not re-sent more often than there are changes to make.
const MAX_ADAPTATIONS = 6;

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

export class OpenAiLlm implements LLM {
  readonly model: string;
  private window: ContextWindow;
  private reserve: number;
  private readonly fixedReserve: boolean;
  private readonly client: OpenAI;
  private readonly apiKey: string;
  private readonly parallelToolCalls: boolean | undefined;
  private readonly memory: EndpointMemory;
  private family: ServerFamily;
  private readonly pricing: { prices?: Prices } | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: OpenAiLlmOptions) {
    this.model = options.model;
    this.window = chooseWindow(options.model, options.contextWindow, undefined);
    this.fixedReserve = options.completionReserve !== undefined;
    this.reserve = options.completionReserve ?? defaultReserve(this.window.tokens);
    checkBudget(options.model, this.window.tokens, this.reserve);
    this.apiKey = options.apiKey;
    this.parallelToolCalls = options.parallelToolCalls;
    this.pricing = options.pricing;
    this.fetchImpl = options.fetch ?? fetch;
    const common = {
      apiKey: options.apiKey,
      maxRetries: options.maxRetries ?? 5,
      timeout: options.timeoutMs ?? 600_000,
      fetch: normalisingFetch(this.fetchImpl),
    };
    this.client = options.azureApiVersion
      ? new AzureOpenAI({ ...common, baseURL: options.baseURL, apiVersion: options.azureApiVersion })
      : new OpenAI({ ...common, ...(options.baseURL !== undefined && { baseURL: options.baseURL }) });
    this.family = options.family ?? (options.azureApiVersion ? "azure" : familyOfHost(this.client.baseURL));
    this.memory = options.memory ?? new EndpointMemory();
  }

  /** The window, shrunk by how much more the server's tokenizer counts than ours (learned from its usage). */
  get contextWindow(): number {
    const ratio = this.quirks.tokenRatio;
    if (ratio <= 1) return this.window.tokens;
    return this.reserve + Math.floor((this.window.tokens - this.reserve) / ratio);
  }

  get completionReserve(): number {
    return this.reserve;
  }

  /** Where the window came from, e.g. "vLLM's /v1/models max_model_len". */
  get contextWindowSource(): ContextWindow {
    return this.window;
  }

  get serverFamily(): ServerFamily {
    return this.family;
  }

  /** The base URL without credentials or query, safe to show. */
  get endpoint(): string {
    try {
      const url = new URL(this.client.baseURL);
      return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/$/, "");
    } catch {
      return "(invalid base URL)";
    }
  }

  /** What this endpoint has been found to need (shared through the memory). */
  get quirks(): Quirks {
    return this.memory.quirks(this.client.baseURL, this.model, this.family);
  }

  /**
   * Asks the server for the model's window unless one was configured (see context-window.ts), and learns
   * what kind of server it is. Remembered per endpoint for a while, so runs do not each ask again.
   */
  async discoverWindow(configured?: number): Promise<Discovery> {
    const baseURL = this.client.baseURL;
    let discovery = this.memory.discovery(baseURL, this.model);
    if (!discovery) {
      discovery =
        this.family === "azure"
          ? { family: "azure" } // the deployment list says nothing of windows
          : await discoverContextWindow({
              baseURL,
              model: this.model,
              headers: { authorization: `Bearer ${this.apiKey}` },
              fetch: this.fetchImpl,
              family: this.family,
            });
      this.memory.remember(baseURL, this.model, discovery);
    }
    if (this.family === "unknown") this.family = discovery.family;
    this.window = chooseWindow(this.model, configured, discovery.window);
    if (!this.fixedReserve) this.reserve = defaultReserve(this.window.tokens);
    checkBudget(this.model, this.window.tokens, this.reserve);
    return discovery;
  }

  async complete(request: ChatRequest, options: { signal?: AbortSignal } = {}): Promise<ChatResponse> {
    const ours = countPrompt(request.messages, request.tools);
    // Replies thrown away to retry (a `none` turn that called tools, an empty forced reply) still cost tokens.
    let discarded: TokenCounts = { promptTokens: 0, completionTokens: 0 };
    let retriedModelFailure = false;
    let retriedEmpty = false;
    for (let attempt = 0; ; attempt++) {
      const params = this.toParams(request);
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        // The SDK leaves an abort listener on the signal it is given, per request: a run's hundreds of calls
        // on one signal would pile them up. A signal of its own per call, following the caller's, holds none.
        completion = await this.client.chat.completions.create(
          params,
          options.signal ? { signal: AbortSignal.any([options.signal]) } : undefined,
        );
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal && attempt < MAX_ADAPTATIONS && !options.signal?.aborted) {
          if (learnFrom(this.quirks, refusal, shapeOf(params))) continue;
          if (!retriedModelFailure && isModelSideToolFailure(refusal)) {
            retriedModelFailure = true;
            continue;
          }
        }
        throw this.toLlmError(error, options.signal);
      }
      // Compatible servers are not always schema-true: read defensively.
      const choice = (completion.choices as OpenAI.Chat.ChatCompletion.Choice[] | undefined)?.[0];
      if (!choice?.message) {
        throw new LlmError("unavailable", `the LLM endpoint at ${this.endpoint} returned a completion without choices`);
      }
      let message = readAssistantMessage(choice.message, request.messages);
      const usage = this.usageFrom(completion.usage, ours, message);
      const calls = message.tool_calls?.length ?? 0;
      if (choice.finish_reason === "content_filter" && calls === 0 && !message.content) {
        throw new LlmError(
          "bad-request",
          `${this.family === "azure" ? "Azure OpenAI's" : "The server's"} content filter withheld the model's reply; rephrase the task, or adjust the content filter of the deployment.`,
        );
      }
      if (request.toolChoice === "none" && calls > 0) {
        // The server ignored "none" (Ollama): ask again without tools, and from now on for this endpoint.
        if (!this.quirks.toolsOffForNone && attempt < MAX_ADAPTATIONS) {
          this.quirks.toolsOffForNone = true;
          this.quirks.learned.push('tool-free turns are sent without tools: the server ignored tool_choice "none"');
          discarded = add(discarded, usage);
          continue;
        }
        message = { role: "assistant", content: message.content ?? "" };
      }
      if (isForced(request) && calls === 0 && !message.content?.trim() && !retriedEmpty) {
        // LM Studio may answer a forced call with nothing at all; once more before the caller sees it.
        retriedEmpty = true;
        discarded = add(discarded, usage);
        continue;
      }
      return { message, usage: add(usage, discarded), finishReason: choice.finish_reason ?? null };
    }
  }

  private toParams(request: ChatRequest): CreateParams {
    const quirks = this.quirks;
    const params: CreateParams = { model: this.model, messages: toWireMessages(request.messages, quirks) };
    const tools = request.tools ?? [];
    const toolsOff = request.toolChoice === "none" && quirks.toolsOffForNone;
    // tool_choice and parallel_tool_calls without tools are 400s.
    if (tools.length > 0 && !toolsOff) {
      params.tools = tools.map((t) => ({
        type: "function",
        function: { name: t.name, description: t.description, parameters: t.parameters },
      }));
      if (request.toolChoice !== undefined) params.tool_choice = this.wireToolChoice(request.toolChoice, tools.length);
      if (this.parallelToolCalls !== undefined && !quirks.noParallelToolCalls) params.parallel_tool_calls = this.parallelToolCalls;
    }
    const reasoning = isReasoningModel(this.model);
    if (request.temperature !== undefined && !reasoning && !quirks.noTemperature) params.temperature = request.temperature;
    if (request.maxTokens !== undefined) {
      if (reasoning || quirks.maxCompletionTokens) params.max_completion_tokens = request.maxTokens;
      else params.max_tokens = request.maxTokens;
    }
    // OpenRouter compresses (cuts) prompts of small-window endpoints unless told not to.
    if (quirks.noTransforms) (params as CreateParams & { transforms: string[] }).transforms = [];
    return params;
  }

  /** A forced choice of the only tool is sent as "required" (LM Studio rejects named ones, llama.cpp ignores them). */
  private wireToolChoice(choice: ToolChoice, toolCount: number): OpenAI.Chat.ChatCompletionToolChoiceOption {
    if (typeof choice === "string") return choice;
    if (toolCount === 1) return this.quirks.forced;
    return { type: "function", function: { name: choice.name } };
  }

  private usageFrom(usage: OpenAI.CompletionUsage | undefined, ours: number, reply: AssistantMessage): TokenCounts {
    const prompt = usage?.prompt_tokens;
    const completion = usage?.completion_tokens;
    let counts: TokenCounts;
    if (typeof prompt === "number" && typeof completion === "number") {
      observeTokens(this.quirks, ours, prompt);
      counts = { promptTokens: prompt, completionTokens: completion };
    } else {
      // No usage: counted here, so token budgets still hold, and marked so cost figures say "estimated".
      counts = {
        promptTokens: typeof prompt === "number" ? prompt : ours,
        completionTokens: typeof completion === "number" ? completion : countMessage(reply),
        estimated: true,
      };
    }
    return this.pricing ? { ...counts, costUsd: costOf(counts, this.pricing.prices) } : counts;
  }

  private where(): Where {
    return { endpoint: this.endpoint, model: this.model, family: this.family };
  }

  private toLlmError(error: unknown, signal: AbortSignal | undefined): LlmError {
    if (error instanceof LlmError) return error;
    if (error instanceof APIUserAbortError || signal?.aborted) return new LlmError("aborted", "the LLM request was aborted");
    if (error instanceof APIConnectionTimeoutError) {
      return new LlmError("unavailable", this.redact(`the LLM endpoint at ${this.endpoint} timed out (retries exhausted)`));
    }
    if (error instanceof APIConnectionError) {
      return new LlmError("unavailable", this.redact(`could not reach the LLM endpoint at ${this.endpoint}: ${causeText(error)}`));
    }
    if (error instanceof APIError && typeof error.status === "number") return this.statusError(error, error.status);
    const text = error instanceof Error ? error.message : String(error);
    return new LlmError("unavailable", this.redact(`LLM call to ${this.endpoint} failed: ${text}`));
  }

  private statusError(error: APIError, status: number): LlmError {
    const server = this.redact(serverMessage(error));
    if (status === 401 || status === 403) {
      return new LlmError(
        "auth",
        `the LLM endpoint at ${this.endpoint} refused the API key (${status}: ${server}); check OPENAI_API_KEY`,
        status,
      );
    }
    const explained = explainRefusal({ status, message: server, code: error.code ?? undefined }, this.where());
    if (explained) return new LlmError(explained.kind, this.redact(explained.message), status);
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new LlmError(
        "unavailable",
        `the LLM endpoint at ${this.endpoint} answered ${status} and retries were exhausted: ${server}`,
        status,
      );
    }
    const type = (error.error as { type?: unknown } | undefined)?.type;
    if (error.code === "context_length_exceeded" || type === "exceed_context_size_error" || CONTEXT_LENGTH.test(server)) {
      return new LlmError("context-length", `the prompt exceeds the context window of ${this.model}: ${server}`, status);
    }
    if (status >= 400 && status < 500) return new LlmError("bad-request", rejectedRequest(this.where(), status, server), status);
    return new LlmError("unavailable", `the LLM endpoint at ${this.endpoint} answered ${status}: ${server}`, status);
  }

  // Servers echo (parts of) keys in auth errors; never let the key or anything key-shaped through.
  private redact(text: string): string {
    let out = this.apiKey.length >= 4 ? text.split(this.apiKey).join("[redacted]") : text;
    out = out.replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, "sk-[redacted]");
    out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1"); // credentials in URLs
    return out.replace(/(api key provided:\s*)[^\s.,;]+/gi, "$1[redacted]");
  }
}

const defaultReserve = (window: number): number => Math.min(4096, Math.floor(window / 4));

function checkBudget(model: string, window: number, reserve: number): void {
  if (!(window > 0) || !(reserve >= 0) || reserve >= window) {
    throw new Error(`invalid token budget for ${model}: contextWindow ${window}, completionReserve ${reserve}`);
  }
}

const add = (a: TokenCounts, b: TokenCounts): TokenCounts => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  ...((a.estimated || b.estimated) && { estimated: true }),
  ...((a.costUsd !== undefined || b.costUsd !== undefined) && { costUsd: (a.costUsd ?? 0) + (b.costUsd ?? 0) }),
});

const isForced = (request: ChatRequest): boolean => typeof request.toolChoice === "object" && (request.tools?.length ?? 0) > 0;

/** The status and the server's words of a refused request (normalised by the fetch wrapper), or undefined. */
function refusalOf(error: unknown): Refusal | undefined {
  if (!(error instanceof APIError) || typeof error.status !== "number" || error instanceof APIUserAbortError) return undefined;
  return { status: error.status, message: serverMessage(error), code: error.code ?? undefined };
}

function shapeOf(params: CreateParams): SentShape {
  return {
    toolChoice: typeof params.tool_choice === "string" ? params.tool_choice : params.tool_choice ? "named" : undefined,
    parallelToolCalls: params.parallel_tool_calls !== undefined,
    temperature: params.temperature !== undefined,
    maxTokens: params.max_tokens !== undefined,
  };
}

function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message) return body.message;
  return error.message.replace(/^\d{3}\s+/, "");
}

// Between tool results and a user message, for servers that reject that order (Mistral).
const BRIDGE = "I have read the tool results.";

function toWireMessages(messages: readonly ChatMessage[], quirks: Quirks): WireMessage[] {
  const out: WireMessage[] = [];
  for (const message of messages) {
    if (message.role === "user" && quirks.noUserAfterTool && out.at(-1)?.role === "tool") {
      out.push({ role: "assistant", content: BRIDGE });
    }
    out.push(toWireMessage(message, quirks));
  }
  return out;
}

function toWireMessage(message: ChatMessage, quirks: Quirks): WireMessage {
  switch (message.role) {
    case "system":
    case "user":
      return { role: message.role, content: message.content };
    case "tool":
      return { role: "tool", tool_call_id: message.tool_call_id, content: message.content };
    case "assistant": {
      const calls = message.tool_calls ?? [];
      // "" rather than null: some servers (LM Studio) reject a null content even beside tool calls.
      if (calls.length === 0) return { role: "assistant", content: message.content ?? "" };
      const wire = {
        role: "assistant" as const,
        content: message.content ?? "",
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: "function" as const,
          function: { name: c.function.name, arguments: c.function.arguments },
          ...(c.extraContent && { extra_content: c.extraContent }),
        })),
        ...(quirks.echoReasoning && { reasoning_content: message.reasoning ?? "" }),
      };
      return wire;
    }
  }
}
