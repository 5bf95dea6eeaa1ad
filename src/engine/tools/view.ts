import { extname } from "node:path";
import type { FileInfo, FileLine, FileStore } from "../file-store.js";
import { PathError, toolErrorText } from "../paths.js";
import { countText } from "../token-counter.js";

export interface ViewRequest {
  path: string;
  startLine?: number;
  endLine?: number;
}

const FENCE_LANG: Record<string, string> = {
  ".ts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
  ".py": "python",
  ".json": "json",
  ".md": "markdown",
  ".yml": "yaml",
  ".yaml": "yaml",
  ".sh": "bash",
  ".go": "go",
  ".rs": "rust",
  ".rb": "ruby",
  ".java": "java",
  ".kt": "kotlin",
  ".c": "c",
  ".h": "c",
  ".cpp": "cpp",
  ".cs": "csharp",
  ".php": "php",
  ".html": "html",
  ".css": "css",
  ".sql": "sql",
  ".toml": "toml",
  ".txt": "text",
};

/** Longest line shown, in bytes: longer lines (minified code, data) are cut, which also keeps tokenising cheap. */
export const MAX_VIEW_LINE_BYTES = 2000;
/** Files up to this size are read to their end to count their lines; larger ones only as far as shown. */
const COUNT_LINES_UP_TO_BYTES = 1 << 20;
/** Tokens of a shown line beyond its text: the gutter and the newline. */
const LINE_OVERHEAD = 5;
/** Tokens of a block beyond its lines: the header and the fences. */
const BLOCK_OVERHEAD = 30;
const CUT_MARK = " [… line cut]";

export const LINE_NUMBER_NOTE = 'Line numbers and the " | " after them are not part of the files.';

// A fence longer than any backtick run inside the file, so Markdown files cannot break out of it.
export function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

/** `  12 | text`: a gutter the model can read but that no line of a file starts with. */
function block(path: string, header: string, lines: readonly FileLine[], from: number): string {
  const width = String(from + lines.length - 1).length;
  const body = lines
    .map((l, i) => {
      const number = String(from + i).padStart(width);
      return l.text === "" ? `${number} |` : `${number} | ${l.text}${l.cut ? CUT_MARK : ""}`;
    })
    .join("\n");
  const fence = fenceFor(body);
  return `${path} (${header})\n${fence}${FENCE_LANG[extname(path).toLowerCase()] ?? ""}\n${body}\n${fence}\n`;
}

const sizeText = (bytes: number): string =>
  bytes < 1024 ? `${bytes} bytes` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`;

export interface ViewResult {
  text: string;
  notFound: string[];
  /** Files that could not be shown, each with why. */
  errors: string[];
  /** What was cut for space, with how to get it: returned to the model as a note. */
  notes: string[];
}

interface Shown {
  text: string;
  cost: number;
  notes: string[];
  /** The text has numbered lines. */
  numbered: boolean;
}

/**
 * One file within `left` tokens, read line by line: only as far as the range and the budget go (and to
 * the end of a small file, to count its lines). Each line costs its own tokens, summed as it is read.
 */
async function viewOne(store: FileStore, req: ViewRequest, info: FileInfo, left: number): Promise<Shown | undefined> {
  const from = Math.max(1, req.startLine ?? 1);
  const to = req.endLine === undefined ? Infinity : Math.max(from, req.endLine);
  const countAll = info.size <= COUNT_LINES_UP_TO_BYTES;
  const shown: FileLine[] = [];
  let used = BLOCK_OVERHEAD;
  let full = false;
  // A small file is read from its start to count its lines; a large one from the range's start.
  const first = countAll ? 1 : from;
  let n = first - 1;
  let reachedEnd = true;
  // The fence grows with the longest run of backticks shown: its two lines are counted as the lines are.
  let run = 2;
  let fence = 0;
  for await (const line of store.lines(req.path, MAX_VIEW_LINE_BYTES, first)) {
    n++;
    if (n < from) continue;
    if (n <= to && !full) {
      const cost = countText(line.text) + LINE_OVERHEAD;
      const lineRun = Math.max(run, ...[...line.text.matchAll(/`+/g)].map((m) => m[0].length));
      const lineFence = lineRun === run && fence > 0 ? fence : 2 * countText("`".repeat(lineRun + 1));
      if (used + cost + lineFence <= left) {
        shown.push(line);
        used += cost;
        run = lineRun;
        fence = lineFence;
        continue;
      }
      full = true;
    }
    if (!countAll) {
      reachedEnd = false;
      break;
    }
  }
  if (reachedEnd && n === 0) return { text: `${req.path} (empty file)\n`, cost: 10, notes: [], numbered: false };
  if (reachedEnd && n < from) {
    // A small file's lines were all counted; a large one was only scanned for newlines up to the range.
    const length = countAll ? `has ${n} lines` : `(${sizeText(info.size)}) has fewer than ${from} lines`;
    return { text: "", cost: 0, notes: [`${req.path} ${length}; start_line ${from} is past its end.`], numbered: false };
  }
  const total = reachedEnd ? n : undefined;
  if (shown.length === 0) return undefined;
  const last = from + shown.length - 1;
  const header =
    from === 1 && last === total ? `${total} lines` : `lines ${from}-${last} of ${total ?? `a ${sizeText(info.size)} file, more follow`}`;
  const notes: string[] = [];
  if (full) notes.push(`${req.path} was cut at line ${last} for space; view {"path": "${req.path}", "start_line": ${last + 1}} for more.`);
  if (shown.some((l) => l.cut)) notes.push(`${req.path}: lines ending in "${CUT_MARK.trim()}" are longer than shown.`);
  return { text: block(req.path, header, shown, from), cost: used + fence, notes, numbered: true };
}

/**
 * Renders the requested files within `budgetTokens`, each on its own: a file that cannot be shown (a
 * directory, a looping link, a missing file) is reported and the others are still shown. A file too large
 * for the remaining budget is shown in part with the line range to ask for next; a binary file is
 * described in one line; files after the budget is spent are named, not shown.
 */
export async function viewFiles(store: FileStore, requests: readonly ViewRequest[], budgetTokens: number): Promise<ViewResult> {
  const parts: string[] = [];
  const notFound: string[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  const skipped: string[] = [];
  let numbered = false;
  let left = budgetTokens;
  for (const req of requests) {
    try {
      const info = await store.stat(req.path);
      if (info === undefined) {
        notFound.push(req.path);
        continue;
      }
      if (info.binary) {
        parts.push(`${req.path} is a binary file (${sizeText(info.size)}); it is not shown.\n`);
        continue;
      }
      if (left <= 50) {
        skipped.push(req.path);
        continue;
      }
      const shown = await viewOne(store, req, info, left);
      if (!shown) {
        skipped.push(req.path);
        continue;
      }
      if (shown.text) parts.push(shown.text);
      numbered ||= shown.numbered;
      notes.push(...shown.notes);
      left -= shown.cost;
    } catch (e) {
      errors.push(e instanceof PathError ? e.message : `${req.path} could not be shown: ${toolErrorText(e)}`);
    }
  }
  if (skipped.length > 0)
    notes.push(`Not shown, the context budget is spent: ${skipped.join(", ")}. View them in a later call, fewer at a time.`);
  const text = (numbered ? [LINE_NUMBER_NOTE, ...parts] : parts).join("\n");
  return { text, notFound, errors, notes };
}
