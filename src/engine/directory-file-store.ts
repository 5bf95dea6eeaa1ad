import { lstat, mkdir, readdir, readFile, realpath, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { FileStore } from "./file-store.js";
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

/** A file store over a directory on disk: the local workspace and the GitHub working copy both use it. */
export class DirectoryFileStore implements FileStore {
  private realRoot?: string;

  constructor(
    readonly root: string,
    private readonly options: DirectoryFileStoreOptions = {},
  ) {}

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.root, dir), { withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) return;
        throw e;
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

  async read(path: string): Promise<string | undefined> {
    const full = await this.resolve(path, "read");
    try {
      const stat = await lstat(full);
      if (stat.isDirectory()) throw new PathError(`"${path}" is a directory; use list_files to see what it contains.`);
      return await readFile(full, "utf8");
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async write(path: string, contents: string): Promise<void> {
    const full = await this.resolve(path, "write");
    const max = this.options.maxFileBytes;
    const size = Buffer.byteLength(contents, "utf8");
    if (max !== undefined && size > max) {
      throw new PathError(`"${path}" would be ${size} bytes, over the ${max}-byte limit per file; split it into smaller files.`);
    }
    const existing = await lstat(full).catch(() => undefined);
    if (existing?.isDirectory()) throw new PathError(`"${path}" is a directory, not a file.`);
    await mkdir(dirname(full), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      throw e.code === "EEXIST" || e.code === "ENOTDIR" ? new PathError(`A parent of "${path}" is a file, not a directory.`) : e;
    });
    await writeFile(full, contents, "utf8");
  }

  async delete(path: string): Promise<boolean> {
    const full = await this.resolve(path, "write");
    const stat = await lstat(full).catch(() => undefined);
    if (!stat) return false;
    if (stat.isDirectory()) throw new PathError(`"${path}" is a directory; delete the files in it one by one.`);
    await rm(full);
    await this.pruneEmptyParents(dirname(full));
    return true;
  }

  /** Normalises the path, applies the policies and checks that no symlink leads outside the root. */
  private async resolve(path: string, mode: "read" | "write"): Promise<string> {
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
        if (!isMissing(e)) throw e;
        const parent = dirname(probe);
        if (parent === probe) break;
        probe = parent;
      }
    }
    return full;
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
