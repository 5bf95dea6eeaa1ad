import { countText } from "./token-counter.js";

/** Keeps the end of a long text (where test failures and errors are) within a token budget. */
export function clipTail(text: string, budgetTokens: number): string {
  if (countText(text) <= budgetTokens) return text;
  const lines = text.split("\n");
  // Lines are counted one by one (plus one for each newline), never the growing text again.
  let used = 20;
  let first = lines.length;
  while (first > 0) {
    const cost = countText(lines[first - 1] ?? "") + 1;
    if (used + cost > budgetTokens) break;
    used += cost;
    first--;
  }
  return [`[… ${first} earlier lines omitted]`, ...lines.slice(first)].join("\n");
}

/** At most `n` sentences and `maxChars` characters: for notes that must stay short. */
// ICU sentence rules: "store.py" or "e.g." inside a sentence do not end it.
const sentenceSegmenter = new Intl.Segmenter("en", { granularity: "sentence" });

export function firstSentences(text: string, n: number, maxChars: number): string {
  const sentences = [...sentenceSegmenter.segment(text.trim())].map((s) => s.segment);
  const out = sentences.slice(0, n).join("").trim();
  return out.length > maxChars ? `${out.slice(0, maxChars - 1).trimEnd()}…` : out;
}

/** A one-line commit subject from an instruction: first line, no CI-skipping markers, ≤ 72 characters. */
export function commitSubject(text: string): string {
  const line = (text.trim().split("\n")[0] ?? "").replace(SKIP_CI, "").replace(/\s+/g, " ").trim() || "L2MAC instruction";
  return line.length > 72 ? `${line.slice(0, 71).trimEnd()}…` : line;
}

// Markers GitHub Actions and other CIs honour to skip runs; a generated commit must never carry one.
export const SKIP_CI =
  /\[\s*(skip|no)[\s_-]*(ci|actions)\s*\]|\[\s*(ci|actions)[\s_-]*skip\s*\]|\*\*\*NO_CI\*\*\*|skip-checks\s*:\s*true/gi;

export const stripSkipCi = (text: string): string => text.replace(SKIP_CI, "");

// GitHub closes the issues a commit names after these keywords once it reaches the default branch.
const CLOSING_REFERENCE =
  /\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(\s*:?\s+)((?:[\w.-]+\/[\w.-]+)?#(\d+)|https?:\/\/\S+\/(?:issues|pull)\/(\d+))/gi;

/** "fixes #12" becomes "fixes issue 12": text the model wrote must not close issues nobody asked the app to close. */
export const defuseClosingKeywords = (text: string): string =>
  text.replace(
    CLOSING_REFERENCE,
    (_m, verb: string, gap: string, _ref, hash?: string, url?: string) => `${verb}${gap}issue ${hash ?? url}`,
  );

/** Commit message text the model wrote (summaries): no CI-skipping markers, no closing keywords. */
export const commitMessageText = (text: string): string => defuseClosingKeywords(stripSkipCi(text));
