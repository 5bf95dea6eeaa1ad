/** Chat messages in the OpenAI chat-completions shape, which every OpenAI-compatible server speaks. */

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
  /** Gemini's `extra_content` (its thought signature): opaque, sent back on this call unchanged, never shown or parsed. */
  extraContent?: Record<string, unknown>;
}

export interface SystemMessage {
  role: "system";
  content: string;
}
export interface UserMessage {
  role: "user";
  content: string;
}
export interface AssistantMessage {
  role: "assistant";
  content: string | null;
  tool_calls?: ToolCall[];
  /**
   * The model's `reasoning_content` on a turn that made tool calls, kept only because some servers (DeepSeek)
   * require it back on later requests. Never shown to people, never parsed, never sent as content.
   */
  reasoning?: string;
}
export interface ToolMessage {
  role: "tool";
  tool_call_id: string;
  content: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export const system = (content: string): SystemMessage => ({ role: "system", content });
export const user = (content: string): UserMessage => ({ role: "user", content });
export const toolResult = (toolCallId: string, content: string): ToolMessage => ({ role: "tool", tool_call_id: toolCallId, content });
