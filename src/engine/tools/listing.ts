import { countText } from "../token-counter.js";

/**
 * A file listing that fits a token budget. Small repositories are listed in full; in large ones the
 * deepest directories collapse to "dir/ (N files)" and `list_files(dir)` drills in. This lifts the
 * reference's limit of putting every path into every prompt.
 */

interface Dir {
  files: string[];
  dirs: Map<string, Dir>;
  count: number;
}

function buildTree(paths: readonly string[]): Dir {
  const root: Dir = { files: [], dirs: new Map(), count: 0 };
  for (const path of paths) {
    const parts = path.split("/");
    let node = root;
    node.count++;
    for (const part of parts.slice(0, -1)) {
      let child = node.dirs.get(part);
      if (!child) node.dirs.set(part, (child = { files: [], dirs: new Map(), count: 0 }));
      child.count++;
      node = child;
    }
    node.files.push(path);
  }
  return root;
}

/** Renders with directories expanded down to `depth`, plus any directory in `open`. */
function render(root: Dir, prefix: string, depth: number, open: ReadonlySet<string>): string[] {
  const lines: string[] = [];
  const walk = (node: Dir, dirPath: string, level: number): void => {
    for (const [name, child] of [...node.dirs].sort(([a], [b]) => a.localeCompare(b))) {
      const path = `${dirPath}${name}/`;
      if (level < depth || open.has(path)) walk(child, path, level + 1);
      else lines.push(dirLine(path, child.count));
    }
    lines.push(...[...node.files].sort());
  };
  walk(root, prefix, 0);
  return lines;
}

function collapsed(root: Dir, prefix: string, depth: number): Array<[string, number, Dir]> {
  const out: Array<[string, number, Dir]> = [];
  const walk = (node: Dir, dirPath: string, level: number): void => {
    for (const [name, child] of node.dirs) {
      const path = `${dirPath}${name}/`;
      if (level < depth) walk(child, path, level + 1);
      else out.push([path, child.count, child]);
    }
  };
  walk(root, prefix, 0);
  return out;
}

/** How many lines `render` gives at `depth` (nothing open), without rendering them. */
function lineCount(node: Dir, depth: number, level = 0): number {
  let n = node.files.length;
  for (const child of node.dirs.values()) n += level < depth ? lineCount(child, depth, level + 1) : 1;
  return n;
}

const dirLine = (path: string, count: number): string => `${path} (${count} file${count === 1 ? "" : "s"})`;

/** The lines an opened directory shows in place of its own: its folders, collapsed, then its files. */
function openedLines(node: Dir, path: string): string[] {
  const lines = [...node.dirs].sort(([a], [b]) => a.localeCompare(b)).map(([name, child]) => dirLine(`${path}${name}/`, child.count));
  return [...lines, ...[...node.files].sort()];
}

function maxDepthOf(paths: readonly string[]): number {
  let max = 0;
  for (const p of paths) max = Math.max(max, p.split("/").length);
  return max;
}

/**
 * Renders of frozen listings (a store's kept listing), by budget and directory: the depth search is made
 * once per version of the tree and budget, not on every turn. Forgotten with the listing.
 */
const rendered = new WeakMap<readonly string[], Map<string, string>>();
/** Renders kept per listing at most (budgets and directories asked for differ little). */
const MAX_RENDERS = 32;

/**
 * Lists `paths` (optionally only those under `under/`) within `budgetTokens`.
 * Returns the listing text; an empty store says so.
 */
export function renderListing(paths: readonly string[], budgetTokens: number, under?: string): string {
  // Only a frozen listing cannot change after its render was kept.
  if (!Object.isFrozen(paths)) return renderFresh(paths, budgetTokens, under);
  let renders = rendered.get(paths);
  if (!renders) rendered.set(paths, (renders = new Map()));
  const key = `${budgetTokens}\0${under ?? ""}`;
  let text = renders.get(key);
  if (text === undefined) {
    text = renderFresh(paths, budgetTokens, under);
    if (renders.size >= MAX_RENDERS) renders.delete(renders.keys().next().value!);
    renders.set(key, text);
  }
  return text;
}

function renderFresh(paths: readonly string[], budgetTokens: number, under?: string): string {
  const prefix = under ? `${under.replace(/\/+$/, "")}/` : "";
  const selected = prefix ? paths.filter((p) => p.startsWith(prefix)) : paths;
  if (selected.length === 0) return prefix ? `No files under ${prefix}` : "The repository has no files yet.";
  const tree = buildTree(selected.map((p) => p.slice(prefix.length)));
  // Each line is counted once per call, then sums decide (one token per newline): re-tokenising the whole
  // listing for every candidate depth, directory and line made this quadratic on large trees. A sum is at
  // least the joined text's count (tokens rarely merge across a newline), so what fits still fits.
  const counted = new Map<string, number>();
  const tokensOf = (line: string): number => counted.get(line) ?? counted.set(line, countText(line)).get(line)!;
  const fits = (lines: string[]): boolean => {
    let total = Math.max(0, lines.length - 1);
    for (const line of lines) if ((total += tokensOf(line)) > budgetTokens) return false;
    return true;
  };
  /** The lines' tokens and newlines, as `fits` sums them. */
  const tokensIn = (lines: string[]): number => lines.reduce((sum, line) => sum + tokensOf(line), Math.max(0, lines.length - 1));

  // Deepest first; a depth with more lines than the budget has tokens cannot fit and is not rendered.
  let depth = 0;
  let best: string[] = [];
  for (let d = maxDepthOf(selected); d >= 0; d--) {
    if (d > 0 && 2 * lineCount(tree, d) - 1 > budgetTokens) continue;
    const lines = render(tree, prefix, d, new Set());
    if (fits(lines) || d === 0) {
      [depth, best] = [d, lines];
      break;
    }
  }
  // Open further directories, smallest first, while the listing still fits. Opening one replaces its line
  // with its own lines: the sum changes by their tokens, so no candidate needs the whole listing rendered.
  const open = new Set<string>();
  let total = tokensIn(best);
  for (const [dir, , node] of collapsed(tree, prefix, depth).sort((a, b) => a[1] - b[1])) {
    const own = dirLine(dir, node.count);
    const shown = node.dirs.size + node.files.length;
    // Each line is at least one token, and one more for its newline.
    if (total + 2 * shown - 1 - tokensOf(own) > budgetTokens) continue;
    const after = total + tokensIn(openedLines(node, dir)) + 1 - tokensOf(own) - 1;
    if (after > budgetTokens) continue;
    open.add(dir);
    total = after;
  }
  if (open.size > 0) best = render(tree, prefix, depth, open);
  if (!fits(best)) {
    // Even the top level is too long: show what fits and say how much is left out.
    const kept: string[] = [];
    for (const line of best) {
      if (!fits([...kept, line, "… and 999999 more entries"])) break;
      kept.push(line);
    }
    kept.push(`… and ${best.length - kept.length} more entries (use list_files with a directory)`);
    best = kept;
  }
  const header = `${selected.length} file${selected.length === 1 ? "" : "s"}${prefix ? ` under ${prefix}` : ""}:`;
  return [header, ...best].join("\n");
}
