import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import { denyPrefixes, normaliseStorePath, PathError } from "../../src/engine/paths.js";

describe("normaliseStorePath", () => {
  it.each([
    ["src/app.ts", "src/app.ts"],
    ["./src//app.ts", "src/app.ts"],
    ["src\\app.ts", "src/app.ts"],
    ["  README.md ", "README.md"],
  ])("accepts %j as %j", (input, out) => expect(normaliseStorePath(input)).toBe(out));

  it.each([
    ["../x", /leaves the repository/],
    ["a/../../x", /leaves the repository/],
    ["/etc/passwd", /absolute/],
    ["C:\\Windows\\x", /absolute/],
    ["~/x", /absolute/],
    [".git/config", /inside \.git/],
    ["sub/.GIT/hooks/pre-commit", /inside \.git/],
    ["", /empty/],
    ["./", /does not name a file/],
    ["a\u0000b", /control characters/],
  ])("refuses %j", (input, reason) => {
    expect(() => normaliseStorePath(input)).toThrow(PathError);
    expect(() => normaliseStorePath(input)).toThrow(reason);
  });

  it("applies a deny-list hook case-insensitively", () => {
    const deny = denyPrefixes([".github/workflows/"], "the configuration does not allow workflow changes");
    expect(() => normaliseStorePath(".GitHub/Workflows/ci.yml", deny)).toThrow(/does not allow workflow changes/);
    expect(normaliseStorePath(".github/dependabot.yml", deny)).toBe(".github/dependabot.yml");
  });
});

describe("DirectoryFileStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "l2mac-store-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("lists, reads, writes and deletes inside its root, skipping .git and pruning empty folders", async () => {
    const store = new DirectoryFileStore(join(dir, "r"));
    await store.write("a/b/c.txt", "c");
    await store.write("z.txt", "z");
    await mkdir(join(dir, "r", ".git"));
    await writeFile(join(dir, "r", ".git", "HEAD"), "x");
    expect(await store.list()).toEqual(["a/b/c.txt", "z.txt"]);
    expect(await store.read("a/b/c.txt")).toBe("c");
    expect(await store.read("nope.txt")).toBeUndefined();
    expect(await store.delete("a/b/c.txt")).toBe(true);
    expect(await store.delete("a/b/c.txt")).toBe(false);
    expect(await store.list()).toEqual(["z.txt"]);
  });

  it("refuses reads and writes through a symlink that leaves the root, and does not list it", async () => {
    await mkdir(join(dir, "outside"));
    await writeFile(join(dir, "outside", "secret.txt"), "secret");
    await mkdir(join(dir, "r"));
    await symlink(join(dir, "outside"), join(dir, "r", "link"));
    await symlink(join(dir, "outside", "secret.txt"), join(dir, "r", "file-link"));
    const store = new DirectoryFileStore(join(dir, "r"));
    await expect(store.read("link/secret.txt")).rejects.toThrow(/symbolic link/);
    await expect(store.read("file-link")).rejects.toThrow(/symbolic link/);
    await expect(store.write("link/new.txt", "x")).rejects.toThrow(/symbolic link/);
    expect(await store.list()).toEqual([]);
  });

  it("refuses a symlink into .git and writes through any link, even inside the root", async () => {
    const root = join(dir, "r");
    await mkdir(join(root, ".git", "hooks"), { recursive: true });
    await writeFile(join(root, ".git", "config"), "[core]\n");
    await mkdir(join(root, "real"));
    await symlink(join(root, ".git"), join(root, "docs"));
    await symlink(join(root, "real"), join(root, "alias"));
    const store = new DirectoryFileStore(root);
    await expect(store.write("docs/hooks/pre-commit", "#!/bin/sh\nid\n")).rejects.toThrow(/symbolic link/);
    await expect(store.read("docs/config")).rejects.toThrow(/leads into \.git/);
    await expect(store.write("alias/x.txt", "x")).rejects.toThrow(/does not write through links/);
    await expect(store.delete("docs/config")).rejects.toThrow(/symbolic link/);
    await store.write("real/x.txt", "x");
    expect(await store.read("alias/x.txt")).toBe("x");
  });

  it("enforces the per-file size limit and the hidden folders", async () => {
    const store = new DirectoryFileStore(join(dir, "r"), { maxFileBytes: 10, hidden: denyPrefixes([".l2mac"], "state") });
    await expect(store.write("big.txt", "x".repeat(11))).rejects.toThrow(/over the 10-byte limit/);
    await expect(store.read(".l2mac/program.json")).rejects.toThrow(/not part of the file store/);
  });
});
