import OpenAI, { AzureOpenAI } from "openai";
import { chooseWindow, DEFAULT_CONTEXT_WINDOW, knownContextWindow, type ContextWindow } from "./context-window.js";
import { EndpointMemory } from "./endpoint-memory.js";
import type { ChatRequest, ChatResponse, LLM, TokenCounts } from "./llm.js";
import { LlmError } from "./llm.js";
import { normalisingFetch } from "./llm-error-body.js";
import { isModelSideToolFailure, learnFrom, observeTokens, type Quirks } from "./llm-quirks.js";
import { readAssistantMessage } from "./llm-reply.js";
import type { AssistantMessage } from "./messages.js";
import { refusalOf, toLlmError } from "./openai-errors.js";
import { shapeOf, toCreateParams, type CreateParams } from "./openai-wire.js";
import { familyOfHost, type ServerFamily } from "./server-family.js";
import { countMessage, countPrompt } from "./token-counter.js";
import { costOf, type Prices } from "./usage.js";
import { discoverContextWindow, type Discovery } from "./window-discovery.js";

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

/** The window of a model by name: the table of known models, else the conservative default. */
export function contextWindowFor(model: string): number {
  return knownContextWindow(model) ?? DEFAULT_CONTEXT_WINDOW;
}

// Each refusal teaches at most one change; a request is not re-sent more often than there are changes to make.
const MAX_ADAPTATIONS = 6;

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
   * Asks the server for the model's window unless one was configured (see window-discovery.ts), and learns
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
    return toCreateParams(request, { model: this.model, parallelToolCalls: this.parallelToolCalls, quirks: this.quirks });
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

  private toLlmError(error: unknown, signal: AbortSignal | undefined): LlmError {
    return toLlmError(error, signal, { endpoint: this.endpoint, model: this.model, family: this.family, apiKey: this.apiKey });
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
