/**
 * Issue text is untrusted input to a prompt. Hidden HTML comments (invisible when rendered, so a
 * reviewer cannot see what the model is told) and invisible or direction-changing characters are removed.
 */
// Zero-width and formatting characters, bidi controls, the BOM, tag characters and variation selectors.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u{e0000}-\u{e007f}]|\p{Variation_Selector}/gu;

export function sanitizeUserText(text: string | null | undefined): string {
  return (text ?? "")
    .replace(/<!--[\s\S]*?(-->|$)/g, "")
    .replace(INVISIBLE, "")
    .replace(/\r\n?/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The task an issue describes: its title and body. Empty when the body says nothing. */
export function taskFromIssue(title: string, body: string | null | undefined): { task: string; bodyIsEmpty: boolean } {
  const cleanBody = sanitizeUserText(body);
  return { task: `${sanitizeUserText(title)}\n\n${cleanBody}`.trim(), bodyIsEmpty: cleanBody === "" };
}
