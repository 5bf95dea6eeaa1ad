import { createHash } from "node:crypto";
import type { ToolSpec } from "../../src/engine/llm.js";
import type { ChatMessage } from "../../src/engine/messages.js";
import { countPrompt } from "../../src/engine/token-counter.js";
import { PLAN_TOOL } from "../../src/engine/tools/definitions.js";
import { kindOf } from "./scripted-agent.js";
import {
  startScriptedLlm,
  type RecordedRequest,
  type Responder,
  type ScriptReply,
  type ScriptedLlm,
  type ScriptedServerOptions,
} from "./scripted-llm-server.js";

/**
 * The scripted server playing the OpenAI-compatible servers of docs/providers.md ("Personalities for
 * tests"): each wraps a scripted agent and answers as that server does — its routes, its reply shapes,
 * its refusals (in its error envelope), its window and whether it cuts over-long prompts silently.
 */

export type PersonalityName =
  | "openai"
  | "ollama"
  | "ollama-legacy"
  | "ollama-notools"
  | "vllm"
  | "vllm-noparser"
  | "vllm-legacy"
  | "llamacpp"
  | "lmstudio"
  | "litellm"
  | "openrouter"
  | "openrouter-notools"
  | "azure"
  | "groq"
  | "deepseek"
  | "gemini"
  | "gemini-legacy"
  | "anthropic"
  | "mistral";

export interface Personality {
  name: PersonalityName;
  /** L2MAC_MODEL for this server (Azure: the deployment). */
  model: string;
  server: ScriptedServerOptions;
  /** What the app is given as OPENAI_BASE_URL. */
  baseURL: (server: ScriptedLlm) => string;
  /** More environment the server needs (Azure's api-version). */
  env: (server: ScriptedLlm) => Record<string, string>;
  responder: (agent: Responder) => Responder;
  /** How a three-step run must end: finished, or stopped with docs/providers.md's sentence. */
  outcome: { done: true } | { stops: RegExp };
  /** What the real server would mishandle without a word (a prompt cut to fit, ids reused across turns): must stay empty. */
  problems: string[];
  /** The quirks this server played during a run, by name: the evidence a test of it asks for. */
  played: Set<string>;
  /** The quirks a finished three-step run must have played. */
  plays: string[];
}

export interface PersonalityOptions {
  /** The server's window (where it reports one). */
  window?: number;
  /** How many tokens the server counts for each the engine counts (another tokenizer). Default 1.2. */
  tokenRatio?: number;
  /** Over-long prompts are cut without an error, as Ollama does. */
  silentCut?: boolean;
}

export type Body = {
  model: string;
  messages: Array<Record<string, unknown> & { role: string; content?: unknown }>;
  tools?: Array<{ function: ToolSpec }>;
  tool_choice?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
  parallel_tool_calls?: boolean;
  transforms?: unknown;
};

const bodyOf = (r: RecordedRequest): Body => r.body as Body;
const isForced = (b: Body) => b.tool_choice === "required" || (typeof b.tool_choice === "object" && b.tool_choice !== null);
const hasTools = (b: Body) => (b.tools?.length ?? 0) > 0;

/** Prompt tokens as this server counts them: the engine's count times the server's tokenizer ratio. */
export function serverPrompt(b: Body, ratio: number): number {
  const messages = b.messages.map((m) => ({ ...m, content: typeof m.content === "string" ? m.content : "" })) as unknown as ChatMessage[];
  return Math.ceil(
    countPrompt(
      messages,
      b.tools?.map((t) => t.function),
    ) * ratio,
  );
}

const planSteps = (reply: ScriptReply): string[] | undefined => {
  if (!("toolCalls" in reply)) return undefined;
  const args = reply.toolCalls.find((c) => c.name === PLAN_TOOL)?.arguments as { steps?: string[] } | undefined;
  return args?.steps;
};

const numbered = (steps: string[]) => steps.map((s, i) => `${i + 1}. ${s}`).join("\n");

