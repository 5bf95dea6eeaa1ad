import type { ChatMessage } from "./messages.js";

/**
 * Detects an agent repeating itself (the last L messages equal the L before them, L = 2..4) and raises
 * the sampling temperature to shake it out; the temperature decays back to the base when it stops.
 * Same rule and steps as the reference implementation.
 */
export class LoopDetector {
  private temperature: number;

  constructor(
    private readonly base = 0,
    private readonly step = 0.4,
    private readonly decay = 0.1,
  ) {
    this.temperature = base;
  }

  /** The temperature to use for the next call, given the conversation so far. */
  next(messages: readonly ChatMessage[]): number {
    if (isRepeating(messages)) this.temperature = Math.min(1, this.temperature + this.step);
    else this.temperature = Math.max(this.base, this.temperature - this.decay);
    return Math.round(this.temperature * 100) / 100;
  }
}

// Tool call ids differ between otherwise identical turns; compare what was said, not the ids.
const key = (m: ChatMessage): string => {
  switch (m.role) {
    case "assistant":
      return `a:${m.content ?? ""}:${(m.tool_calls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`).join(",")}`;
    case "tool":
      return `t:${m.content}`;
    default:
      return `${m.role}:${m.content}`;
  }
};

export function isRepeating(messages: readonly ChatMessage[]): boolean {
  const keys = messages.map(key);
  for (const len of [2, 3, 4]) {
    if (keys.length < 2 * len) continue;
    const tail = keys.slice(-len);
    const before = keys.slice(-2 * len, -len);
    if (tail.every((k, i) => k === before[i])) return true;
  }
  return false;
}
