import type { FileLine } from "./file-store.js";

/**
 * Splits a byte stream into lines holding at most `maxLineBytes` of each: a file that is one 100 MB
 * line costs `maxLineBytes` of memory, not 100 MB (readline would buffer the whole line). A trailing
 * newline ends the last line rather than starting an empty one; a CR before the newline is dropped.
 * Lines before `startLine` are only counted (newlines found, nothing copied or decoded).
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number, startLine = 1): AsyncGenerator<FileLine> {
  let toSkip = Math.max(0, startLine - 1);
  let parts: Buffer[] = [];
  let kept = 0;
  let cut = false;
  let open = false;
  const take = (chunk: Buffer, start: number, end: number): void => {
    const n = Math.min(end - start, maxLineBytes - kept);
    if (n > 0) {
      // A copy: a view would keep the whole chunk alive.
      parts.push(Buffer.from(chunk.subarray(start, start + n)));
      kept += n;
    }
    if (end - start > n) cut = true;
  };
  const line = (): FileLine => {
    let bytes = Buffer.concat(parts);
    if (!cut && bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    // A cut may fall inside a multi-byte character, which decodes to U+FFFD: leave that out.
    const text = cut ? bytes.toString("utf8").replace(/\uFFFD$/, "") : bytes.toString("utf8");
    const result = { text, cut };
    parts = [];
    kept = 0;
    cut = false;
    open = false;
    return result;
  };
  for await (const chunk of chunks) {
    let pos = 0;
    while (toSkip > 0) {
      const newline = chunk.indexOf(0x0a, pos);
      if (newline === -1) break;
      toSkip--;
      pos = newline + 1;
    }
    if (toSkip > 0) continue;
    for (;;) {
      const newline = chunk.indexOf(0x0a, pos);
      if (newline === -1) {
        if (pos < chunk.length) {
          take(chunk, pos, chunk.length);
          open = true;
        }
        break;
      }
      take(chunk, pos, newline);
      yield line();
      pos = newline + 1;
    }
  }
  if (open) yield line();
}
