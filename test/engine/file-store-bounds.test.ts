import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import type { FileLine, FileStore } from "../../src/engine/file-store.js";
import { PathError } from "../../src/engine/paths.js";
import { GitFileStore } from "../../src/git/git-file-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-bounds-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A repository holding what an attacker can commit: links that loop, a link to a folder, a binary file. */
async function hostileTree(root: string): Promise<void> {
  await mkdir(join(root, "src"), { recursive: true });
  await writeFile(join(root, "src", "app.ts"), "export const a = 1;\n");
  await symlink("loop", join(root, "loop"));
  await symlink("ping", join(root, "pong"));
  await symlink("pong", join(root, "ping"));
  await symlink("src", join(root, "src-link"));
  await writeFile(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
}

const stores: Array<[string, (root: string) => Promise<FileStore>]> = [
  ["DirectoryFileStore", async (root) => new DirectoryFileStore(root)],
  [
    "GitFileStore",
    async (root) => {
      const git = simpleGit(root);
      await git.init(["--initial-branch=main"]);
      await git.addConfig("user.name", "t").addConfig("user.email", "t@example.com");
      await git.add(["-A"]);
      await git.commit("hostile tree");
      return new GitFileStore(root, git);
    },
  ],
];

async function drain(lines: AsyncIterable<FileLine>): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe.each(stores)("%s on a hostile tree", (_name, open) => {
  it("reports looping links and linked folders with the repository path, never the server's", async () => {
    const root = join(dir, "repo");
    await hostileTree(root);
    const store = await open(root);
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["read loop", () => store.read("loop")],
      ["stat loop", () => store.stat("loop")],
      ["lines loop", () => drain(store.lines("loop", 100))],
      ["read ping", () => store.read("ping")],
      ["read under a loop", () => store.read("loop/x.txt")],
      ["delete loop", () => store.delete("loop")],
      ["write under a loop", () => store.write("loop/x.txt", "x")],
      ["read a linked folder", () => store.read("src-link")],
      ["stat a linked folder", () => store.stat("src-link")],
      ["read a folder", () => store.read("src")],
    ];
    for (const [what, attempt] of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(PathError);
      const message = (error as Error).message;
      expect(message, what).not.toContain(dir);
      expect(message, what).not.toMatch(/E[A-Z]{3,}:/);
    }
    await expect(store.read("loop")).rejects.toThrow(/"loop" goes through a symbolic link that loops/);
    await expect(store.read("src-link")).rejects.toThrow(/"src-link" is a directory; use list_files/);
    // The links are not listed; the file is.
    expect(await store.list()).toEqual(["logo.png", "src/app.ts"]);
  });

  it("tells a file's size and whether it is binary without reading it all", async () => {
    const root = join(dir, "repo");
    await hostileTree(root);
    await writeFile(join(root, "late-nul.txt"), `${"x".repeat(9000)}\u0000`);
    const store = await open(root);
    expect(await store.stat("logo.png")).toEqual({ size: 12, binary: true });
    expect(await store.stat("src/app.ts")).toEqual({ size: 20, binary: false });
    // Like git, only the start is looked at.
    expect(await store.stat("late-nul.txt")).toEqual({ size: 9001, binary: false });
    expect(await store.stat("missing.txt")).toBeUndefined();
  });
});

describe("DirectoryFileStore lines", () => {
  it("streams lines, cutting long ones to the byte limit and dropping CRs and the final newline", async () => {
    const root = join(dir, "r");
    await mkdir(root);
    await writeFile(join(root, "f.txt"), `one\r\ntwo\n${"é".repeat(100)}\n\nlast`);
    const store = new DirectoryFileStore(root);
    expect(await drain(store.lines("f.txt", 51))).toEqual([
      { text: "one", cut: false },
      { text: "two", cut: false },
      // 51 bytes end inside the 26th "é": the partial character is left out.
      { text: "é".repeat(25), cut: true },
      { text: "", cut: false },
      { text: "last", cut: false },
    ]);
    // From a later line: the earlier ones are skipped, however long.
    expect(await drain(store.lines("f.txt", 51, 4))).toEqual([
      { text: "", cut: false },
      { text: "last", cut: false },
    ]);
    expect(await drain(store.lines("f.txt", 51, 9))).toEqual([]);
    await writeFile(join(root, "g.txt"), "a\nb\n");
    expect((await drain(store.lines("g.txt", 10))).map((l) => l.text)).toEqual(["a", "b"]);
    await expect(drain(store.lines("nope.txt", 10))).rejects.toThrow(/"nope.txt" does not exist/);
  });

  it("holds one cut line of a file that is a single 20 MB line", async () => {
    const root = join(dir, "r");
    await mkdir(root);
    await writeFile(join(root, "one-line.min.js"), Buffer.alloc(20 << 20, "a"));
    const store = new DirectoryFileStore(root);
    const lines = await drain(store.lines("one-line.min.js", 2000));
    expect(lines).toEqual([{ text: "a".repeat(2000), cut: true }]);
  });

  it("refuses a named pipe instead of blocking on it", { timeout: 10_000 }, async () => {
    const root = join(dir, "r");
    await mkdir(root);
    execFileSync("mkfifo", [join(root, "pipe")]);
    const store = new DirectoryFileStore(root);
    await expect(store.read("pipe")).rejects.toThrow(/"pipe" is not a regular file/);
    await expect(store.stat("pipe")).rejects.toThrow(/"pipe" is not a regular file/);
  });
});
