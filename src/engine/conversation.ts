import type { AssistantMessage, ChatMessage, ToolMessage, UserMessage } from "./messages.js";
import { countMessage } from "./token-counter.js";

/**
 * One agent's conversation: a fixed head (system prompt + the instruction) and whole turns after it.
 * A turn is an assistant message, the tool results answering all its calls, and the control message(s)
 * that follow. Unwinding removes whole turns only, so a tool message is never orphaned and no tool call
 * is left unanswered (the reference popped single messages and got HTTP 400s).
 */
export class Conversation {
  private readonly turns: ChatMessage[][] = [];

  constructor(private readonly head: readonly ChatMessage[]) {}

  get messages(): ChatMessage[] {
    return [...this.head, ...this.turns.flat()];
  }

  /** Messages after the head, for loop detection. */
  get body(): ChatMessage[] {
    return this.turns.flat();
  }

  /** Starts a turn with the assistant's reply. */
  addReply(reply: AssistantMessage): void {
    this.turns.push([reply]);
  }

  /** Appends tool results and control messages to the current turn (or to the head when there is none). */
  append(...messages: Array<ToolMessage | UserMessage>): void {
    const last = this.turns.at(-1);
    if (last) last.push(...messages);
    else this.turns.push([...messages]);
  }

  /** Drops the oldest whole turn; false when none is left. */
  dropOldestTurn(): boolean {
    return this.turns.shift() !== undefined;
  }

  tokens(): number {
    return this.messages.reduce((sum, m) => sum + countMessage(m), 0);
  }
}
