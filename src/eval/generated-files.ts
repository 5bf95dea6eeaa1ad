import type { FileStore } from "../engine/file-store.js";

/** A text file the run produced. */
export interface GeneratedFile {
  path: string;
  text: string;
}

// Caches and installed dependencies that running the code leaves behind: not what the agents wrote.
const NOT_GENERATED = /(^|\/)(__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|node_modules|\.venv|venv)\//;

/** Every text file in the store that the agents wrote (binary files and caches left out), sorted by path. */
export async function generatedFiles(store: FileStore): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [];
  for (const path of await store.list()) {
    if (NOT_GENERATED.test(path)) continue;
    const info = await store.stat(path);
    if (!info || info.binary) continue;
    const text = await store.read(path);
    if (text !== undefined) out.push({ path, text });
  }
  return out;
}

/** Lines in a text, as an editor numbers them: a final newline ends the last line rather than starting one. */
export function lineCount(text: string): number {
  if (text === "") return 0;
  const breaks = text.match(/\r\n|\r|\n/g)?.length ?? 0;
  return /(\r\n|\r|\n)$/.test(text) ? breaks : breaks + 1;
}
