/**
 * Where in a file the lines most like some wanted lines are, for `edit_files`' "not found" answer. The
 * work is linear in the file: each line is compared by at most its first SIMILARITY_CHARS characters, and
 * each line's character pairs are worked out once, however long the old text or its lines are.
 */

/** Characters of a line (after its indentation) that take part in the comparison. */
const SIMILARITY_CHARS = 200;

interface Profile {
  text: string;
  /** The line's character pairs as numbers, sorted: a multiset. */
  pairs: Uint32Array;
}

function profile(line: string): Profile {
  const text = line.trim().slice(0, SIMILARITY_CHARS);
  const pairs = new Uint32Array(Math.max(0, text.length - 1));
  for (let i = 0; i < pairs.length; i++) pairs[i] = text.charCodeAt(i) * 0x10000 + text.charCodeAt(i + 1);
  return { text, pairs: pairs.sort() };
}

/** First index at or after `from` whose value is not below `v`. */
function lowerBound(a: Uint32Array, v: number, from: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Similarity of two lines by shared character pairs (Dice), ignoring indentation. */
function similarity(a: Profile, b: Profile): number {
  if (a.text === b.text) return 1;
  if (a.pairs.length === 0 || b.pairs.length === 0) return 0;
  // The shorter walked, the longer searched: a short line costs little against a long one.
  const [short, long] = a.pairs.length <= b.pairs.length ? [a.pairs, b.pairs] : [b.pairs, a.pairs];
  let shared = 0;
  let at = 0;
  for (const v of short) {
    at = lowerBound(long, v, at);
    if (at === long.length) break;
    if (long[at] === v) {
      shared++;
      at++;
    }
  }
  return (2 * shared) / (a.pairs.length + b.pairs.length);
}

/**
 * The index of the file line where a run of lines is most like `wanted` (each of its first lines compared
 * with the file's line at the same offset), and the mean similarity there; -1 when nothing is alike.
 */
export function closestLines(fileLines: readonly string[], wanted: readonly string[]): { at: number; score: number } {
  const wants = wanted.map(profile);
  const lines = fileLines.map(profile);
  let best = { at: -1, score: 0 };
  for (let i = 0; i < lines.length; i++) {
    let score = 0;
    for (let j = 0; j < wants.length && i + j < lines.length; j++) score += similarity(lines[i + j]!, wants[j]!);
    if (score > best.score) best = { at: i, score };
  }
  return { at: best.at, score: best.score / Math.max(1, wants.length) };
}
