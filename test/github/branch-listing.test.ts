import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { BranchStore } from "../../src/github/branch-store.js";

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A bare origin with `a.ts` on main, and a second clone a human pushes from. */
async function origin() {
  const root = await mkdtemp(join(tmpdir(), "l2mac-branch-listing-"));
  dirs.push(root);
  const bare = join(root, "origin.git");
  const human = join(root, "human");
  const git = (cwd: string, ...args: string[]) => run("git", ["-c", "user.name=h", "-c", "user.email=h@e", ...args], { cwd });
  await run("git", ["init", "-q", "--bare", "-b", "main", bare]);
  await run("git", ["clone", "-q", bare, human]);
  await git(human, "checkout", "-q", "-b", "main");
  await writeFile(join(human, "a.ts"), "a\n");
  await writeFile(join(human, ".gitignore"), "dist/\n");
  await git(human, "add", "-A");
  await git(human, "commit", "-q", "-m", "a");
  await git(human, "push", "-q", "origin", "main");
  const store = await BranchStore.checkout({
    dir: join(root, "work"),
    cloneUrl: `file://${bare}`,
    branch: "l2mac/issue-1",
    baseBranch: "main",
    token: async () => "unused",
    author: { name: "l2mac[bot]", email: "bot@example.com" },
  });
  return { store, human, git };
}

describe("the branch's kept listing", () => {
  it("shows the store's own writes and deletes at once", async () => {
    const { store } = await origin();
    expect(await store.list()).toEqual([".gitignore", "a.ts"]);
    await store.write("src/b.ts", "b\n");
    expect(await store.list()).toEqual([".gitignore", "a.ts", "src/b.ts"]);
    // What git ignores stays out of the listing, as a fresh scan would leave it out.
    await store.write("dist/out.js", "x\n");
    expect(await store.list()).toEqual([".gitignore", "a.ts", "src/b.ts"]);
    await store.delete("a.ts");
    expect(await store.list()).toEqual([".gitignore", "src/b.ts"]);
    // A caller changing what it was given changes nothing for the next.
    (await store.list()).push("ghost.ts");
    expect(await store.list()).toEqual([".gitignore", "src/b.ts"]);
    // A new .gitignore changes what is listed.
    await store.write(".gitignore", "dist/\nsrc/\n");
    expect(await store.list()).toEqual([".gitignore"]);
    await store.write(".gitignore", "dist/\n");
    expect(await store.list()).toEqual([".gitignore", "src/b.ts"]);
  });

  it("shows what a human pushed once a push has rebased onto it", async () => {
    const { store, human, git } = await origin();
    await store.write("b.ts", "b\n");
    await store.commit("b", { "L2MAC-Run": "r1", "L2MAC-Instruction": "1" });
    expect((await store.push()).ok).toBe(true);
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts"]);
    await git(human, "fetch", "-q", "origin");
    await git(human, "checkout", "-q", "-b", "l2mac/issue-1", "origin/l2mac/issue-1");
    await writeFile(join(human, "human.ts"), "h\n");
    await git(human, "add", "-A");
    await git(human, "commit", "-q", "-m", "human");
    await git(human, "push", "-q", "origin", "l2mac/issue-1");
    await store.write("c.ts", "c\n");
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts", "c.ts"]);
    await store.commit("c", { "L2MAC-Run": "r1", "L2MAC-Instruction": "2" });
    // Rejected, fetched, rebased onto the human's commit, pushed.
    expect((await store.push()).ok).toBe(true);
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts", "c.ts", "human.ts"]);
  });
});
