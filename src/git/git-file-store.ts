import type { SimpleGit } from "simple-git";
import { DirectoryFileStore, type DirectoryFileStoreOptions } from "../engine/directory-file-store.js";
import type { VersionedFileStore } from "../engine/file-store.js";
import { normaliseStorePath } from "../engine/paths.js";
import { completedInstruction, trailerBlock } from "../engine/trailers.js";

/**
 * A file store over a git working tree: lists what git tracks or would track (so ignored build output
 * stays out of the agent's view), commits with L2MAC trailers, and finds earlier instruction commits by
 * trailer so a crashed run never redoes one. Shared by the local workspace and the GitHub branch.
 */
export class GitFileStore extends DirectoryFileStore implements VersionedFileStore {
  constructor(
    root: string,
    protected readonly git: SimpleGit,
    options: DirectoryFileStoreOptions = {},
  ) {
    super(root, options);
  }

  // What git tracks or would track is what is searched, as it is what is listed.
  protected override readonly grepScope = "repository" as const;

  /**
   * Whether the listing is kept between calls, updated by this store's own writes and deletes: only where
   * nothing else changes the tree (the app's working copy of a branch), never in a user's directory, which
   * they edit as a run goes on.
   */
  protected readonly keepsListing: boolean = false;
  private kept: Promise<readonly string[]> | undefined;
  /** Changes made through this store: a kept listing is updated only by the change it was taken for. */
  private changes = 0;

  /** Sorted; frozen, so one kept listing is handed to every caller (and what is rendered from it can be kept too). */
  override async list(): Promise<readonly string[]> {
    if (!this.keepsListing) return this.scan();
    const kept = (this.kept ??= this.scan().then((paths) => Object.freeze(paths)));
    // A failed scan is not kept.
    return kept.catch((e: unknown) => {
      if (this.kept === kept) this.kept = undefined;
      throw e;
    });
  }

  /** Forgets the kept listing: after anything that changes the tree other than this store's writes and deletes. */
  protected forgetListing(): void {
    this.changes++;
    this.kept = undefined;
  }

  override async write(path: string, contents: string): Promise<void> {
    await this.changing(
      () => super.write(path, contents),
      (paths, rel) => this.withWritten(paths, rel),
      path,
    );
  }

  override async delete(path: string): Promise<boolean> {
    return this.changing(
      () => super.delete(path),
      async (paths, rel) => paths.filter((p) => p !== rel),
      path,
    );
  }

  /**
   * Makes a change and, when it succeeded and no other change came meanwhile, updates the kept listing
   * with `update` instead of scanning the tree again. A `.gitignore` changed changes what is listed: rescan.
   */
  private async changing<T>(
    change: () => Promise<T>,
    update: (paths: readonly string[], rel: string) => Promise<string[]>,
    path: string,
  ): Promise<T> {
    const kept = this.kept;
    this.forgetListing();
    const mine = this.changes;
    const result = await change();
    const rel = normaliseStorePath(path);
    if (kept && this.changes === mine && !/(^|\/)\.gitignore$/.test(rel)) {
      this.kept = kept.then(async (paths) => Object.freeze(await update(paths, rel))).catch(() => this.scan());
    }
    return result;
  }

  /** A written file joins the listing unless git ignores it (one `check-ignore`, not a scan of the tree). */
  private async withWritten(paths: readonly string[], rel: string): Promise<string[]> {
    if (paths.includes(rel) || (await this.git.checkIgnore([rel])).length > 0) return [...paths];
    return [...paths, rel].sort();
  }

  /** What git tracks or would track, and exists: one `ls-files` and one walk of the tree. */
  private async scan(): Promise<string[]> {
    const out = await this.git.raw(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    const listed = new Set(out.split("\0").filter(Boolean));
    // ls-files still names tracked files deleted from the tree; the walk is the truth for what exists.
    const present = new Set(await super.list());
    return [...listed].filter((p) => present.has(p)).sort();
  }

  /** Folders of the store's own never staged, whatever a `.gitignore` in the tree says (it may re-include them). */
  protected readonly neverCommitted: readonly string[] = [];

  async commit(message: string, trailers: Record<string, string>): Promise<string | undefined> {
    await this.git.add(["-A"]);
    // Put back as HEAD has them (an exclude pathspec on add fails when the folder is ignored, as it usually is).
    if (this.neverCommitted.length > 0) await this.git.raw(["reset", "-q", "--", ...this.neverCommitted.map((p) => `:(top,literal)${p}`)]);
    const staged = await this.git.diff(["--cached", "--name-only"]);
    if (staged.trim() === "") return undefined;
    await this.git.commit(`${message.trimEnd()}\n\n${trailerBlock(trailers)}\n`);
    return this.head();
  }

  async head(): Promise<string | undefined> {
    return this.git.revparse(["--verify", "HEAD"]).then(
      (s) => s.trim(),
      () => undefined,
    );
  }

  async instructionCommits(runId: string): Promise<Map<number, { sha: string; summary: string }>> {
    const found = new Map<number, { sha: string; summary: string }>();
    if (!(await this.head())) return found;
    const log = await this.git.raw(["log", "--format=%H%x00%B%x1e", "HEAD"]);
    for (const entry of log.split("\x1e")) {
      const [sha, body] = entry.trim().split("\x00");
      if (!sha || !body) continue;
      const id = completedInstruction(body, runId);
      // Newest first: the latest commit of an instruction wins; the paragraph after the subject is its summary.
      if (id !== undefined && !found.has(id)) found.set(id, { sha, summary: body.split("\n\n")[1]?.trim() ?? "" });
    }
    return found;
  }
}
