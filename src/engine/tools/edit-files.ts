import type { FileStore } from "../file-store.js";
import { normaliseStorePath, PathError, toolErrorText } from "../paths.js";
import { formatSyntaxProblem, type SyntaxChecker } from "../syntax-checker.js";
import { applyTextEdit } from "./text-edit.js";

export interface FileEdit {
  file_path: string;
  old_text: string;
  new_text: string;
}

export interface EditFilesResult {
  ok: boolean;
  text: string;
  /** Paths written (none when any edit failed). */
  written: string[];
}

interface Edited {
  original: string;
  text: string;
  summary: string[];
}

/** The largest file edited: what the stores allow to be written back (the file is held in memory and searched). */
export const MAX_EDIT_BYTES = 1_000_000;

const NONE_APPLIED = "No edit of this call was applied: fix the failing edit and send the whole call again.";

/**
 * Applies every edit of one call, or none: all edits are worked out in memory first (each file's later
 * edits on its earlier ones), and only when every one applies are the files written. A write that fails
 * half way puts back the files already written.
 */
export async function editFiles(store: FileStore, checkSyntax: SyntaxChecker, edits: readonly FileEdit[]): Promise<EditFilesResult> {
  const files = new Map<string, Edited>();
  for (const [i, edit] of edits.entries()) {
    const label = `Edit ${i + 1}`;
    let path: string;
    let current: Edited | undefined;
    try {
      path = normaliseStorePath(edit.file_path);
      current = files.get(path) ?? (await readForEdit(store, path));
    } catch (e) {
      return failed(`${label}: ${toolErrorText(e)}`);
    }
    if (!current) return failed(`${label}: ${path} does not exist; create it with write_files.`);
    const result = applyTextEdit(current.text, edit.old_text, edit.new_text);
    if (!result.ok) return failed(`${label} (${path}): ${result.reason}`);
    const range =
      result.removedLines > 0 ? `lines ${result.firstLine}-${result.firstLine + result.removedLines - 1}` : `line ${result.firstLine}`;
    current.summary.push(`${range} replaced by ${result.addedLines} line${result.addedLines === 1 ? "" : "s"}`);
    files.set(path, { ...current, text: result.text });
  }
  const written: string[] = [];
  try {
    for (const [path, file] of files) {
      await store.write(path, file.text);
      written.push(path);
    }
  } catch (e) {
    for (const path of written) await store.write(path, files.get(path)!.original).catch(() => undefined);
    return failed(`Writing failed: ${toolErrorText(e)}`);
  }
  const problems: string[] = [];
  for (const [path, file] of files) problems.push(...(await checkSyntax(path, file.text)).map(formatSyntaxProblem));
  const lines = [...files].map(([path, file]) => `Edited ${path}: ${file.summary.join("; ")}.`);
  if (problems.length > 0) lines.push(`Syntax problems found; fix them with further edits:\n${problems.join("\n")}`);
  else lines.push("Syntax checks passed.");
  return { ok: problems.length === 0, text: lines.join("\n"), written };
}

const failed = (reason: string): EditFilesResult => ({ ok: false, text: `${reason}\n${NONE_APPLIED}`, written: [] });

async function readForEdit(store: FileStore, path: string): Promise<Edited | undefined> {
  const info = await store.stat(path);
  if (!info) return undefined;
  if (info.binary) throw new PathError(`${path} is a binary file; it cannot be edited as text.`);
  if (info.size > MAX_EDIT_BYTES) {
    throw new PathError(`${path} is ${info.size} bytes, more than the ${MAX_EDIT_BYTES} a file may have to be edited (or written).`);
  }
  const text = (await store.read(path, { exact: true })) ?? "";
  return { original: text, text, summary: [] };
}