const alnum = (seed: string, n: number) =>
  createHash("sha256")
    .update(seed)
    .digest("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, n);

/** Rewrites each call of a reply (ids, extra fields), leaving other replies as they are. */
const mapCalls = (reply: ScriptReply, f: (call: { name: string; arguments: unknown }, n: number) => object): ScriptReply =>
  "toolCalls" in reply ? { ...reply, toolCalls: reply.toolCalls.map((c, n) => ({ ...c, ...f(c, n) })) } : reply;

const withMessage = (reply: ScriptReply, message: Record<string, unknown>): ScriptReply =>
  "toolCalls" in reply || "content" in reply ? { ...reply, message: { ...(reply as { message?: object }).message, ...message } } : reply;

const isReply = (r: ScriptReply): r is Extract<ScriptReply, { content?: unknown }> => "toolCalls" in r || "content" in r;

/**
 * Each personality as a set of rules over a request: a refusal, or a change to the agent's reply.
 * `usage` reports the server's own count, so the adapter can learn how it counts.
 */
export function personality(name: PersonalityName, options: PersonalityOptions = {}): Personality {
  const ratio = options.tokenRatio ?? 1.2;
  const problems: string[] = [];
  const played = new Set<string>();
  const play = <T>(quirk: string, value: T): T => {
    played.add(quirk);
    return value;
  };
  const base: Omit<Personality, "responder" | "model"> = {
    name,
    server: {},
    baseURL: (s) => s.baseURL,
    env: () => ({}),
    outcome: { done: true },
    problems,
    played,
    plays: [],
  };
  const usageOf = (b: Body, reply: ScriptReply): ScriptReply =>
    isReply(reply) && reply.usage === undefined
      ? { ...reply, usage: { prompt_tokens: serverPrompt(b, ratio), completion_tokens: 20 } }
      : reply;
  /** Checks the prompt against the window: recorded either way; refused with `refusal` unless the server cuts silently. */
  const fits = (
    b: Body,
    window: number,
    refusal: ((prompt: number) => ScriptReply) | "silent",
    countOutput: boolean,
  ): ScriptReply | undefined => {
    const prompt = serverPrompt(b, ratio);
    const output = countOutput ? (b.max_tokens ?? b.max_completion_tokens ?? 0) : 0;
    if (prompt + output <= window) return undefined;
    problems.push(`${name}: a prompt of ${prompt} tokens (+${output} for the reply) against a window of ${window}`);
    return options.silentCut || refusal === "silent" ? undefined : refusal(prompt);
  };
  const wrap =
    (rules: (r: RecordedRequest, b: Body, agent: () => Promise<ScriptReply>) => Promise<ScriptReply> | ScriptReply) =>
    (agent: Responder): Responder =>
    async (r, i) => {
      const b = bodyOf(r);
      return usageOf(b, await rules(r, b, async () => agent(r, i)));
    };

  switch (name) {
    case "openai":
      return {
        ...base,
        model: "gpt-4o-mini",
        plays: [],
        // A named choice answers with finish_reason "stop", as OpenAI does (vllm-project/vllm#25054).
        responder: wrap(async (r, b, agent) => {
          const reply = mapCalls(await agent(), (_c, n) => ({
            id: `call_${alnum(`${r.path}${JSON.stringify(b.messages.length)}${n}`, 24)}`,
          }));
          return typeof b.tool_choice === "object" && isReply(reply) ? { ...reply, finishReason: "stop" } : reply;
        }),
      };

    case "ollama":
    case "ollama-legacy":
    case "ollama-notools": {
      const model = name === "ollama-notools" ? "gemma:2b" : "qwen3:8b";
      const window = options.window ?? 8192;
      const capabilities = name === "ollama-notools" ? ["completion"] : ["completion", "tools", "thinking"];
      return {
        ...base,
        model,
        outcome: name === "ollama-notools" ? { stops: /Model `gemma:2b` on Ollama does not support tool calls; pull one/ } : { done: true },
        plays:
          name === "ollama"
            ? ["plan in prose", "reasoning field"]
            : name === "ollama-legacy"
              ? ["plan in prose", "<think> in content"]
              : [],
        server: {
          routes: (p) => {
            const path = p.path.split("?")[0];
            if (p.method === "GET" && path === "/v1/models")
              return { status: 200, body: { object: "list", data: [{ id: model, object: "model", created: 0, owned_by: "library" }] } };
            if (p.method === "GET" && path === "/api/ps")
              return { status: 200, body: { models: [{ name: model, model, context_length: window }] } };
            if (p.method === "POST" && path === "/api/show")
              return { status: 200, body: { model_info: { "qwen3.context_length": 40960 }, capabilities } };
            return undefined;
          },
        },
        responder: wrap(async (r, b, agent) => {
          if (name === "ollama-notools" && hasTools(b)) {
            played.add("no tools");
            return {
              status: 400,
              body: {
                error: {
                  message: `registry.ollama.ai/library/${model} does not support tools`,
                  type: "invalid_request_error",
                  param: null,
                  code: null,
                },
              },
            };
          }
          // Ollama drops old messages to fit num_ctx, without a word (server/prompt.go).
          fits(b, window, "silent", false);
          // `tool_choice` is not in Ollama's request struct: "none" may still call a tool.
          if (b.tool_choice === "none" && hasTools(b)) {
            played.add("none ignored");
            return { toolCalls: [{ name: "list_files", arguments: {}, id: "call_ab12cd34" }], content: "" };
          }
          const reply = mapCalls(await agent(), (_c, n) => ({ id: `call_${alnum(`${r.path}${b.messages.length}${n}`, 8).toLowerCase()}` }));
          // ...and a forced call may come back as prose, with reasoning beside it or inside it.
          const steps = planSteps(reply);
          if (steps) {
            const prose = play("plan in prose", numbered(steps));
            return name === "ollama-legacy"
              ? play("<think> in content", { content: `<think>\n- not a step\n- nor this\n</think>\n${prose}` })
              : play("reasoning field", { content: prose, message: { reasoning: "- not a step\n- nor this" } });
          }
          return isReply(reply) && "toolCalls" in reply ? { ...reply, content: "" } : reply;
        }),
      };
    }

    case "vllm":
    case "vllm-noparser":
    case "vllm-legacy": {
      const model = name === "vllm-legacy" ? "moonshotai/Kimi-K2-Instruct" : "Qwen/Qwen2.5-Coder-7B-Instruct";
      const window = options.window ?? 8192;
      const flat = name === "vllm-legacy";
      const error = (message: string): ScriptReply => ({
        status: 400,
        body: flat
          ? { object: "error", message, type: "BadRequestError", param: null, code: 400 }
          : { error: { message, type: "BadRequestError", param: null, code: 400 } },
      });
      return {
        ...base,
        model,
        outcome:
          name === "vllm-noparser" ? { stops: /The vLLM server at \S+ was started without tool calling; restart it with/ } : { done: true },
        plays: name === "vllm" ? ["reasoning field"] : name === "vllm-legacy" ? ["ids repeated per turn", "reasoning_content"] : [],
        server: {
          routes: (p) =>
            p.method === "GET" && p.path.split("?")[0] === "/v1/models"
              ? { status: 200, body: { object: "list", data: [{ id: model, object: "model", owned_by: "vllm", max_model_len: window }] } }
              : undefined,
        },
        responder: wrap(async (r, b, agent) => {
          if (name === "vllm-noparser" && hasTools(b) && b.tool_choice !== "none") {
            played.add(`refused ${String(b.tool_choice)}`);
            return b.tool_choice === undefined || b.tool_choice === "auto"
              ? error('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set')
              : error(`tool_choice="required" requires --tool-call-parser to be set`);
          }
          // vLLM counts the prompt and max_tokens against max_model_len.
          const over = fits(
            b,
            window,
            (prompt) =>
              error(
                `This model's maximum context length is ${window} tokens. However, you requested ${b.max_tokens ?? 0} output tokens and your prompt contains at least ${prompt} input tokens, for a total of at least ${prompt + (b.max_tokens ?? 0)} tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=${prompt})`,
              ),
            true,
          );
          if (over) return over;
          let reply = await agent();
          if (name === "vllm-legacy") {
            // Kimi K2's parser: `functions.<name>:<index>`, the same on every turn; reasoning in `reasoning_content`.
            reply = mapCalls(reply, (c, n) => ({ id: play("ids repeated per turn", `functions.${c.name}:${n}`) }));
            const ids = b.messages.flatMap((m) => ((m.tool_calls as Array<{ id: string }> | undefined) ?? []).map((c) => c.id));
            if (new Set(ids).size < ids.length) problems.push("vllm-legacy: one tool-call id used on two turns of a conversation");
            return withMessage(reply, { reasoning_content: play("reasoning_content", "I should call the tool.") });
          }
          reply = mapCalls(reply, (_c, n) => ({ id: `chatcmpl-tool-${alnum(`${b.messages.length}${n}`, 16)}` }));
          return withMessage(reply, { reasoning: play("reasoning field", "Thinking about it.") });
        }),
      };
    }

    case "llamacpp": {
      const window = options.window ?? 4096;
      return {
        ...base,
        model: "qwen2.5-coder",
        plays: ["32-character ids", "reasoning_content"],
        server: {
          routes: (p) => {
            const path = p.path.split("?")[0];
            if (p.method === "GET" && path === "/v1/models") {
              return {
                status: 200,
                body: {
                  object: "list",
                  data: [{ id: "/models/q.gguf", object: "model", owned_by: "llamacpp", meta: { n_ctx: window, n_ctx_train: 131072 } }],
                },
              };
            }
            if (p.method === "GET" && path === "/props")
              return { status: 200, body: { default_generation_settings: { n_ctx: window }, total_slots: 1 } };
            return undefined;
          },
        },
        responder: wrap(async (r, b, agent) => {
          const over = fits(
            b,
            window,
            (prompt) => ({
              status: 400,
              body: {
                error: {
                  code: 400,
                  message: `request (${prompt} tokens) exceeds the available context size (${window} tokens), try increasing it`,
                  type: "exceed_context_size_error",
                  n_prompt_tokens: prompt,
                  n_ctx: window,
                },
              },
            }),
            true,
          );
          if (over) return over;
          const reply = await agent();
          // A named choice is silently "auto": the model answers in text (the engine sends "required").
          const steps = planSteps(reply);
          if (steps && typeof b.tool_choice === "object")
            return { content: numbered(steps), top: { timings: { prompt_n: 10, predicted_n: 5 } } };
          const shaped = mapCalls(reply, (_c, n) => ({
            id: play("32-character ids", alnum(`${b.messages.length}-${n}`, 32).padEnd(32, "x")),
          }));
          return {
            ...withMessage("toolCalls" in shaped ? { ...shaped, content: "" } : shaped, {
              reasoning_content: play("reasoning_content", "Let me see."),
            }),
            top: { timings: { prompt_n: 10, predicted_n: 5 } },
          } as ScriptReply;
        }),
      };
    }

    case "lmstudio": {
      const window = options.window ?? 4096;
      let strayCallSent = false;
      return {
        ...base,
        model: "qwen2.5-7b-instruct",
        plays: ["numeric ids", "call without a function", "tool_calls: [] beside text"],
        server: {
          routes: (p) => {
            const path = p.path.split("?")[0];
            if (p.method === "GET" && path === "/v1/models")
              return { status: 200, body: { object: "list", data: [{ id: "qwen2.5-7b-instruct", object: "model" }] } };
            if (p.method === "GET" && path === "/api/v0/models") {
              return {
                status: 200,
                body: {
                  data: [
                    {
                      id: "qwen2.5-7b-instruct",
                      type: "llm",
                      state: "loaded",
                      max_context_length: 131072,
                      loaded_context_length: window,
                      capabilities: ["tool_use"],
                    },
                  ],
                },
              };
            }
            return undefined;
          },
        },
        responder: wrap(async (r, b, agent) => {
          if (typeof b.tool_choice === "object") {
            played.add("refused a named choice");
            return { status: 400, body: { error: "Invalid tool_choice type: 'object'. Supported string values: none, auto, required" } };
          }
          const echoesBadCall = b.messages.some(
            (m) =>
              m.role === "assistant" &&
              Array.isArray(m.tool_calls) &&
              ((m.tool_calls as Array<{ id?: string }>).some((c) => !c.id) || m.content === null),
          );
          if (echoesBadCall) {
            played.add("refused an echoed bad call");
            return {
              status: 400,
              body: { error: "Invalid 'messages' in payload. Please check the structure of your 'messages' and try again" },
            };
          }
          const over = fits(
            b,
            window,
            (prompt) => ({
              status: 400,
              body: {
                error: `Trying to keep the first ${prompt} tokens when context the overflows. However, the model is loaded with context length of only ${window} tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input`,
              },
            }),
            false,
          );
          if (over) return over;
          let reply = mapCalls(await agent(), (_c, n) => ({ id: play("numeric ids", String(193629320 + b.messages.length * 10 + n)) }));
          // Once, a call with id "" and no function beside a real one.
          if ("toolCalls" in reply && !strayCallSent && kindOf(r) === "act") {
            strayCallSent = true;
            reply = play("call without a function", { ...reply, rawCalls: [{ id: "", type: "function" }] });
          }
          return "toolCalls" in reply
            ? { ...reply, content: "" }
            : play("tool_calls: [] beside text", withMessage(reply, { tool_calls: [] }));
        }),
      };
    }

    case "litellm":
      return {
        ...base,
        model: "claude-proxy",
        plays: [],
        server: {
          routes: (p) => {
            const path = p.path.split("?")[0];
            if (p.method === "GET" && path === "/v1/models")
              return { status: 200, body: { object: "list", data: [{ id: "claude-proxy", object: "model", owned_by: "openai" }] } };
            if (p.method === "GET" && path === "/v1/model/info") {
              return {
                status: 200,
                body: {
                  data: [
                    { model_name: "claude-proxy", model_info: { max_input_tokens: options.window ?? 16384, max_output_tokens: 4096 } },
                  ],
                },
              };
            }
            return undefined;
          },
        },
        responder: wrap(async (_r, b, agent) => {
          if (b.parallel_tool_calls !== undefined) {
            played.add("refused parallel_tool_calls");
            return {
              status: 400,
              body: {
                error: {
                  message:
                    "litellm.UnsupportedParamsError: anthropic does not support parameters: {'parallel_tool_calls': False}, for model=claude. To drop these, set litellm.drop_params=True or for proxy: litellm_settings: drop_params: true",
                  type: null,
                  param: null,
                  code: "400",
                },
              },
            };
          }
          return agent();
        }),
      };

    case "openrouter":
    case "openrouter-notools": {
      const model = name === "openrouter" ? "qwen/qwen3-coder" : "some/chat-only";
      let failedOnce = false;
      return {
        ...base,
        model,
        outcome:
          name === "openrouter-notools"
            ? { stops: /Model `some\/chat-only` on OpenRouter has no provider that supports tool calls; pick a model/ }
            : { done: true },
        plays: name === "openrouter" ? ["error in a 200", "reasoning field"] : [],
        server: {
          basePath: "/api/v1",
          accepts: { requestKeys: ["transforms"] },
          routes: (p) =>
            p.method === "GET" && p.path.split("?")[0] === "/api/v1/models"
              ? {
                  status: 200,
                  body: {
                    data: [
                      {
                        id: model,
                        context_length: 131072,
                        top_provider: { context_length: options.window ?? 32768 },
                        supported_parameters: name === "openrouter" ? ["tools", "tool_choice", "max_tokens"] : ["max_tokens"],
                      },
                    ],
                  },
                }
              : undefined,
        },
        responder: wrap(async (r, b, agent) => {
          if (name === "openrouter-notools" && hasTools(b)) {
            return {
              status: 404,
              body: {
                error: {
                  message:
                    "No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/guides/routing/provider-selection",
                  code: 404,
                },
              },
            };
          }
          // Without `transforms: []`, a small-window endpoint's prompt would be compressed (cut) by middle-out.
          if (!Array.isArray(b.transforms) || b.transforms.length > 0)
            problems.push("openrouter: a request without transforms: [] (middle-out would apply)");
          if (!failedOnce && kindOf(r) === "act") {
            failedOnce = true;
            played.add("error in a 200");
            return {
              status: 200,
              body: {
                error: { code: 502, message: "Provider returned error", metadata: { raw: "upstream overloaded", provider_name: "X" } },
              },
            };
          }
          const reply = await agent();
          return { ...withMessage(reply, { reasoning: play("reasoning field", "Thinking.") }), top: { provider: "X" } } as ScriptReply;
        }),
      };
    }

    case "azure":
      return {
        ...base,
        model: "gpt-4o",
        plays: ["deployment URL"],
        server: {
          chatPath: (path) => path === "/openai/deployments/gpt-4o/chat/completions",
          routes: () => ({ status: 404, body: { error: { code: "404", message: "Resource not found" } } }),
        },
        baseURL: (s) => s.origin,
        env: () => ({ OPENAI_API_VERSION: "2024-10-21" }),
        responder: wrap(async (r, b, agent) => {
          if (!/[?&]api-version=2024-10-21\b/.test(r.path) || !r.headers["api-key"] || r.headers.authorization) {
            return { status: 404, body: { error: { code: "404", message: "Resource not found" } } };
          }
          played.add("deployment URL");
          if (b.parallel_tool_calls !== undefined) {
            played.add("refused parallel_tool_calls");
            return {
              status: 400,
              body: {
                error: {
                  message: "Unrecognized request argument supplied: parallel_tool_calls",
                  type: "invalid_request_error",
                  param: null,
                  code: null,
                },
              },
            };
          }
          return agent();
        }),
      };

    case "groq": {
      let failedOnce = false;
      return {
        ...base,
        model: "llama-3.3-70b-versatile",
        plays: ["tool_use_failed", "reasoning field"],
        server: {
          basePath: "/openai/v1",
          routes: (p) =>
            p.method === "GET" && p.path.split("?")[0] === "/openai/v1/models"
              ? {
                  status: 200,
                  body: {
                    object: "list",
                    data: [{ id: "llama-3.3-70b-versatile", object: "model", context_window: options.window ?? 131072 }],
                  },
                }
              : undefined,
        },
        responder: wrap(async (_r, b, agent) => {
          if (isForced(b) && !failedOnce) {
            failedOnce = true;
            played.add("tool_use_failed");
            return {
              status: 400,
              body: {
                error: {
                  message: "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.",
                  type: "invalid_request_error",
                  code: "tool_use_failed",
                  failed_generation: "write_files{…}",
                },
              },
            };
          }
          const index = b.messages.findIndex((m) => m.role === "assistant" && "reasoning" in m);
          if (index >= 0) {
            return {
              status: 400,
              body: {
                error: {
                  message: `'messages.${index}' : for 'role:assistant' the following must be satisfied[('messages.${index}' : property 'reasoning' is unsupported, did you mean 'role'?)]`,
                  type: "invalid_request_error",
                },
              },
            };
          }
          return withMessage(await agent(), { reasoning: play("reasoning field", "Thinking.") });
        }),
      };
    }

    case "deepseek":
      return {
        ...base,
        model: "deepseek-chat",
        plays: ["refused a forced choice", "missing reasoning_content", "reasoning_content sent back"],
        server: { accepts: { messageKeys: ["reasoning_content"], requestKeys: ["thinking"] } },
        responder: wrap(async (_r, b, agent) => {
          if (isForced(b)) {
            played.add("refused a forced choice");
            return {
              status: 400,
              body: {
                error: {
                  message: "Thinking mode does not support this tool_choice",
                  type: "invalid_request_error",
                  param: null,
                  code: "invalid_request_error",
                },
              },
            };
          }
          const missing = b.messages.findIndex(
            (m) => m.role === "assistant" && Array.isArray(m.tool_calls) && typeof m.reasoning_content !== "string",
          );
          if (missing >= 0) {
            played.add("missing reasoning_content");
            return {
              status: 400,
              body: {
                error: {
                  message: `Missing \`reasoning_content\` field in the assistant message at message index ${missing}. For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls`,
                  type: "invalid_request_error",
                  param: null,
                  code: "invalid_request_error",
                },
              },
            };
          }
          if (b.messages.some((m) => m.reasoning_content === "- reasoning, not a step")) played.add("reasoning_content sent back");
          const reply = withMessage(await agent(), { reasoning_content: "- reasoning, not a step" });
          return isReply(reply)
            ? { ...reply, usage: { prompt_tokens: serverPrompt(b, ratio), completion_tokens: 20, prompt_cache_hit_tokens: 0 } as never }
            : reply;
        }),
      };

    case "gemini":
    case "gemini-legacy": {
      let signatures = 0;
      return {
        ...base,
        model: "gemini-2.5-flash",
        plays: name === "gemini" ? ["thought signatures sent back"] : ["thought signatures sent back", "empty ids, stop"],
        server: { basePath: "/v1beta/openai", accepts: { toolCallKeys: ["extra_content"] } },
        responder: wrap(async (_r, b, agent) => {
          const lastCalls = [...b.messages].reverse().find((m) => m.role === "assistant" && Array.isArray(m.tool_calls));
          const unsigned = (
            lastCalls?.tool_calls as Array<{ extra_content?: { google?: { thought_signature?: string } } }> | undefined
          )?.some((c) => !c.extra_content?.google?.thought_signature?.startsWith("sig-"));
          if (lastCalls && !unsigned) played.add("thought signatures sent back");
          if (unsigned) {
            return {
              status: 400,
              body: [
                {
                  error: {
                    code: 400,
                    message:
                      "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly…",
                    status: "INVALID_ARGUMENT",
                  },
                },
              ],
            };
          }
          let reply = mapCalls(await agent(), () => ({
            extra: { extra_content: { google: { thought_signature: `sig-${++signatures}` } } },
          }));
          if (name === "gemini-legacy" && "toolCalls" in reply) {
            reply = play("empty ids, stop", { ...mapCalls(reply, () => ({ id: "" })), finishReason: "stop", top: { id: null } });
          }
          return reply;
        }),
      };
    }

    case "anthropic": {
      let invalidOnce = false;
      let held: ScriptReply | undefined;
      return {
        ...base,
        model: "claude-sonnet-4-5",
        plays: ["arguments off the schema"],
        responder: wrap(async (r, _b, agent) => {
          if (held && kindOf(r) === "act") {
            const reply = held;
            held = undefined;
            return reply;
          }
          const reply = await agent();
          // `strict` is ignored: the first write comes without its required field; the real one follows the error.
          if (!invalidOnce && kindOf(r) === "act" && "toolCalls" in reply && reply.toolCalls[0]?.name === "write_files") {
            invalidOnce = true;
            played.add("arguments off the schema");
            held = reply;
            return { toolCalls: [{ name: "write_files", arguments: {} }] };
          }
          return reply;
        }),
      };
    }

    case "mistral":
      return {
        ...base,
        model: "mistral-small-latest",
        plays: ["user after tool refused", "thinking parts"],
        responder: wrap(async (_r, b, agent) => {
          const flat = (message: string, type: string, code: string): ScriptReply => ({
            status: 400,
            body: { object: "error", message, type, param: null, code },
          });
          for (const m of b.messages) {
            for (const c of (m.tool_calls as Array<{ id: string }> | undefined) ?? []) {
              if (!/^[a-zA-Z0-9]{9}$/.test(c.id)) {
                played.add("id refused");
                return flat(`Tool call id was ${c.id} but must be a-z, A-Z, 0-9, with a length of 9.`, "invalid_function_call", "3280");
              }
            }
          }
          const order = b.messages.findIndex((m, i) => m.role === "user" && b.messages[i - 1]?.role === "tool");
          if (order >= 0) played.add("user after tool refused");
          if (order >= 0) return flat("Unexpected role 'user' after role 'tool'", "invalid_request_message_order", "3230");
          const reply = mapCalls(await agent(), (c, n) => ({ id: alnum(`${b.messages.length}${c.name}${n}`, 9) }));
          const steps = planSteps(reply);
          if (steps) {
            // Magistral: reasoning as a `thinking` part of an array `content`, the plan as its text part.
            return play("thinking parts", {
              ...reply,
              content: [
                { type: "thinking", thinking: [{ type: "text", text: "- not a step" }] },
                { type: "text", text: "" },
              ],
            });
          }
          if ("content" in reply && typeof reply.content === "string" && !("toolCalls" in reply)) {
            return {
              ...reply,
              content: [
                { type: "thinking", thinking: [{ type: "text", text: "- not a step" }] },
                { type: "text", text: reply.content },
              ],
            };
          }
          return reply;
        }),
      };
  }
}

/** A scripted server playing `name` over `agent`. */
export async function startPersonality(name: PersonalityName, agent: Responder, options: PersonalityOptions = {}) {
  const p = personality(name, options);
  const server = await startScriptedLlm(p.responder(agent), p.server);
  return { personality: p, server, baseURL: p.baseURL(server), env: { L2MAC_MODEL: p.model, ...p.env(server) } };
}

export const ALL_PERSONALITIES: PersonalityName[] = [
  "openai",
  "ollama",
  "ollama-legacy",
  "ollama-notools",
  "vllm",
  "vllm-noparser",
  "vllm-legacy",
  "llamacpp",
  "lmstudio",
  "litellm",
  "openrouter",
  "openrouter-notools",
  "azure",
  "groq",
  "deepseek",
  "gemini",
  "gemini-legacy",
  "anthropic",
  "mistral",
];
