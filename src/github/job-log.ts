import stripAnsi from "strip-ansi";
import { countText } from "../engine/token-counter.js";

/**
 * Cleaning and excerpting a failed job's log. The log is untrusted (the agent's code and the repository's
 * dependencies print it), so every step here is linear in its size: strip-ansi's pattern cannot rescan an
 * unterminated escape, lines are cut before they are tokenised (BPE is quadratic in a run without spaces),
 * and the excerpt's tokens are summed line by line instead of re-counting the growing text.
 */

/** Longest line kept, in characters; a minified bundle or a progress bar says nothing more after this. */
export const MAX_LOG_LINE_CHARS = 500;

// GitHub prefixes each log line with an ISO timestamp; tools colour their output with ANSI codes.
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ?/;
// What escape stripping leaves of control characters (a stray ESC, backspaces, bells, C1 codes); tabs stay.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function cleanLine(raw: string): string {
  const line = stripAnsi(raw.replace(TIMESTAMP, "")).replace(CONTROL, "").trimEnd();
  return line.length > MAX_LOG_LINE_CHARS ? `${line.slice(0, MAX_LOG_LINE_CHARS)}… [line cut]` : line;
}

/** The log's lines without timestamps, escape sequences or control characters, each at most MAX_LOG_LINE_CHARS long. */
export function cleanLogLines(log: string): string[] {
  // Downloaded logs start with a byte order mark, which would hide the first line's timestamp.
  return log
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map(cleanLine);
}

/**
 * The useful part of a failed job's log within a token budget: the lines around each `##[error]`
 * (where test runners print the failing assertion just before), newest errors kept first, else the tail.
 */
export function excerptJobLog(log: string, budgetTokens: number, before = 40, after = 5): string {
  const lines = cleanLogLines(log).filter((l) => !/^##\[(group|endgroup)\]/.test(l) || l.startsWith("##[group]Run "));
  const errors = lines.flatMap((l, i) => (l.startsWith("##[error]") ? [i] : []));
  const windows =
    errors.length > 0
      ? errors.map((i) => [Math.max(0, i - before), Math.min(lines.length, i + after + 1)] as const)
      : [[Math.max(0, lines.length - before), lines.length] as const];
  // Merge overlapping windows, then keep whole windows from the last while they fit.
  const merged: Array<[number, number]> = [];
  for (const [s, e] of windows) {
    const last = merged.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  // Collected newest first; each line costs its own tokens plus one for its newline.
  const kept: string[] = [];
  let used = 0;
  for (let w = merged.length - 1; w >= 0; w--) {
    const [s, e] = merged[w]!;
    for (let i = e - 1; i >= s; i--) {
      const cost = countText(lines[i]!) + 1;
      if (used + cost > budgetTokens) return ["…", ...kept.reverse()].join("\n");
      kept.push(lines[i]!);
      used += cost;
    }
    if (w > 0) {
      kept.push("…");
      used += 2;
    }
  }
  return kept.reverse().join("\n");
}
