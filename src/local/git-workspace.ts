import { execFile } from "node:child_process";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CheckRepoActions, simpleGit, type SimpleGit } from "simple-git";
import type { FileInfo, FileLine } from "../engine/file-store.js";
import { combineDenials, denyPrefixes, normaliseStorePath, PathError, type PathDenial } from "../engine/paths.js";
import { GitFileStore } from "../git/git-file-store.js";

/** The CLI's bookkeeping folder inside the workspace: never shown to the agent, never committed. */
export const META_DIR = ".l2mac";

const hideMeta = denyPrefixes([META_DIR], "it holds the run's own state");

/** The local file store: a directory that is its own git repository, one commit per instruction. */
export class GitWorkspace extends GitFileStore {
  // The exclude file keeps .l2mac/ out of `git status`; this keeps it out of commits even if a .gitignore says `!/.l2mac/`.
  protected override readonly neverCommitted = [META_DIR];

  /** Paths this run wrote: its own files, even where the repository ignores them. */
  private readonly written = new Set<string>();

  /** The workspace's git, for the run's branch (run-branch.ts). */
  get repository(): SimpleGit {
    return this.git;
  }

  override async read(path: string, options?: { exact?: boolean }): Promise<string | undefined> {
    await this.refuseIgnored(path);
    return super.read(path, options);
  }

  override async stat(path: string): Promise<FileInfo | undefined> {
    await this.refuseIgnored(path);
    return super.stat(path);
  }

  override async *lines(path: string, maxLineBytes: number, startLine?: number): AsyncGenerator<FileLine> {
    await this.refuseIgnored(path);
    yield* super.lines(path, maxLineBytes, startLine);
  }

  override async write(path: string, contents: string): Promise<void> {
    if (await super.stat(path).catch(() => undefined)) await this.refuseIgnored(path);
    await super.write(path, contents);
    this.written.add(normaliseStorePath(path));
  }

  override async delete(path: string): Promise<boolean> {
    await this.refuseIgnored(path);
    return super.delete(path);
  }

  /**
   * A file the repository ignores and this run did not write is the user's own (`.env`, local settings,
   * build output): not listed or searched, and so not read, overwritten or deleted either.
   */
  private async refuseIgnored(path: string): Promise<void> {
    let rel: string;
    try {
      rel = normaliseStorePath(path);
    } catch {
      return; // The store's own checks say why the path is refused.
    }
    // The run's own folder is refused by the store itself, with its own reason.
    if (this.written.has(rel) || hideMeta(rel)) return;
    const ignored = await new Promise<boolean>((done, fail) =>
      execFile("git", ["check-ignore", "-q", "--", rel], { cwd: this.root }, (e) => {
        const code = (e as { code?: unknown } | null)?.code;
        if (!e) done(true);
        else if (code === 1) done(false);
        else fail(e);
      }),
    );
    if (ignored)
      throw new PathError(`"${rel}" is ignored by the repository (.gitignore): it is the user's own, not part of the file store.`);
  }

  static async open(root: string, options: { deny?: PathDenial } = {}): Promise<GitWorkspace> {
    await mkdir(root, { recursive: true });
    let git = simpleGit(root);
    // The root check matters: ./workspace usually sits inside the user's own repository.
    const fresh = !(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT).catch(() => false));
    if (fresh) await git.init(["--initial-branch=main"]);
    // Commits must not depend on the user's global git identity being set. A workspace the run created
    // keeps the identity; the user's own repository is not configured: only the run's commands carry it.
    if (!(await git.getConfig("user.email")).value) {
      if (fresh) {
        await git.addConfig("user.name", "L2MAC");
        await git.addConfig("user.email", "l2mac@localhost");
      } else git = simpleGit({ baseDir: root, config: ["user.name=L2MAC", "user.email=l2mac@localhost"] });
    }
    // Where git keeps it: in a worktree or a submodule .git is a file naming the real directory.
    const exclude = resolve(root, (await git.raw(["rev-parse", "--git-path", "info/exclude"])).trim());
    const current = await readFile(exclude, "utf8").catch(() => "");
    if (!current.split("\n").includes(`/${META_DIR}/`)) {
      await mkdir(dirname(exclude), { recursive: true });
      await appendFile(exclude, `${current.endsWith("\n") || current === "" ? "" : "\n"}/${META_DIR}/\n`);
    }
    return new GitWorkspace(root, git, { hidden: hideMeta, deny: combineDenials(hideMeta, options.deny), maxFileBytes: 1_000_000 });
  }
}
