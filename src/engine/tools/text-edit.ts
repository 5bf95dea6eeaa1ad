/**
 * One `old_text` → `new_text` replacement in a file's text, as `edit_files` applies it: the old text must
 * occur exactly once. When it does not occur as given, the slips models commonly make and that leave no
 * doubt are forgiven: LF where the file has CRLF (or the reverse), and trailing whitespace on lines. An
 * ambiguous match is never applied.
 */

import { closestLines } from "./closest-lines.js";

export type EditResult =
  { ok: true; text: string; firstLine: number; removedLines: number; addedLines: number } | { ok: false; reason: string };

/** Lines quoted back when the old text is not found. */
const CLOSEST_QUOTED = 12;
/** Lines of the old text compared when looking for the closest place. */
const COMPARED_LINES = 8;
/** Line numbers listed when the old text occurs many times. */
const LISTED_MATCHES = 20;

const lineOf = (text: string, index: number): number => {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) n++;
  return n;
};

const countLines = (text: string): number => (text === "" ? 0 : text.replace(/\r?\n$/, "").split("\n").length);

/** Where `needle` occurs, up to one more than are listed: past that only "more than" is said, so the work stays bounded. */
function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(needle); i !== -1 && found.length <= LISTED_MATCHES; i = text.indexOf(needle, i + 1)) found.push(i);
  return found;
}

function replaced(text: string, start: number, length: number, replacement: string, oldText: string): EditResult {
  return {
    ok: true,
    text: text.slice(0, start) + replacement + text.slice(start + length),
    firstLine: lineOf(text, start),
    removedLines: countLines(oldText),
    addedLines: countLines(replacement),
  };
}

const several = (text: string, at: number[], how: string): EditResult => {
  const lines = at.slice(0, LISTED_MATCHES).map((i) => lineOf(text, i));
  const many = at.length > LISTED_MATCHES;
  return {
    ok: false,
    reason:
      `old_text occurs ${many ? `more than ${LISTED_MATCHES}` : at.length} times${how} ` +
      `(at lines ${lines.join(", ")}${many ? ", …" : ""}); ` +
      "include more of the surrounding lines so it occurs once.",
  };
};

/** Counts of `\n` and of `\r\n` in `text`. */
function lineEndCounts(text: string): { lf: number; crlf: number } {
  let lf = 0;
  let crlf = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    lf++;
    if (text.charCodeAt(i - 1) === 13) crlf++;
  }
  return { lf, crlf };
}

/**
 * New text with the line ends the file uses throughout (a one-line old text in a CRLF file must not bring
 * in LF lines); as given when the file mixes them or has no line end yet.
 */
function inFileLineEnds(text: string, newText: string): string {
  if (!newText.includes("\n")) return newText;
  const { lf, crlf } = lineEndCounts(text);
  if (lf > 0 && crlf === lf) return newText.replace(/\r?\n/g, "\r\n");
  if (lf > 0 && crlf === 0) return newText.replace(/\r\n/g, "\n");
  return newText;
}

/** Applies one edit to `text`, or says why it cannot be applied. */
export function applyTextEdit(text: string, oldText: string, newText: string): EditResult {
  if (oldText === "") return { ok: false, reason: "old_text is empty; to create a file or replace all of it use write_files." };
  const exact = occurrences(text, oldText);
  if (exact.length === 1) return replaced(text, exact[0]!, oldText.length, inFileLineEnds(text, newText), oldText);
  if (exact.length > 1) return several(text, exact, "");
  // The file's line ends, given to the old and the new text alike.
  const crlf = text.includes("\r\n");
  const toFile = (s: string): string => (crlf ? s.replace(/\r?\n/g, "\r\n") : s.replace(/\r\n/g, "\n"));
  const lineEnds = toFile(oldText);
  if (lineEnds !== oldText) {
    const at = occurrences(text, lineEnds);
    if (at.length === 1) return replaced(text, at[0]!, lineEnds.length, toFile(newText), lineEnds);
    if (at.length > 1) return several(text, at, " once line ends are matched");
  }
  const loose = looseMatch(text, oldText);
  if (loose.length === 1) {
    const { start, end } = loose[0]!;
    // The matched lines are replaced whole (their line end kept), with the new text's trailing newline dropped to match.
    const replacement = toFile(/\r?\n$/.test(oldText) ? newText.replace(/\r?\n$/, "") : newText);
    return replaced(text, start, end - start, replacement, text.slice(start, end));
  }
  if (loose.length > 1)
    return several(
      text,
      loose.map((m) => m.start),
      " when trailing whitespace is ignored",
    );
  return { ok: false, reason: notFound(text, oldText) };
}

