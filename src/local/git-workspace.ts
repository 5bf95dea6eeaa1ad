import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { CheckRepoActions, simpleGit, type SimpleGit } from "simple-git";
import { combineDenials, denyPrefixes, type PathDenial } from "../engine/paths.js";
import { GitFileStore } from "../git/git-file-store.js";

/** The CLI's bookkeeping folder inside the workspace: never shown to the agent, never committed. */
export const META_DIR = ".l2mac";

const hideMeta = denyPrefixes([META_DIR], "it holds the run's own state");

/** The local file store: a directory that is its own git repository, one commit per instruction. */
export class GitWorkspace extends GitFileStore {
  // The exclude file keeps .l2mac/ out of `git status`; this keeps it out of commits even if a .gitignore says `!/.l2mac/`.
  protected override readonly neverCommitted = [META_DIR];

  /** The workspace's git, for the run's branch (run-branch.ts). */
  get repository(): SimpleGit {
    return this.git;
  }

  static async open(root: string, options: { deny?: PathDenial } = {}): Promise<GitWorkspace> {
    await mkdir(root, { recursive: true });
    const git = simpleGit(root);
    // The root check matters: ./workspace usually sits inside the user's own repository.
    if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT).catch(() => false))) {
      await git.init(["--initial-branch=main"]);
    }
    // Commits must not depend on the user's global git identity being set.
    if (!(await git.getConfig("user.email")).value) {
      await git.addConfig("user.name", "L2MAC");
      await git.addConfig("user.email", "l2mac@localhost");
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
