import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareRunBranch } from "../../src/local/run-branch.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-branch-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function repoOnDev(): Promise<string> {
  const repo = join(dir, "repo");
  const git = simpleGit(await mkdir(repo, { recursive: true }).then(() => repo));
  await git.init(["--initial-branch=main"]);
  await git.addConfig("user.name", "Dev");
  await git.addConfig("user.email", "dev@example.com");
  await writeFile(join(repo, "a.txt"), "a\n");
  await git.add(".");
  await git.commit("a");
  await git.checkout(["-b", "dev"]);
  await writeFile(join(repo, ".git", "info", "exclude"), "/.l2mac/\n");
  return repo;
}

describe("prepareRunBranch on --resume", () => {
  it("goes back to no branch that .l2mac/branch names unless l2mac made it", async () => {
    const repo = await repoOnDev();
    await mkdir(join(repo, ".l2mac"));
    for (const saved of ['{"branch":"main","base":"dev"}', '{"branch":"-f","base":"dev"}', '{"branch":5}', "not json"]) {
      await writeFile(join(repo, ".l2mac", "branch"), saved);
      await expect(prepareRunBranch(simpleGit(repo), repo, "t", true), saved).rejects.toThrow(/does not name a branch l2mac made/);
      expect((await simpleGit(repo).raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("dev");
    }
  });

  it("goes back to the run's own branch", async () => {
    const repo = await repoOnDev();
    const made = await prepareRunBranch(simpleGit(repo), repo, "Add a fee cap", false);
    expect(made).toEqual({ branch: "l2mac/add-a-fee-cap", base: "dev" });
    await simpleGit(repo).checkout("dev");
    expect(await prepareRunBranch(simpleGit(repo), repo, "ignored", true)).toEqual(made);
    expect((await simpleGit(repo).raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("l2mac/add-a-fee-cap");
  });
});
