/** Chat messages in the OpenAI chat-completions shape, which every OpenAI-compatible server speaks. */

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
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
