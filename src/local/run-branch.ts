import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SimpleGit } from "simple-git";
import { z } from "zod";
import { META_DIR } from "./git-workspace.js";

/** A run in a repository with history: the branch it commits on, and the branch it started from. */
export interface RunBranch {
  branch: string;
  base: string;
}

/** Raised when the run must not touch the repository's branches; the CLI reports it as a usage error. */
export class RunBranchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunBranchError";
  }
}

/** The working tree holds changes that are not the run's. */
export class DirtyTreeError extends RunBranchError {
  constructor(message: string) {
    super(message);
    this.name = "DirtyTreeError";
  }
}

/** `.l2mac/branch` as a run wrote it: only a branch of the run's own making is gone back to. */
const SavedBranch = z.object({ branch: z.string().regex(/^l2mac\/[a-z0-9][a-z0-9-]*$/), base: z.string().max(300) });

export const taskSlug = (task: string): string =>
  task
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40)
    .replace(/-$/, "") || "run";

function safeJson<T>(text: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const branchFile = (root: string): string => join(root, META_DIR, "branch");

async function refuseDirty(git: SimpleGit, root: string): Promise<void> {
  // Untracked files count: the run commits everything it finds, and they are not the run's to commit.
  const status = (await git.raw(["status", "--porcelain", "--untracked-files=all"])).split("\n").filter(Boolean);
  if (status.length === 0) return;
  const sample = `${status
    .slice(0, 3)
    .map((l) => l.slice(3))
    .join(", ")}${status.length > 3 ? ", …" : ""}`;
  throw new DirtyTreeError(
    `${root} has uncommitted changes (${status.length} file${status.length === 1 ? "" : "s"}: ${sample}). ` +
      "Commit or stash them first: l2mac works on a new branch and leaves your branch and your changes alone.",
  );
}

const currentBranch = async (git: SimpleGit): Promise<string> => {
  const name = (await git.raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim();
  return name === "HEAD" ? (await git.revparse(["--short", "HEAD"])).trim() : name;
};

/**
 * In a repository that already has history, a new run works on a branch of its own (`l2mac/<slug>`, from
 * the current commit) and a resumed one goes back to that branch; a fresh workspace (no commits yet) gets
 * neither and is committed to as it is. The tree must be clean before anything is checked out.
 */
export async function prepareRunBranch(git: SimpleGit, root: string, task: string, resume: boolean): Promise<RunBranch | undefined> {
  const hasHistory = await git.revparse(["--verify", "HEAD"]).then(
    () => true,
    () => false,
  );
  if (!hasHistory) return undefined;
  if (resume) {
    const text = await readFile(branchFile(root), "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    const saved = safeJson(text, SavedBranch);
    if (!saved) {
      throw new RunBranchError(
        `${branchFile(root)} does not name a branch l2mac made (l2mac/<task>); the run was not resumed, and no branch was checked out.`,
      );
    }
    if ((await currentBranch(git)) !== saved.branch) {
      await refuseDirty(git, root);
      await git.checkout(saved.branch);
    }
    return saved;
  }
  await refuseDirty(git, root);
  const base = await currentBranch(git);
  const taken = new Set((await git.branchLocal()).all);
  const stem = `l2mac/${taskSlug(task)}`;
  let branch = stem;
  for (let n = 2; taken.has(branch); n++) branch = `${stem}-${n}`;
  await git.checkout(["-b", branch]);
  await mkdir(join(root, META_DIR), { recursive: true });
  await writeFile(branchFile(root), JSON.stringify({ branch, base }));
  return { branch, base };
}
