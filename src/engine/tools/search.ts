import { isSearchable, type FileStore } from "../file-store.js";
import { normaliseStorePath, PathError } from "../paths.js";
import { countText } from "../token-counter.js";

export interface SearchArgs {
  pattern: string;
  path?: string;
  regex?: boolean;
  case_sensitive?: boolean;
}

/** Matching lines returned at most, whatever the budget. */
export const MAX_SEARCH_MATCHES = 100;
/** Tokens of the result beyond its lines: the header and the note. */
const OVERHEAD = 60;

const isWholeStore = (path: string | undefined): boolean => path === undefined || path.replace(/^\.?\/*$/, "") === "";

/**
 * `search_files`: `path:line: text` lines, as many as the count and `budgetTokens` allow, then how many
 * more matched. Throws a PathError (shown to the model) for a refused path or an invalid pattern.
 */
export async function searchFiles(store: FileStore, args: SearchArgs, budgetTokens: number): Promise<{ text: string; found: boolean }> {
  if (!isSearchable(store)) throw new PathError("This file store cannot be searched; use list_files and view_files.");
  if (args.pattern === "") throw new PathError("The pattern is empty.");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\n\r\u000b-\u001f]/.test(args.pattern))
    throw new PathError("The pattern must be one line without control characters.");
  const under = isWholeStore(args.path) ? undefined : normaliseStorePath(args.path!);
  const regex = args.regex ?? false;
  const result = await store.search({
    pattern: args.pattern,
    regex,
    caseSensitive: args.case_sensitive ?? false,
    under,
    maxMatches: MAX_SEARCH_MATCHES,
  });
  const what = `${regex ? "the expression" : ""} ${JSON.stringify(args.pattern)}${under ? ` in ${under}` : ""}`.trim();
  if (result.total === 0) return { text: `No matches for ${what}.`, found: false };
  const lines: string[] = [];
  let used = OVERHEAD;
  for (const m of result.matches) {
    const line = `${m.path}:${m.line}: ${m.text}${m.cut ? " [… line cut]" : ""}`;
    const cost = countText(line) + 1;
    if (used + cost > budgetTokens) break;
    lines.push(line);
    used += cost;
  }
  const more = result.total - lines.length;
  const count = result.counted ? String(result.total) : `More than ${result.total}`;
  const header = `${count} matching line${result.total === 1 ? "" : "s"} for ${what}:`;
  if (more > 0) {
    lines.push(
      `… ${result.counted ? "" : "more than "}${more} more matched, not shown; narrow the search with a path or a more specific pattern.`,
    );
  }
  return { text: [header, ...lines].join("\n"), found: true };
}
