import { randomBytes } from "node:crypto";
import type { AssistantMessage, ChatMessage, ToolCall } from "./messages.js";

/**
 * Reads an assistant message from whatever an OpenAI-compatible server sent: ids missing, empty,
 * numeric or repeated across turns; calls without a function; `content` null, "", an array of parts or
 * prefixed with `<think>` reasoning; reasoning in `reasoning_content`, `reasoning` or `thinking` parts.
 * What comes out is always valid history for any of those servers (see docs/providers.md).
 */

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Nine alphanumerics: the one id format every server accepts back (Mistral rejects any other). */
export function newToolCallId(): string {
  // 248 = 4 × 62: bytes past it would bias the draw.
  let id = "";
  while (id.length < 9) {
    for (const byte of randomBytes(16)) if (byte < 248 && id.length < 9) id += ALNUM[byte % 62];
  }
  return id;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Text without reasoning: `<think>…</think>` (or `<thinking>`) blocks removed, everything before a lone
 * closing tag (its opening tag was in the prompt template) and after a lone opening tag (cut off) dropped.
 */
export function stripThinking(text: string): string {
  let out = text.replace(/<(think|thinking)>[\s\S]*?<\/\1>/gi, "");
  const close = out.search(/<\/(think|thinking)>/i);
  if (close >= 0) out = out.slice(out.indexOf(">", close) + 1);
  const open = out.search(/<(think|thinking)>/i);
  if (open >= 0) out = out.slice(0, open);
  return out === text ? text : out.trimStart();
}

/** `content` as text: strings as they are, arrays by their text parts (Mistral, Groq); thinking parts dropped. */
function contentText(content: unknown): string | null {
  if (typeof content === "string") return stripThinking(content);
  if (!Array.isArray(content)) return null;
  const parts = content.filter(isObject).filter((p) => p.type === undefined || p.type === "text");
  return stripThinking(parts.map((p) => (typeof p.text === "string" ? p.text : "")).join(""));
}

function idsIn(history: readonly ChatMessage[]): Set<string> {
  const ids = new Set<string>();
  for (const m of history) {
    if (m.role === "assistant") for (const c of m.tool_calls ?? []) ids.add(c.id);
    if (m.role === "tool") ids.add(m.tool_call_id);
  }
  return ids;
}

/**
 * The engine's assistant message for a wire message. Every call gets a fresh id unique in `history`, so a
 * server's "", missing or per-turn ids (`functions.write_files:0` every turn) never collide and each call
 * is answered exactly once.
 */
export function readAssistantMessage(wire: unknown, history: readonly ChatMessage[]): AssistantMessage {
  const message = isObject(wire) ? wire : {};
  const taken = idsIn(history);
  const freshId = (): string => {
    let id = newToolCallId();
    while (taken.has(id)) id = newToolCallId();
    taken.add(id);
    return id;
  };
  const calls: ToolCall[] = [];
  for (const raw of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isObject(raw) || (raw.type !== undefined && raw.type !== "function")) continue;
    const fn = isObject(raw.function) ? raw.function : undefined;
    // LM Studio sometimes sends {"id": "", "type": "function"} with no function: nothing to run or answer.
    if (typeof fn?.name !== "string" || fn.name === "") continue;
    const args = fn.arguments;
    calls.push({
      id: freshId(),
      type: "function",
      function: { name: fn.name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
      ...(isObject(raw.extra_content) && { extraContent: raw.extra_content }),
    });
  }
  const content = contentText(message.content);
  if (calls.length === 0) return { role: "assistant", content };
  // Only `reasoning_content` is ever needed back (DeepSeek, on tool-call turns); `reasoning` never is (Groq rejects it).
  const reasoning =
    typeof message.reasoning_content === "string" && message.reasoning_content !== "" ? message.reasoning_content : undefined;
  return { role: "assistant", content, tool_calls: calls, ...(reasoning !== undefined && { reasoning }) };
}
