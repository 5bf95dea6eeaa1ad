import { tmpdir } from "node:os";
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

// What changes between two runs of the same failing tests without meaning anything: the temporary
// directory they ran in and how long they took. The reference strips `/tmp/<dir>`; here the whole
// temporary path goes (pytest numbers its directories: pytest-3, pytest-4…) but a file name at its end
// stays, and durations and clock times go too, so a loop over identical failures is still seen as one.
const SEGMENT = String.raw`[^\s/\\'"\x60:]+`;
const TEMP_PATH = new RegExp(
  [String.raw`(?:/private)?/var/folders`, "/tmp", escapeRegExp(tmpdir())].map((root) => `${root}(?:[\\/]${SEGMENT})+`).join("|"),
  "g",
);
const FILE_NAME = /[\\/]([^\\/]+\.[A-Za-z0-9]{1,5})$/;
const CLOCK_TIME = /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g;
const DURATION = /\b\d+(?:[.,]\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds?|milliseconds?|min|mins|minutes?)\b/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A message's text with temporary paths, clock times and durations replaced by placeholders. */
export function withoutNoise(text: string): string {
  return text
    .replace(TEMP_PATH, (path) => {
      const file = FILE_NAME.exec(path)?.[1];
      return file ? `<tmp>/${file}` : "<tmp>";
    })
    .replace(CLOCK_TIME, "<time>")
    .replace(DURATION, "<duration>");
}

// Tool call ids differ between otherwise identical turns; compare what was said, not the ids.
const key = (m: ChatMessage): string => {
  switch (m.role) {
    case "assistant":
      return `a:${m.content ?? ""}:${(m.tool_calls ?? []).map((c) => `${c.function.name}(${c.function.arguments})`).join(",")}`;
    case "tool":
      return `t:${withoutNoise(m.content)}`;
    default:
      return `${m.role}:${withoutNoise(m.content)}`;
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
