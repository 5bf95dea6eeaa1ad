import { extname } from "node:path";
import type { FileStore } from "../file-store.js";
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

// A fence longer than any backtick run inside the file, so Markdown files cannot break out of it.
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

function block(path: string, lines: readonly string[], from: number, to: number, total: number): string {
  const body = lines.slice(from - 1, to).join("\n");
  const fence = fenceFor(body);
  const range = from === 1 && to === total ? `${total} lines` : `lines ${from}-${to} of ${total}`;
  return `${path} (${range})\n${fence}${FENCE_LANG[extname(path).toLowerCase()] ?? ""}\n${body}\n${fence}\n`;
}

export interface ViewResult {
  text: string;
  notFound: string[];
  /** What was cut for space, with how to get it: returned to the model as a note. */
  notes: string[];
}

/**
 * Renders the requested files within `budgetTokens`. A file too large for the remaining budget is shown
 * in part with the line range to ask for next; files after the budget is spent are named, not shown.
 */
export async function viewFiles(store: FileStore, requests: readonly ViewRequest[], budgetTokens: number): Promise<ViewResult> {
  const parts: string[] = [];
  const notFound: string[] = [];
  const notes: string[] = [];
  const skipped: string[] = [];
  let left = budgetTokens;
  for (const req of requests) {
    const text = await store.read(req.path);
    if (text === undefined) {
      notFound.push(req.path);
      continue;
    }
    if (left <= 50) {
      skipped.push(req.path);
      continue;
    }
    const lines = text.split("\n");
    const total = lines.length;
    const from = Math.min(Math.max(1, req.startLine ?? 1), total);
    const to = Math.min(total, Math.max(from, req.endLine ?? total));
    let shown = block(req.path, lines, from, to, total);
    let cost = countText(shown);
    if (cost > left) {
      // Binary search the longest prefix of the range that fits.
      let lo = from - 1;
      let hi = to;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (countText(block(req.path, lines, from, mid, total)) <= left) lo = mid;
        else hi = mid - 1;
      }
      if (lo < from) {
        skipped.push(req.path);
        continue;
      }
      shown = block(req.path, lines, from, lo, total);
      cost = countText(shown);
      notes.push(
        `${req.path} was cut at line ${lo} of ${total} for space; view {"path": "${req.path}", "start_line": ${lo + 1}} for more.`,
      );
    }
    parts.push(shown);
    left -= cost;
  }
  if (skipped.length > 0)
    notes.push(`Not shown, the context budget is spent: ${skipped.join(", ")}. View them in a later call, fewer at a time.`);
  return { text: parts.join("\n"), notFound, notes };
}
