import type OpenAI from "openai";
import type { ChatRequest, ToolChoice } from "./llm.js";
import type { Quirks, SentShape } from "./llm-quirks.js";
import type { ChatMessage } from "./messages.js";

/**
 * What a chat request becomes on the wire to an OpenAI-compatible server: the parameters, shaped by what
 * the endpoint has been found to need (its quirks), and the messages in the SDK's form.
 */

export type CreateParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type WireMessage = OpenAI.Chat.ChatCompletionMessageParam;

export interface WireTarget {
  model: string;
  /** Sent as `parallel_tool_calls` when tools are declared; undefined: left out. */
  parallelToolCalls: boolean | undefined;
  quirks: Quirks;
}

const bareName = (model: string): string => model.toLowerCase().replace(/^.*\//, "");

// Reasoning models take `max_completion_tokens` and reject any temperature but the default.
const isReasoningModel = (model: string): boolean => /^(o1|o3|o4|gpt-5)/.test(bareName(model));

/** The SDK's parameters for `request` to `target`. */
export function toCreateParams(request: ChatRequest, target: WireTarget): CreateParams {
  const { model, quirks } = target;
  const params: CreateParams = { model, messages: toWireMessages(request.messages, quirks) };
  const tools = request.tools ?? [];
  const toolsOff = request.toolChoice === "none" && quirks.toolsOffForNone;
  // tool_choice and parallel_tool_calls without tools are 400s.
  if (tools.length > 0 && !toolsOff) {
    params.tools = tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    if (request.toolChoice !== undefined) params.tool_choice = wireToolChoice(request.toolChoice, tools.length, quirks);
    if (target.parallelToolCalls !== undefined && !quirks.noParallelToolCalls) params.parallel_tool_calls = target.parallelToolCalls;
  }
  const reasoning = isReasoningModel(model);
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
function wireToolChoice(choice: ToolChoice, toolCount: number, quirks: Quirks): OpenAI.Chat.ChatCompletionToolChoiceOption {
  if (typeof choice === "string") return choice;
  if (toolCount === 1) return quirks.forced;
  return { type: "function", function: { name: choice.name } };
}

/** What was sent, as far as a refusal can be blamed on it. */
export function shapeOf(params: CreateParams): SentShape {
  return {
    toolChoice: typeof params.tool_choice === "string" ? params.tool_choice : params.tool_choice ? "named" : undefined,
    parallelToolCalls: params.parallel_tool_calls !== undefined,
    temperature: params.temperature !== undefined,
    maxTokens: params.max_tokens !== undefined,
  };
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
