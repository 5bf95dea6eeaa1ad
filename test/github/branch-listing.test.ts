import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { renderListing } from "../../src/engine/tools/listing.js";
import { BranchStore } from "../../src/github/branch-store.js";

const run = promisify(execFile);
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A bare origin with `a.ts` and a `.gitignore` on main, a second clone a human pushes from, and the app's store. */
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
  const options = {
    dir: join(root, "work"),
    cloneUrl: `file://${bare}`,
    branch: "l2mac/issue-1",
    baseBranch: "main",
    token: async () => "unused",
    author: { name: "l2mac[bot]", email: "bot@example.com" },
  };
  /** The human's commit of `file` on the run's branch, pushed. */
  const humanPushes = async (file: string) => {
    await git(human, "fetch", "-q", "origin");
    await git(human, "checkout", "-q", "-B", "l2mac/issue-1", "origin/l2mac/issue-1");
    await writeFile(join(human, file), "h\n");
    await git(human, "add", "-A");
    await git(human, "commit", "-q", "-m", "human");
    await git(human, "push", "-q", "origin", "l2mac/issue-1");
  };
  return { store: await BranchStore.checkout(options), options, humanPushes };
}

describe("the branch's kept listing", () => {
  it("shows the store's own writes and deletes in the next listing, and leaves out what git ignores", async () => {
    const { store } = await origin();
    expect(await store.list()).toEqual([".gitignore", "a.ts"]);
    await store.write("src/b.ts", "b\n");
    expect(await store.list()).toEqual([".gitignore", "a.ts", "src/b.ts"]);
    // Written, but ignored: a fresh scan would leave it out too.
    await store.write("dist/out.js", "x\n");
    expect(await store.list()).toEqual([".gitignore", "a.ts", "src/b.ts"]);
    await store.delete("a.ts");
    expect(await store.list()).toEqual([".gitignore", "src/b.ts"]);
    // A new .gitignore changes what is listed.
    await store.write(".gitignore", "dist/\nsrc/\n");
    expect(await store.list()).toEqual([".gitignore"]);
    await store.write(".gitignore", "dist/\n");
    expect(await store.list()).toEqual([".gitignore", "src/b.ts"]);
  });

  it("hands out a listing no caller can change, and renders of it follow the store's changes", async () => {
    const { store } = await origin();
    const first = await store.list();
    expect(() => (first as string[]).push("ghost.ts")).toThrow(TypeError);
    expect(await store.list()).toEqual([".gitignore", "a.ts"]);
    expect(renderListing(await store.list(), 2000)).toBe("2 files:\n.gitignore\na.ts");
    await store.write("b.ts", "b\n");
    expect(renderListing(await store.list(), 2000)).toBe("3 files:\n.gitignore\na.ts\nb.ts");
    await store.delete("b.ts");
    expect(renderListing(await store.list(), 2000)).toBe("2 files:\n.gitignore\na.ts");
  });

  it("shows a commit someone else pushed once the store's push has fetched and rebased onto it", async () => {
    const { store, humanPushes } = await origin();
    await store.write("b.ts", "b\n");
    await store.commit("b", { "L2MAC-Run": "r1", "L2MAC-Instruction": "1" });
    expect((await store.push()).ok).toBe(true);
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts"]);
    await humanPushes("human.ts");
    await store.write("c.ts", "c\n");
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts", "c.ts"]);
    await store.commit("c", { "L2MAC-Run": "r1", "L2MAC-Instruction": "2" });
    // Rejected, fetched, rebased onto the human's commit, pushed.
    expect((await store.push()).ok).toBe(true);
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts", "c.ts", "human.ts"]);
  });

  it("shows what was pushed meanwhile when the branch is checked out again", async () => {
    const { store, options, humanPushes } = await origin();
    await store.write("b.ts", "b\n");
    await store.commit("b", { "L2MAC-Run": "r1", "L2MAC-Instruction": "1" });
    expect((await store.push()).ok).toBe(true);
    expect(await store.list()).toEqual([".gitignore", "a.ts", "b.ts"]);
    await humanPushes("human.ts");
    const again = await BranchStore.checkout(options);
    expect(await again.list()).toEqual([".gitignore", "a.ts", "b.ts", "human.ts"]);
  });
});
