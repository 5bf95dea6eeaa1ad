import { countText } from "../engine/token-counter.js";

// GitHub prefixes each log line with an ISO timestamp; tools colour their output with ANSI codes.
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ?/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

export function cleanLogLines(log: string): string[] {
  return log.split(/\r?\n/).map((line) => line.replace(TIMESTAMP, "").replace(ANSI, "").trimEnd());
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
  const kept: string[] = [];
  for (let w = merged.length - 1; w >= 0; w--) {
    const [s, e] = merged[w]!;
    const chunk = lines.slice(s, e);
    for (let i = chunk.length - 1; i >= 0; i--) {
      const candidate = [chunk[i]!, ...kept];
      if (countText(candidate.join("\n")) > budgetTokens) return ["…", ...kept].join("\n");
      kept.unshift(chunk[i]!);
    }
    if (w > 0) kept.unshift("…");
  }
  return kept.join("\n");
}
