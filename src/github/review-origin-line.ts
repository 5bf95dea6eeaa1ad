import { plainText } from "./markdown-text.js";
import type { ReviewOriginState } from "./plan.js";

/**
 * Under an item a review asked for: who asked, linked to the review, and where (all escaped: the
 * reviewer's text). Only a link into this repository's pull requests is made: the state block a writer
 * (or another app) edited may hold any URL.
 */
export function originLine(origin: ReviewOriginState, compact: boolean, repoUrl: string): string {
  const who = `@${plainText(origin.by, 100)}`;
  const link = !compact && origin.url.startsWith(`${repoUrl}/pull/`) ? safeUrl(origin.url) : undefined;
  const what = origin.k === "cmd" ? "comment" : "review";
  const review = link ? `[${what} by ${who}](${link})` : `${what} by ${who}`;
  const where = origin.p ? ` on ${plainText(origin.p, 200)}${origin.l ? `:${origin.l}` : ""}` : "";
  return `  💬 from the ${review}${where}`;
}

/** A link target no text can break out of (parentheses, spaces, line breaks are encoded); undefined when not a URL. */
function safeUrl(url: string): string | undefined {
  try {
    return encodeURI(url).replace(/[()]/g, encodeURIComponent);
  } catch {
    return undefined;
  }
}
