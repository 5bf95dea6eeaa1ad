import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, realpath, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { splitLines } from "./file-lines.js";
import type { FileInfo, FileLine, SearchableFileStore, SearchQuery, SearchResult } from "./file-store.js";
import { gitGrep, type GrepOptions } from "./git-grep.js";
import { normaliseStorePath, PathError, type PathDenial } from "./paths.js";

export interface DirectoryFileStoreOptions {
  /** Paths the model may not write or delete (it may still read them). */
  deny?: PathDenial;
  /** Paths the model may not even see (the store's own bookkeeping, such as `.l2mac/`). */
  hidden?: PathDenial;
  /** Largest file the model may write, in bytes. */
  maxFileBytes?: number;
}

const isMissing = (e: unknown): boolean =>
  (e as NodeJS.ErrnoException)?.code === "ENOENT" || (e as NodeJS.ErrnoException)?.code === "ENOTDIR";

/** Bytes looked at for a NUL to call a file binary: git's heuristic looks at the first 8000. */
const SNIFF_BYTES = 8000;

/**
 * A filesystem error as the model may see it: what is wrong with the repository path, in a sentence.
 * Node's own messages name the absolute path on the server, which is not the model's business.
 */
function storeError(e: unknown, rel: string): unknown {
  if (e instanceof PathError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case undefined:
      return e;
    case "ELOOP":
      return new PathError(`"${rel}" goes through a symbolic link that loops back on itself; it cannot be opened.`);
    case "EISDIR":
      return new PathError(`"${rel}" is a directory; use list_files to see what it contains.`);
    case "ENOTDIR":
      return new PathError(`A parent of "${rel}" is a file, not a directory.`);
    case "EACCES":
    case "EPERM":
      return new PathError(`"${rel}" cannot be opened: permission denied.`);
    case "ENAMETOOLONG":
      return new PathError(`The path "${rel}" is too long.`);
    default:
      return new PathError(`"${rel}" could not be accessed (${code}).`);
  }
}

/** A file store over a directory on disk: the local workspace and the GitHub working copy both use it. */
export class DirectoryFileStore implements SearchableFileStore {
  private realRoot?: string;

  constructor(
    readonly root: string,
    private readonly options: DirectoryFileStoreOptions = {},
  ) {}

