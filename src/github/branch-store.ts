import { access, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import type { PathDenial } from "../engine/paths.js";
import { GitFileStore } from "../git/git-file-store.js";
import { errorMessage } from "../engine/error-message.js";

export interface BranchCheckoutOptions {
  /** The payload's `repository.clone_url`, so GitHub Enterprise works unchanged. */
  cloneUrl: string;
  dir: string;
  branch: string;
  baseBranch: string;
  /**
   * A fresh installation token; called before every network operation (tokens expire after an hour).
   * `refused`: GitHub answered 401 to the last one, so a new one is taken.
   */
  token: (refused?: boolean) => Promise<string>;
  author: { name: string; email: string };
  deny?: PathDenial;
  maxFileBytes?: number;
}

/** `gone`: the branch was on GitHub when this copy last saw it and is not any more (someone deleted it). */
export type PushResult = { ok: true; sha: string } | { ok: false; conflict: string[] } | { ok: false; gone: true };

// Only what git needs from the environment: the app's secrets never reach git, and variables that
// simple-git refuses as unsafe (EDITOR, PAGER, GIT_ASKPASS …) cannot break it.
const PASSED_ENV = [
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSL_CAINFO",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/**
 * The token travels as an HTTP header set through GIT_CONFIG_* variables of each git process: never in
 * the remote URL, `.git/config`, a command line or a log line. The header is scoped to the remote's
 * origin (`http.<origin>/.extraHeader`), so an LFS server, a submodule or a redirect elsewhere never gets it.
 */
export function gitEnv(token: string, cloneUrl: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_COUNT: "3",
    GIT_CONFIG_KEY_0: `http.${new URL(cloneUrl).origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    // Nothing in the working copy may make git run a program on this host (hooks, fsmonitor).
    GIT_CONFIG_KEY_1: "core.hooksPath",
    GIT_CONFIG_VALUE_1: "/dev/null",
    GIT_CONFIG_KEY_2: "core.fsmonitor",
    GIT_CONFIG_VALUE_2: "false",
  };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

// simple-git wants these settings opted into explicitly: GIT_CONFIG_COUNT carries the header, and the
// hooks path and fsmonitor are set to turn those off, not on.
const gitAt = (baseDir?: string): SimpleGit =>
  simpleGit({
    ...(baseDir ? { baseDir } : {}),
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeHooksPath: true, allowUnsafeFsMonitor: true },
  });

/** What git says when GitHub refuses its token. */
const REFUSED_AUTH = /returned error: 401|Authentication failed|could not read Username|Invalid username or password/i;

/**
 * The feature branch as a file store: a partial clone (`--filter=blob:none`, so large repositories
 * download only what is read) checked out on `l2mac/issue-<n>`, created from the default branch head
 * or reused when it exists. Pushes never force; if someone pushed meanwhile, fetch and rebase.
 */
export class BranchStore extends GitFileStore {
  private constructor(
    root: string,
    git: SimpleGit,
    private readonly branchOptions: BranchCheckoutOptions,
    /** Whether GitHub had the branch at checkout: a run that pushed before and finds it missing must not re-create it. */
    readonly remoteHad: boolean,
  ) {
    super(root, git, { deny: branchOptions.deny, maxFileBytes: branchOptions.maxFileBytes ?? 1_000_000 });
  }

  static async checkout(options: BranchCheckoutOptions): Promise<BranchStore> {
    const { dir, cloneUrl, branch, baseBranch } = options;
    const env = gitEnv(await options.token(), cloneUrl);
    if (await exists(join(dir, ".git"))) {
      // No origin (or no repository) answers as no URL: the directory is then cloned afresh.
      const remote = await gitAt(dir)
        .env(env)
        .remote(["get-url", "origin"])
        .catch(() => "");
      if ((remote || "").trim() !== cloneUrl) await rm(dir, { recursive: true, force: true });
    }
    if (!(await exists(join(dir, ".git")))) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(join(dir, ".."), { recursive: true });
      await gitAt().env(env).clone(cloneUrl, dir, ["--filter=blob:none", "--no-checkout", "--origin", "origin", "--branch", baseBranch]);
    }
    const git = gitAt(dir).env(env);
    await git.addConfig("user.name", options.author.name);
    await git.addConfig("user.email", options.author.email);
    await git.fetch("origin", `+refs/heads/${baseBranch}:refs/remotes/origin/${baseBranch}`);
    const remoteHas = await remoteHasBranch(git, branch);
    if (remoteHas) await git.fetch("origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
    const localHas = (await git.raw(["branch", "--list", branch])).trim() !== "";

    // Anything uncommitted was left by a crashed instruction: that instruction runs again from its start.
    // (A checkout with nothing to reset is as clean as one reset.)
    await git.raw(["reset", "--hard"]).catch(() => undefined);
    await git.raw(["clean", "-fdq"]);
    if (localHas) {
      await git.checkout(branch);
      // Keep local commits a crash left unpushed; take what others pushed.
      if (remoteHas)
        await git.rebase([`origin/${branch}`]).catch(async () => {
          // --abort fails only when the rebase never started: there is nothing to undo then.
          await git.rebase(["--abort"]).catch(() => undefined);
          await git.raw(["reset", "--hard", `origin/${branch}`]);
        });
    } else {
      await git.checkout(["-B", branch, remoteHas ? `origin/${branch}` : `origin/${baseBranch}`]);
    }
    return new BranchStore(dir, git, options, remoteHas);
  }

  // Only this store, its checkout and its push change this working copy: its listing can be kept.
  protected override readonly keepsListing = true;

  private async authorise(): Promise<void> {
    this.git.env(gitEnv(await this.branchOptions.token(), this.branchOptions.cloneUrl));
  }

  /**
   * Pushes HEAD to the branch without force; on rejection fetches, rebases and tries again. Once the
   * branch is known on GitHub, each push leases its last-seen head: a branch deleted meanwhile rejects
   * the push (reported as `gone`) instead of being created again.
   */
  async push(): Promise<PushResult> {
    try {
      return await this.pushOnce();
    } catch (e) {
      // A token GitHub stopped taking (revoked, or expired early): once more with a new one.
      if (!REFUSED_AUTH.test(errorMessage(e))) throw e;
      // Refused, the kept token is replaced; the push's own authorise then takes the new one.
      await this.branchOptions.token(true);
      return this.pushOnce();
    }
  }

  private async pushOnce(): Promise<PushResult> {
    const { branch } = this.branchOptions;
    for (let attempt = 1; ; attempt++) {
      await this.authorise();
      const seen = await this.remoteHead();
      // The lease only ever pins a head HEAD descends from, so the push stays a fast-forward.
      const lease = seen && (await this.isAncestor(seen, "HEAD")) ? [`--force-with-lease=refs/heads/${branch}:${seen}`] : [];
      try {
        await this.git.push(["origin", `HEAD:refs/heads/${branch}`, ...lease]);
        return { ok: true, sha: (await this.head())! };
      } catch (e) {
        const message = errorMessage(e);
        if (attempt >= 3 || !/rejected|non-fast-forward|fetch first|stale info/i.test(message)) throw e;
      }
      if (seen && !(await remoteHasBranch(this.git, branch))) return { ok: false, gone: true };
      await this.git.fetch("origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
      // A rebase onto what someone else pushed changes the tree (and one that fails, until it is aborted).
      this.forgetListing();
      try {
        await this.git.rebase([`origin/${branch}`]);
        this.forgetListing();
      } catch {
        const conflict = (await this.git.raw(["diff", "--name-only", "--diff-filter=U"])).split("\n").filter(Boolean);
        // --abort fails only when the rebase never started: there is nothing to undo then.
        await this.git.rebase(["--abort"]).catch(() => undefined);
        this.forgetListing();
        return { ok: false, conflict };
      }
    }
  }

  /** The branch's head on GitHub as this copy last saw it (fetched or pushed), if it ever saw it. */
  private remoteHead(): Promise<string> {
    return this.git.raw(["rev-parse", "--verify", "-q", `refs/remotes/origin/${this.branchOptions.branch}`]).then(
      (s) => s.trim(),
      () => "",
    );
  }

  /** Whether `ancestor` is in the history of `descendant`. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.git.raw(["merge-base", "--is-ancestor", ancestor, descendant]).then(
      () => true,
      () => false,
    );
  }

  /** Commits here that GitHub does not have yet (a crash between commit and push): pushed now. */
  async pushIfAhead(): Promise<PushResult | undefined> {
    const remote = await this.remoteHead();
    const ahead = remote ? Number((await this.git.raw(["rev-list", "--count", `${remote}..HEAD`])).trim()) : await this.aheadOfBase();
    return ahead > 0 ? this.push() : undefined;
  }

  /** Commits on the branch that are not on the default branch: whether a pull request has anything to show. */
  async aheadOfBase(): Promise<number> {
    const count = await this.git.raw(["rev-list", "--count", `origin/${this.branchOptions.baseBranch}..HEAD`]);
    return Number(count.trim()) || 0;
  }
}

/** Whether GitHub has the branch now (one `ls-remote`). */
async function remoteHasBranch(git: SimpleGit, branch: string): Promise<boolean> {
  return (await git.raw(["ls-remote", "--heads", "origin", `refs/heads/${branch}`])).trim() !== "";
}
