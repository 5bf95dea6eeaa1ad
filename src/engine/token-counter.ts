import { countTokens } from "gpt-tokenizer";
import type { ToolSpec } from "./llm.js";
import type { ChatMessage } from "./messages.js";

// Text from files and users may contain special-token strings such as "<|endoftext|>"; count them as text.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export const countText = (text: string): number => countTokens(text, AS_TEXT);

// Messages are immutable once appended, so their counts are cached by identity.
const cache = new WeakMap<object, number>();

/** Tokens one message costs in a prompt (OpenAI's accounting: ~3 tokens of framing per message). */
export function countMessage(message: ChatMessage): number {
  const hit = cache.get(message);
  if (hit !== undefined) return hit;
  let n = 3 + countText(message.content ?? "");
  if (message.role === "assistant" && message.tool_calls) {
    for (const call of message.tool_calls) n += 3 + countText(call.function.name) + countText(call.function.arguments);
  }
  if (message.role === "tool") n += 1;
  cache.set(message, n);
  return n;
}

const toolCache = new WeakMap<readonly ToolSpec[], number>();

/** An upper-side estimate of what declaring the tools costs (the server renders them into the prompt). */
export function countTools(tools: readonly ToolSpec[] | undefined): number {
  if (!tools || tools.length === 0) return 0;
  const hit = toolCache.get(tools);
  if (hit !== undefined) return hit;
  const n = 12 + tools.reduce((sum, t) => sum + 11 + countText(JSON.stringify(t)), 0);
  toolCache.set(tools, n);
  return n;
}

/** Prompt tokens of a request: every message, the tools, and 3 tokens priming the reply. */
export function countPrompt(messages: readonly ChatMessage[], tools?: readonly ToolSpec[]): number {
  return messages.reduce((sum, m) => sum + countMessage(m), 3) + countTools(tools);
}
