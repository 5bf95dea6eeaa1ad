import { structuredPatch } from "diff";

/**
 * A short line diff of an issue's task (title and body, as the model would see them), for a reply that
 * asks a writer to accept a change. The text is untrusted: it is shown in a code fence longer than any
 * backtick run inside it, so it can neither close the fence nor render as Markdown, mentions or HTML.
 */

const MAX_LINES = 60;
const MAX_LINE_CHARS = 200;

export function taskDiff(before: string, after: string): string {
  const patch = structuredPatch("", "", before, after, "", "", { context: 2, maxEditLength: 5_000 });
  if (!patch) return fenced("(too many changes to show: compare the issue's edit history)", "text");
  const lines: string[] = [];
  for (const [i, hunk] of patch.hunks.entries()) {
    if (i > 0) lines.push("…");
    for (const line of hunk.lines) if (!line.startsWith("\\")) lines.push(clip(line));
  }
  const shown = lines.slice(0, MAX_LINES);
  if (lines.length > MAX_LINES) shown.push(`… ${lines.length - MAX_LINES} more lines of the diff not shown`);
  return fenced(shown.join("\n"), "diff");
}

const clip = (line: string) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line);

/** A fenced code block that `text` cannot end: the fence is longer than the longest backtick run in it. */
export function fenced(text: string, info = ""): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}
