import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Git plumbing straight on the fake's bare repositories: no working tree, no HTTP.
 * This is how the fake reads content for the REST API and how tests inspect or move branches.
 */

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** The caller's GIT_* variables (a test's GIT_DIR, GIT_CONFIG_COUNT…) must not leak into the fake's own git. */
export function cleanGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("GIT_")) env[key] = value;
  return { ...env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", ...extra };
}

export function runGit(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: options.cwd, env: cleanGitEnv(options.env) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.end(options.input);
  });
}

export async function git(
  gitDir: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<string> {
  const result = await runGit(["--git-dir", gitDir, ...args], options);
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout.toString("utf8");
}

export async function initBareRepo(gitDir: string, defaultBranch: string): Promise<void> {
  const init = await runGit(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, gitDir]);
  if (init.code !== 0) throw new Error(`git init failed: ${init.stderr}`);
  const settings: Array<[string, string]> = [
    ["http.receivepack", "true"],
    // The app clones with --filter=blob:none and may fetch single commits.
    ["uploadpack.allowFilter", "true"],
    ["uploadpack.allowAnySHA1InWant", "true"],
    // Like a protected history: a force push must fail visibly.
    ["receive.denyNonFastForwards", "true"],
  ];
  for (const [key, value] of settings) await git(gitDir, ["config", key, value]);
}

export async function revParse(gitDir: string, ref: string): Promise<string | undefined> {
  const result = await runGit(["--git-dir", gitDir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
}

export async function branchSha(gitDir: string, branch: string): Promise<string | undefined> {
  return revParse(gitDir, `refs/heads/${branch}`);
}

/** A branch deleted as a writer would on GitHub (its ref removed; the commits stay reachable by sha). */
export async function deleteBranch(gitDir: string, branch: string): Promise<void> {
  await git(gitDir, ["update-ref", "-d", `refs/heads/${branch}`]);
}

export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGit(["--git-dir", gitDir, "merge-base", "--is-ancestor", ancestor, descendant]);
  return result.code === 0;
}

export interface ObjectInfo {
  sha: string;
  type: "blob" | "tree" | "commit" | "tag";
  size: number;
}

/** `ref:path` lookup in one spawn; undefined when the ref or the path is missing. */
export async function objectAt(gitDir: string, ref: string, filePath: string): Promise<ObjectInfo | undefined> {
  const result = await runGit(["--git-dir", gitDir, "cat-file", "--batch-check"], { input: `${ref}:${filePath}\n` });
  const match = /^([0-9a-f]{40}) (blob|tree|commit|tag) (\d+)$/.exec(result.stdout.toString("utf8").trim());
  if (!match) return undefined;
  return { sha: match[1]!, type: match[2] as ObjectInfo["type"], size: Number(match[3]) };
}

export async function readBlob(gitDir: string, sha: string): Promise<Buffer> {
  const result = await runGit(["--git-dir", gitDir, "cat-file", "blob", sha]);
  if (result.code !== 0) throw new Error(`git cat-file blob ${sha} failed: ${result.stderr}`);
  return result.stdout;
}

export interface TreeEntry {
  name: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size: number;
}

export async function listTree(gitDir: string, treeSha: string): Promise<TreeEntry[]> {
  const text = await git(gitDir, ["ls-tree", "-l", "-z", treeSha]);
  return text
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const [meta = "", name = ""] = line.split("\t");
      const [, type = "blob", sha = "", size = "0"] = meta.split(/\s+/);
      return { name, type: type as TreeEntry["type"], sha, size: Number(size) || 0 };
    });
}

export async function listBranches(gitDir: string): Promise<string[]> {
  const text = await git(gitDir, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]);
  return text.split("\n").filter(Boolean);
}

export async function logCommits(gitDir: string, ref: string): Promise<Array<{ sha: string; message: string; author: string }>> {
  const text = await git(gitDir, ["log", "--format=%H%x00%an <%ae>%x00%B%x1e", ref, "--"]);
  return text
    .split("\x1e")
    .map((record) => record.replace(/^\n/, ""))
    .filter(Boolean)
    .map((record) => {
      const [sha = "", author = "", message = ""] = record.split("\0");
      return { sha, author, message: message.trimEnd() };
    });
}

/** "Name <email>" or a bare login, which gets a noreply address like GitHub's. */
function identity(author: string): Record<string, string> {
  const match = /^(.*?)\s*<([^>]*)>$/.exec(author);
  const name = match ? match[1]! : author;
  const email = match ? match[2]! : `${author}@users.noreply.example.com`;
  return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
}

/**
 * A file's content: text, bytes, a symbolic link (git mode 120000) to `symlink`, or the contents of the
 * local file `from` (read by git, so a test can commit a file of many megabytes without holding it).
 */
export type FileContent = string | Buffer | { symlink: string } | { from: string };

/**
 * One commit of `files` on top of `branch` (or of `startFrom` when the branch is new), written with a
 * throw-away index so no working clone is needed. The ref moves with a compare-and-swap, like a push.
 */
export async function commitFiles(
  gitDir: string,
  input: { branch: string; startFrom?: string; files: Record<string, FileContent>; message: string; author: string },
): Promise<string> {
  const current = await branchSha(gitDir, input.branch);
  const parent = current ?? (input.startFrom === undefined ? undefined : await branchSha(gitDir, input.startFrom));
  const env = { ...identity(input.author), GIT_INDEX_FILE: path.join(gitDir, `fake-index-${randomUUID()}`) };
  try {
    if (parent) await git(gitDir, ["read-tree", parent], { env });
    // Two spawns for the whole commit, however many files: the blobs from files on disk, then the index.
    const staging = await mkdtemp(path.join(tmpdir(), "fake-blobs-"));
    try {
      const entries: Array<{ filePath: string; source: string; mode: string }> = [];
      for (const [filePath, content] of Object.entries(input.files)) {
        const link = typeof content === "object" && "symlink" in content ? content.symlink : undefined;
        const from = typeof content === "object" && "from" in content ? content.from : undefined;
        const data = link ?? (typeof content === "string" || Buffer.isBuffer(content) ? content : "");
        const source = from ?? path.join(staging, String(entries.length));
        // One at a time: thousands of files must not open thousands of descriptors at once.
        if (from === undefined) await writeFile(source, data);
        entries.push({ filePath, source, mode: link === undefined ? "100644" : "120000" });
      }
      if (entries.length > 0) {
        const hashes = (await git(gitDir, ["hash-object", "-w", "--stdin-paths"], { input: entries.map((e) => `${e.source}\n`).join("") }))
          .trim()
          .split("\n");
        const info = entries.map((e, i) => `${e.mode} ${hashes[i]}\t${e.filePath}\n`).join("");
        await git(gitDir, ["update-index", "--add", "--index-info"], { env, input: info });
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    const tree = (await git(gitDir, ["write-tree"], { env })).trim();
    const commit = (
      await git(gitDir, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-F", "-"], { env, input: input.message })
    ).trim();
    await git(gitDir, ["update-ref", `refs/heads/${input.branch}`, commit, current ?? "0".repeat(40)]);
    return commit;
  } finally {
    await rm(env.GIT_INDEX_FILE, { force: true });
  }
}