  async list(): Promise<readonly string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.root, dir), { withFileTypes: true });
      } catch (e) {
        // A folder that cannot be read shows nothing to read either.
        const code = (e as NodeJS.ErrnoException)?.code;
        if (isMissing(e) || code === "EACCES" || code === "EPERM") return;
        throw storeError(e, dir || ".");
      }
      for (const entry of entries) {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.name === ".git" || this.options.hidden?.(rel)) continue;
        // Symlinks are neither followed nor listed: they could point outside the store.
        if (entry.isDirectory()) await walk(rel);
        else if (entry.isFile()) out.push(rel);
      }
    };
    await walk("");
    return out.sort();
  }

  /** Searches the files' contents with `git grep --no-index` (a plain directory has no index). */
  async search(query: SearchQuery): Promise<SearchResult> {
    return gitGrep(query, { cwd: await this.rootReal(), scope: this.grepScope, hidden: this.options.hidden });
  }

  protected readonly grepScope: GrepOptions["scope"] = "directory";

  async read(path: string, options: { exact?: boolean } = {}): Promise<string | undefined> {
    return this.guard(path, "read", async (full, rel) => {
      if ((await this.fileAt(full, rel)) === undefined) return undefined;
      const bytes = await readFile(full);
      if (options.exact && !isUtf8(bytes)) {
        throw new PathError(`"${rel}" is not UTF-8 text (it is in another encoding); changing it here would alter its other characters.`);
      }
      return bytes.toString("utf8");
    });
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    return this.guard(path, "read", async (full, rel) => {
      const size = await this.fileAt(full, rel);
      if (size === undefined) return undefined;
      const handle = await open(full, "r");
      try {
        const head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        return { size, binary: head.subarray(0, bytesRead).includes(0) };
      } finally {
        await handle.close();
      }
    });
  }

  async *lines(path: string, maxLineBytes: number, startLine = 1): AsyncGenerator<FileLine> {
    let rel = path;
    try {
      const resolved = await this.resolve(path, "read");
      rel = resolved.rel;
      if ((await this.fileAt(resolved.full, rel)) === undefined) throw new PathError(`"${rel}" does not exist.`);
      yield* splitLines(createReadStream(resolved.full, { highWaterMark: 64 * 1024 }), maxLineBytes, startLine);
    } catch (e) {
      throw storeError(e, rel);
    }
  }

  async write(path: string, contents: string): Promise<void> {
    return this.guard(path, "write", async (full, rel) => {
      const max = this.options.maxFileBytes;
      const size = Buffer.byteLength(contents, "utf8");
      if (max !== undefined && size > max) {
        throw new PathError(`"${rel}" would be ${size} bytes, over the ${max}-byte limit per file; split it into smaller files.`);
      }
      const existing = await lstat(full).catch(() => undefined);
      if (existing?.isDirectory()) throw new PathError(`"${rel}" is a directory, not a file.`);
      await mkdir(dirname(full), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        throw e.code === "EEXIST" || e.code === "ENOTDIR" ? new PathError(`A parent of "${rel}" is a file, not a directory.`) : e;
      });
      await writeFile(full, contents, "utf8");
    });
  }

  async delete(path: string): Promise<boolean> {
    return this.guard(path, "write", async (full, rel) => {
      const stat = await lstat(full).catch(() => undefined);
      if (!stat) return false;
      if (stat.isDirectory()) throw new PathError(`"${rel}" is a directory; delete the files in it one by one.`);
      await rm(full);
      await this.pruneEmptyParents(dirname(full));
      return true;
    });
  }

  /** Resolves the path and runs `act` on it; any filesystem error comes out as a PathError naming the repository path. */
  private async guard<T>(path: string, mode: "read" | "write", act: (full: string, rel: string) => Promise<T>): Promise<T> {
    let rel = path;
    try {
      const resolved = await this.resolve(path, mode);
      rel = resolved.rel;
      return await act(resolved.full, rel);
    } catch (e) {
      throw storeError(e, rel);
    }
  }

  /** The size of the regular file at `full` (following a link the resolve allowed), or undefined when it is missing. */
  private async fileAt(full: string, rel: string): Promise<number | undefined> {
    const info = await stat(full).catch((e: unknown) => {
      if (isMissing(e)) return undefined;
      throw e;
    });
    if (!info) return undefined;
    if (info.isDirectory()) throw new PathError(`"${rel}" is a directory; use list_files to see what it contains.`);
    // A pipe or device would block a read forever or never end.
    if (!info.isFile()) throw new PathError(`"${rel}" is not a regular file; it cannot be read.`);
    return info.size;
  }

  /** Normalises the path, applies the policies and checks that no symlink leads outside the root. */
  private async resolve(path: string, mode: "read" | "write"): Promise<{ full: string; rel: string }> {
    const rel = normaliseStorePath(path, mode === "write" ? this.options.deny : undefined);
    if (this.options.hidden?.(rel)) throw new PathError(`"${rel}" is not part of the file store.`);
    const full = join(this.root, ...rel.split("/"));
    const root = await this.rootReal();
    if (mode === "write") await this.refuseSymlinkedComponents(rel);
    // The deepest existing ancestor (or the file itself) must resolve inside the root, and not into .git.
    let probe = full;
    for (;;) {
      try {
        const real = await realpath(probe);
        if (real !== root && !real.startsWith(root + sep)) {
          throw new PathError(`"${rel}" resolves outside the repository through a symbolic link.`);
        }
        if (
          relative(root, real)
            .split(sep)
            .some((part) => part.toLowerCase() === ".git")
        ) {
          throw new PathError(`"${rel}" leads into .git/ through a symbolic link, which is not part of the file store.`);
        }
        break;
      } catch (e) {
        if (e instanceof PathError) throw e;
        if (!isMissing(e)) throw storeError(e, rel);
        const parent = dirname(probe);
        if (parent === probe) break;
        probe = parent;
      }
    }
    return { full, rel };
  }

  /** Writes never go through a symbolic link: a link committed to the repository could point anywhere. */
  private async refuseSymlinkedComponents(rel: string): Promise<void> {
    let current = this.root;
    for (const part of rel.split("/")) {
      current = join(current, part);
      const stat = await lstat(current).catch(() => undefined);
      if (!stat) return;
      if (stat.isSymbolicLink()) throw new PathError(`"${rel}" goes through a symbolic link; the file store does not write through links.`);
    }
  }

  private async rootReal(): Promise<string> {
    if (!this.realRoot) {
      await mkdir(this.root, { recursive: true });
      this.realRoot = await realpath(this.root);
    }
    return this.realRoot;
  }

  private async pruneEmptyParents(dir: string): Promise<void> {
    const root = await this.rootReal();
    let current = dir;
    while (relative(root, await realpath(current).catch(() => root)) !== "") {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }
}
