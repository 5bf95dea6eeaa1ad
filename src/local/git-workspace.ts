import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CheckRepoActions, simpleGit, type SimpleGit } from "simple-git";
import { DirectoryFileStore } from "../engine/directory-file-store.js";
import type { VersionedFileStore } from "../engine/file-store.js";
import { combineDenials, denyPrefixes, type PathDenial } from "../engine/paths.js";
import { INSTRUCTION_TRAILER, RUN_TRAILER } from "../engine/run-program.js";

/** The CLI's bookkeeping folder inside the workspace: never shown to the agent, never committed. */
export const META_DIR = ".l2mac";

const hideMeta = denyPrefixes([META_DIR], "it holds the run's own state");

/** The local file store: a directory that is a git repository, one commit per instruction. */
export class GitWorkspace extends DirectoryFileStore implements VersionedFileStore {
  private constructor(
    root: string,
    private readonly git: SimpleGit,
    deny?: PathDenial,
  ) {
    super(root, { hidden: hideMeta, deny: combineDenials(hideMeta, deny), maxFileBytes: 1_000_000 });
  }

  static async open(root: string, options: { deny?: PathDenial } = {}): Promise<GitWorkspace> {
    await mkdir(root, { recursive: true });
    const git = simpleGit(root);
    if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT).catch(() => false))) {
      await git.init(["--initial-branch=main"]);
    }
    // Commits must not depend on the user's global git identity being set.
    const email = await git.getConfig("user.email");
    if (!email.value) {
      await git.addConfig("user.name", "L2MAC");
      await git.addConfig("user.email", "l2mac@localhost");
    }
    const exclude = join(root, ".git", "info", "exclude");
    const current = await readFile(exclude, "utf8").catch(() => "");
    if (!current.split("\n").includes(`/${META_DIR}/`)) {
      await mkdir(join(root, ".git", "info"), { recursive: true });
      await appendFile(exclude, `${current.endsWith("\n") || current === "" ? "" : "\n"}/${META_DIR}/\n`);
    }
    return new GitWorkspace(root, git, options.deny);
  }

  async commit(message: string, trailers: Record<string, string>): Promise<string | undefined> {
    await this.git.add(["-A"]);
    const staged = await this.git.diff(["--cached", "--name-only"]);
    if (staged.trim() === "") return undefined;
    const trailerBlock = Object.entries(trailers).map(([k, v]) => `${k}: ${v}`).join("\n");
    await this.git.commit(`${message.trimEnd()}\n\n${trailerBlock}\n`);
    return (await this.git.revparse(["HEAD"])).trim();
  }

  async instructionCommits(runId: string): Promise<Map<number, { sha: string; summary: string }>> {
    const found = new Map<number, { sha: string; summary: string }>();
    const hasHead = await this.git.revparse(["--verify", "HEAD"]).then(() => true, () => false);
    if (!hasHead) return found;
    const log = await this.git.raw(["log", "--format=%H%x00%B%x1e"]);
    for (const entry of log.split("\x1e")) {
      const [sha, body] = entry.trim().split("\x00");
      if (!sha || !body) continue;
      const trailer = (key: string) => body.match(new RegExp(`^${key}: (.+)$`, "m"))?.[1]?.trim();
      if (trailer(RUN_TRAILER) !== runId || trailer("L2MAC-Partial")) continue;
      const id = Number(trailer(INSTRUCTION_TRAILER));
      // Newest first: keep the latest commit of each instruction; the body's first paragraph after the subject is the summary.
      if (Number.isInteger(id) && !found.has(id)) found.set(id, { sha, summary: body.split("\n\n")[1]?.trim() ?? "" });
    }
    return found;
  }
}
