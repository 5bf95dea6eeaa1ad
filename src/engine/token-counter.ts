import { countTokens } from "gpt-tokenizer";
import type { ToolSpec } from "./llm.js";
import type { ChatMessage } from "./messages.js";

// Text from files and users may contain special-token strings such as "<|endoftext|>"; count them as text.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

// BPE merging is quadratic in the length of one unbroken run (40k letters take over a second, 400 KB
// minutes), and such runs come from untrusted text: long runs are counted in pieces. A cut adds at most a
// token or so per piece, so the count errs on the high side, which is the safe side for a budget.
const MAX_RUN = 256;

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

export function countText(text: string): number {
  let total = 0;
  let start = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) run = 0;
    else if (++run > MAX_RUN && !isLowSurrogate(c)) {
      total += countTokens(text.slice(start, i), AS_TEXT);
      start = i;
      run = 1;
    }
  }
  return total + countTokens(start === 0 ? text : text.slice(start), AS_TEXT);
}

// Messages are immutable once appended, so their counts are cached by identity.
const cache = new WeakMap<object, number>();

/**
 * Tokens one message costs in a prompt, by OpenAI's accounting (the cookbook's `num_tokens_from_messages`):
 * 3 tokens of framing, then every field's value — the role (one token) as well as the content — so a
 * tool result's `tool_call_id` counts too. How tool calls are rendered is not published; each is counted
 * as its name and arguments plus 3 tokens of framing.
 */
export function countMessage(message: ChatMessage): number {
  const hit = cache.get(message);
  if (hit !== undefined) return hit;
  let n = 3 + countText(message.role) + countText(message.content ?? "");
  if (message.role === "assistant" && message.tool_calls) {
    for (const call of message.tool_calls) n += 3 + countText(call.function.name) + countText(call.function.arguments);
    // Kept reasoning may be sent back (DeepSeek): counted, so the budget errs high.
    if (message.reasoning) n += countText(message.reasoning);
  }
  if (message.role === "tool") n += countText(message.tool_call_id);
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
