import type { Definition } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFootnoteFromMarkdown } from "mdast-util-gfm-footnote";
import { gfmFootnote } from "micromark-extension-gfm-footnote";

/**
 * Issue text is untrusted input to a prompt, and what the model is told must be what a reviewer sees.
 * Removed: hidden HTML comments, Markdown that GitHub renders as nothing (link reference definitions no
 * link uses, such as the `[//]: # (…)` comment idiom, and the titles of those that are used, shown only
 * on hover), and invisible or direction-changing characters.
 */
// Zero-width and formatting characters, bidi controls, the BOM, tag characters and variation selectors.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u{e0000}-\u{e007f}]|\p{Variation_Selector}/gu;

export function sanitizeUserText(text: string | null | undefined): string {
  const visible = (text ?? "")
    .replace(/<!--[\s\S]*?(-->|$)/g, "")
    .replace(INVISIBLE, "")
    .replace(/\r\n?/g, "\n");
  return withoutHiddenDefinitions(visible)
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

// Block structure the scan needs: fenced code, raw HTML blocks that span blank lines, headings, quote markers.
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const RAW_HTML_START = /^ {0,3}<(pre|script|style|textarea)(?:[\s>]|$)/i;
const QUOTE_PREFIX = /^(?: {0,3}>[ \t]?)*/;
const HEADING = /^ {0,3}#{1,6}(?:\s|$)/;
/** A line that may start a definition: quote markers, at most one list marker, at most 3 spaces, then `[`. */
const CANDIDATE = /^((?: {0,3}>[ \t]?)*)( {0,3}(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)(?= {0,3}\[)(.*)$/;
const PARSE = { extensions: [gfmFootnote()], mdastExtensions: [gfmFootnoteFromMarkdown()] };
/** `[label]: target` with an optional title, all on one line; a footnote (`[^1]:`) is not one. */
const SIMPLE_DEFINITION =
  / {0,3}\[((?!\^)(?:[^[\]\\\n]|\\.){1,999})\]:[ \t]*(<[^<>\n]*>|[^\s<>][^\s]*)([ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*$/;
// Past this many candidates that need the grammar, the rest are left as they are (a crafted body must stay cheap).
const MAX_PARSED_CANDIDATES = 200;
const normaliseLabel = (label: string): string => label.replace(/\s+/g, " ").trim().toLowerCase();

/**
 * Link reference definitions render as nothing: one no link refers to is dropped whole; a used one keeps
 * its label and target (its link's text is visible) but loses its title, shown only on hover. The block
 * context that decides whether a line can be a definition (not in code, not continuing a paragraph) is
 * read line by line; each candidate is then confirmed by GitHub's grammar (micromark, with GFM footnotes,
 * which GitHub shows), parsing only its own few lines so no input costs more than linear time.
 */
function withoutHiddenDefinitions(text: string): string {
  if (!text.includes("]:")) return text;
  const lines = text.split("\n");
  const found = new Map<number, { count: number; prefix: string; def: Pick<Definition, "label" | "identifier" | "url"> }>();
  const unsure: Candidate[] = [];
  for (const c of candidateLines(lines)) {
    // The common one-line form is read directly; the rest (titles over lines, escapes) by the grammar.
    const simple = SIMPLE_DEFINITION.exec(c.chunk[0]!);
    // Without a title on its line, the next line may hold one: only a lone line is sure.
    if (simple && (c.chunk.length === 1 || simple[3]))
      found.set(c.line, {
        count: 1,
        prefix: c.prefix,
        def: { label: simple[1]!, identifier: simple[1]!, url: simple[2]!.replace(/^<|>$/g, "") },
      });
    else if (unsure.length < MAX_PARSED_CANDIDATES) unsure.push(c);
  }
  // The other candidates in one document, each after blank lines (so each starts a block), parsed once.
  const starts = new Map<number, Candidate>();
  let doc = "";
  for (const c of unsure) {
    starts.set(doc.length, c);
    doc += `${c.chunk.join("\n")}\n\n\n`;
  }
  for (const node of unsure.length > 0 ? fromMarkdown(doc, PARSE).children : []) {
    const offset = node.position?.start.offset ?? -1;
    const end = node.position?.end.offset;
    const c = starts.get(offset);
    if (node.type !== "definition" || !c || end === undefined) continue;
    found.set(c.line, { count: doc.slice(offset, end).split("\n").length, prefix: c.prefix, def: node });
  }
  if (found.size === 0) return text;
  const definitionLines = new Set([...found].flatMap(([line, d]) => Array.from({ length: d.count }, (_, k) => line + k)));
  const rest = lines.filter((_l, i) => !definitionLines.has(i)).join("\n");
  // Any bracketed label elsewhere may be a reference to it: kept then, conservatively (only the title goes).
  const labels = new Set(Array.from(rest.matchAll(/\[([^\]\n]{1,999})\]/g), (r) => normaliseLabel(r[1]!)));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const d = found.get(i);
    if (d && labels.has(normaliseLabel(d.def.label ?? d.def.identifier))) {
      const url = /[\s<>]/.test(d.def.url) || d.def.url === "" ? `<${d.def.url.replace(/[<>]/g, "")}>` : d.def.url;
      out.push(`${d.prefix}[${d.def.label ?? d.def.identifier}]: ${url}`);
    } else if (!definitionLines.has(i)) out.push(lines[i]!);
  }
  return out.join("\n");
}

interface Candidate {
  line: number;
  /** Quote and list markers before the `[`. */
  prefix: string;
  /** The line from its `[` on, and the lines a title may continue on. */
  chunk: string[];
}

/**
 * Lines where a definition may start, from the block context (not in code or raw HTML, not continuing a
 * paragraph), each with the lines after it that may hold the rest of its title.
 */
function candidateLines(lines: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  let fence: string | undefined;
  let rawHtml: string | undefined;
  let blockMayStart = true;
  for (let i = 0; i < lines.length; i++) {
    const content = lines[i]!.replace(QUOTE_PREFIX, "");
    if (fence) {
      if (content.trim().startsWith(fence) && /^[`~]+$/.test(content.trim())) fence = undefined;
      continue;
    }
    if (rawHtml) {
      if (content.toLowerCase().includes(`</${rawHtml}`)) rawHtml = undefined;
      continue;
    }
    const f = FENCE.exec(content)?.[1];
    if (f) {
      fence = f;
      blockMayStart = true;
      continue;
    }
    const html = RAW_HTML_START.exec(content)?.[1]?.toLowerCase();
    if (html) {
      rawHtml = content.toLowerCase().includes(`</${html}`) ? undefined : html;
      blockMayStart = false;
      continue;
    }
    const m = CANDIDATE.exec(lines[i]!);
    // A definition cannot interrupt a paragraph: it starts a block or a list item, or follows a definition.
    if (m && (blockMayStart || /[-*+.)][ \t]+$/.test(m[2]!))) {
      const quote = m[1]!;
      const chunk = [m[3]!];
      // A title goes on over lines that open nothing else (no blank line, fence, HTML or other candidate).
      for (let k = i + 1; k < lines.length && chunk.length < 8; k++) {
        const next = lines[k]!.startsWith(quote) ? lines[k]!.slice(quote.length) : lines[k]!;
        if (next.trim() === "" || /^\s*(?:[`~<[>#|]|[-*+][ \t]|\d{1,9}[.)][ \t])/.test(next)) break;
        chunk.push(next);
      }
      out.push({ line: i, prefix: quote + m[2]!, chunk });
      // Definitions may follow each other; anything else ends the chance.
      blockMayStart = true;
      continue;
    }
    blockMayStart = content.trim() === "" || HEADING.test(content);
  }
  return out;
}

/** The task an issue describes: its title and body. Empty when the body says nothing. */
export function taskFromIssue(title: string, body: string | null | undefined): { task: string; bodyIsEmpty: boolean } {
  const cleanBody = sanitizeUserText(body);
  return { task: `${sanitizeUserText(title)}\n\n${cleanBody}`.trim(), bodyIsEmpty: cleanBody === "" };
}