interface Span {
  start: number;
  end: number;
}

/**
 * Places where whole lines equal the old text's lines once trailing whitespace is ignored on both sides
 * (up to one more than are listed). Lines are compared as numbers and found with Knuth-Morris-Pratt, so a
 * file of one line repeated costs no more than any other.
 */
function looseMatch(text: string, oldText: string): Span[] {
  const wanted = oldText
    .replace(/\r?\n$/, "")
    .split(/\r?\n/)
    .map((l) => l.trimEnd());
  if (wanted.every((l) => l === "")) return [];
  const ids = new Map<string, number>();
  for (const w of wanted) if (!ids.has(w)) ids.set(w, ids.size);
  const pattern = wanted.map((w) => ids.get(w)!);
  const lines = fileLines(text);
  const found: Span[] = [];
  for (const i of sequenceMatches(
    lines.map((l) => ids.get(l.text.trimEnd()) ?? -1),
    pattern,
  )) {
    found.push({ start: lines[i]!.start, end: lines[i + pattern.length - 1]!.end });
    if (found.length > LISTED_MATCHES) break;
  }
  return found;
}

/** Start indexes of `pattern` in `items` (Knuth-Morris-Pratt: linear in both). */
function* sequenceMatches(items: readonly number[], pattern: readonly number[]): Generator<number> {
  const fail = new Array<number>(pattern.length).fill(0);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = fail[k - 1]!;
    if (pattern[i] === pattern[k]) k++;
    fail[i] = k;
  }
  for (let i = 0, k = 0; i < items.length; i++) {
    while (k > 0 && items[i] !== pattern[k]) k = fail[k - 1]!;
    if (items[i] === pattern[k]) k++;
    if (k === pattern.length) {
      yield i - k + 1;
      k = fail[k - 1]!;
    }
  }
}

/** Each line's text and where it starts and ends (before its line end). */
function fileLines(text: string): Array<{ text: string; start: number; end: number }> {
  const out: Array<{ text: string; start: number; end: number }> = [];
  let start = 0;
  for (const line of text.split("\n")) {
    const body = line.endsWith("\r") ? line.slice(0, -1) : line;
    out.push({ text: body, start, end: start + body.length });
    start += line.length + 1;
  }
  if (text.endsWith("\n")) out.pop();
  return out;
}

// The gutter view_files puts before each line ("  12 | "), copied by mistake.
const GUTTER = /^\s*\d+ \|( |$)/;

/** "not found", with the file's lines most like the old text quoted with their numbers, for a retry. */
function notFound(text: string, oldText: string): string {
  const oldLines = oldText.split(/\r?\n/).filter((l) => l !== "");
  if (oldLines.length > 0 && oldLines.every((l) => GUTTER.test(l))) {
    return 'old_text was not found: it holds the line numbers and " | " that view_files shows before each line. Leave them out and copy only the text.';
  }
  const lines = fileLines(text);
  const wanted = oldText.split(/\r?\n/).filter((l) => l.trim() !== "");
  const best = closestLines(
    lines.map((l) => l.text),
    wanted.slice(0, COMPARED_LINES),
  );
  if (best.at === -1 || best.score < 0.3) {
    return "old_text was not found, and no lines of the file are like it; view the file and copy the lines exactly.";
  }
  const shown = lines.slice(best.at, best.at + Math.min(CLOSEST_QUOTED, Math.max(wanted.length, 3)));
  const width = String(best.at + shown.length).length;
  const quoted = shown.map((l, i) => `${String(best.at + i + 1).padStart(width)} | ${l.text}`).join("\n");
  return `old_text was not found. The closest lines (number | text; the numbers are not part of the file):\n${quoted}`;
}
