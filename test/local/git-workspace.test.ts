import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitWorkspace } from "../../src/local/git-workspace.js";
import { ShellEvaluator } from "../../src/local/shell-evaluator.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-ws-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("GitWorkspace", () => {
  it("commits with trailers, skips empty commits and finds instruction commits by trailer", async () => {
    const ws = await GitWorkspace.open(join(dir, "w"));
    expect(await ws.commit("nothing", { "L2MAC-Run": "r1" })).toBeUndefined();
    await ws.write("a.txt", "a");
    const sha = await ws.commit("Add a\n\nWrote a.txt.", { "L2MAC-Run": "r1", "L2MAC-Instruction": "1" });
    await ws.write("b.txt", "b");
    await ws.commit("Part of b (partial)\n\nStopped.", { "L2MAC-Run": "r1", "L2MAC-Instruction": "2", "L2MAC-Partial": "true" });
    await ws.write("c.txt", "c");
    await ws.commit("Other run", { "L2MAC-Run": "r2", "L2MAC-Instruction": "2" });
    const found = await ws.instructionCommits("r1");
    expect([...found.keys()]).toEqual([1]);
    expect(found.get(1)).toEqual({ sha, summary: "Wrote a.txt." });
    const body = await simpleGit(join(dir, "w")).raw(["log", "-1", "--format=%B", sha!]);
    expect(body).toContain("L2MAC-Run: r1\nL2MAC-Instruction: 1");
  });

  it("keeps its own .l2mac folder out of commits even inside another repository", async () => {
    await simpleGit(dir).init();
    const ws = await GitWorkspace.open(join(dir, "nested"));
    await ws.write("x.txt", "x");
    const { writeFile, mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "nested", ".l2mac"));
    await writeFile(join(dir, "nested", ".l2mac", "program.json"), "{}");
    await ws.commit("x", {});
    expect((await simpleGit(join(dir, "nested")).raw(["ls-files"])).trim()).toBe("x.txt");
    expect(await readFile(join(dir, "nested", ".git", "info", "exclude"), "utf8")).toContain("/.l2mac/");
  });
});

describe("GitWorkspace on an existing checkout", () => {
  it("opens a git worktree, whose .git is a file, and keeps .l2mac out through the exclude git reads", async () => {
    const base = join(dir, "base");
    const git = simpleGit(await mkdir(base, { recursive: true }).then(() => base));
    await git.init(["--initial-branch=main"]);
    await writeFile(join(base, "a.txt"), "a\n");
    await git.add(".");
    await git.raw(["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-m", "a"]);
    const tree = join(dir, "tree");
    await git.raw(["worktree", "add", "-b", "feature", tree]);
    const ws = await GitWorkspace.open(tree);
    await mkdir(join(tree, ".l2mac"));
    await writeFile(join(tree, ".l2mac", "program.json"), "{}");
    expect((await simpleGit(tree).raw(["status", "--porcelain", "--untracked-files=all"])).trim()).toBe("");
    await ws.write("b.txt", "b\n");
    await ws.commit("b", {});
    expect((await simpleGit(tree).raw(["ls-files"])).trim().split("\n")).toEqual(["a.txt", "b.txt"]);
  });

  it("never commits .l2mac, even when a .gitignore in the tree re-includes it", async () => {
    const ws = await GitWorkspace.open(join(dir, "w"));
    await ws.write(".gitignore", "!/.l2mac/\n");
    await ws.write("x.txt", "x");
    await mkdir(join(dir, "w", ".l2mac"));
    await writeFile(join(dir, "w", ".l2mac", "transcript.jsonl"), '{"prompt":"everything said to the model"}\n');
    await ws.commit("x", {});
    expect((await simpleGit(join(dir, "w")).raw(["ls-files"])).trim().split("\n")).toEqual([".gitignore", "x.txt"]);
  });
});

describe("GitWorkspace and the files the repository ignores", () => {
  it("neither reads, overwrites nor deletes an ignored file it did not write, and keeps its own", async () => {
    const root = join(dir, "project");
    const git = simpleGit(await mkdir(root, { recursive: true }).then(() => root));
    await git.init(["--initial-branch=main"]);
    await writeFile(join(root, ".gitignore"), ".env\ndist/\n*.local\n");
    await writeFile(join(root, "app.local"), "tracked though it matches\n");
    await git.add([".gitignore"]);
    await git.raw(["add", "-f", "app.local"]);
    await git.raw(["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-m", "init"]);
    await writeFile(join(root, ".env"), "OPENAI_API_KEY=sk-live-secret\n");
    const ws = await GitWorkspace.open(root);
    for (const attempt of [
      () => ws.read(".env"),
      () => ws.stat(".env"),
      async () => {
        for await (const _ of ws.lines(".env", 100)) void _;
      },
      () => ws.write(".env", "OPENAI_API_KEY=\n"),
      () => ws.delete(".env"),
    ]) {
      await expect(attempt()).rejects.toThrow(/"\.env" is ignored by the repository/);
    }
    expect(await readFile(join(root, ".env"), "utf8")).toBe("OPENAI_API_KEY=sk-live-secret\n");
    expect(await ws.read("app.local")).toBe("tracked though it matches\n");
    await ws.write("dist/bundle.js", "built();\n");
    expect(await ws.read("dist/bundle.js")).toBe("built();\n");
  });
});

describe("GitWorkspace in a repository without a git identity", () => {
  it("commits as L2MAC without writing an identity into the user's repository", async () => {
    const saved = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };
    process.env.GIT_CONFIG_GLOBAL = "/dev/null";
    process.env.GIT_CONFIG_NOSYSTEM = "1";
    try {
      const root = join(dir, "mine");
      const git = simpleGit(await mkdir(root, { recursive: true }).then(() => root));
      await git.init(["--initial-branch=main"]);
      await writeFile(join(root, "a.txt"), "a\n");
      await git.add(".");
      await git.raw(["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-m", "a"]);
      const ws = await GitWorkspace.open(root);
      await ws.write("b.txt", "b\n");
      await ws.commit("b", {});
      expect((await git.raw(["log", "-1", "--format=%an <%ae> / %cn"])).trim()).toBe("L2MAC <l2mac@localhost> / L2MAC");
      expect((await git.getConfig("user.email", "local")).value).toBeNull();
    } finally {
      for (const [key, value] of [
        ["GIT_CONFIG_GLOBAL", saved.global],
        ["GIT_CONFIG_NOSYSTEM", saved.nosystem],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

describe("ShellEvaluator", () => {
  it("passes on exit 0 and fails with the output otherwise", async () => {
    expect(await new ShellEvaluator("echo fine", dir).evaluate()).toMatchObject({ ok: true });
    const failed = await new ShellEvaluator("echo 'AssertionError: 2 != 3' >&2; exit 1", dir).evaluate();
    expect(failed).toEqual({ ok: false, output: expect.stringMatching(/exit code 1[\s\S]*AssertionError: 2 != 3/) });
  });

  it("counts a timeout as a failure (the reference counted it as a pass)", async () => {
    const result = await new ShellEvaluator("echo started; sleep 30", dir, 300).evaluate();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toMatch(/timed out after 0 s[\s\S]*started/);
  });
});
