/**
 * Text the app did not write, made safe to embed in the Markdown it does write: whatever backtick runs,
 * line breaks or HTML the text holds, it stays inside the container the app put it in (a line, a code
 * block) and opens no other.
 */

// `<` followed by what can start a tag, a comment or a declaration; a lone `<` (as in `a < b`) is harmless.
const HTML_START = /<(?=[A-Za-z/!?])/g;

/** Collapses every line break (CRLF, lone CR, U+2028…) and run of whitespace to one space. */
export const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * Text the app composes (reasons, notes) that may carry untrusted fragments: one line, no HTML. The
 * app's own Markdown (code spans, links) still renders; nothing can leave the line it is on.
 */
export const inlineText = (text: string, max: number): string => clip(oneLine(text), max).replace(HTML_START, "&lt;");

/**
 * Mentions (`@user`, `@org/team`) kept as text that notifies no one: a word joiner after the `@`. For
 * text the app posts as a new comment that it did not write (an LLM's summary steered by an issue).
 */
export const noMentions = (text: string): string => text.replace(/@(?=[A-Za-z0-9])/g, "@\u2060");

// Every character that can start inline Markdown (emphasis, code, links, images, HTML, autolinks, tables).
const MARKDOWN_PUNCTUATION = /[\\`*_[\]()<>!#|~]/g;

/** Untrusted prose (LLM summaries, server errors) shown as plain text: one line, every Markdown character escaped. */
export const plainText = (text: string, max: number): string => clip(oneLine(text), max).replace(MARKDOWN_PUNCTUATION, "\\$&");

/** A fenced code block no line of `text` can close: the fence is longer than any backtick run in it. */
export function codeBlock(text: string, info = "text"): string[] {
  const body = text.replace(/\r\n?/g, "\n");
  let longest = 0;
  for (const run of body.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, body, fence];
}

/**
 * An item's text on its task-list line. HTML is escaped as entities, so GitHub shows the text as it is
 * and it can open no element or comment; {@link decodeItemText} reverses it exactly, so a rendered item
 * reads back as the same text.
 */
export const encodeItemText = (text: string): string => text.replace(/&(?=(?:lt|gt|amp|quot);)/g, "&amp;").replace(HTML_START, "&lt;");

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** The text of a task-list line as GitHub shows it: the entities people or the app wrote are decoded. */
export const decodeItemText = (text: string): string => text.replace(/&(lt|gt|amp|quot);/g, (_m, name: string) => ENTITIES[name]!);
