import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import type { FileStore } from "../../src/engine/file-store.js";
import { denyPrefixes } from "../../src/engine/paths.js";
import { callTool } from "../support/tool-call.js";
import { GitFileStore } from "../../src/git/git-file-store.js";

let dir: string;
let root: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-search-"));
  root = join(dir, "repo");
  await mkdir(join(root, "src", "billing"), { recursive: true });
  await writeFile(
    join(root, "src", "billing", "fees.ts"),
    "export function feeFor(amount) {\n  return amount * 0.02;\n}\n// FeeFor is used by invoices\n",
  );
  await writeFile(join(root, "src", "invoice.ts"), "import { feeFor } from './billing/fees';\nconst total = feeFor(10);\n");
  await writeFile(join(root, "README.md"), "Fees are computed by feeFor.\n");
  await writeFile(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0, 0, 0x66, 0x65, 0x65, 0x46, 0x6f, 0x72]));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const search = (args: Record<string, unknown>, store: FileStore = new DirectoryFileStore(root), budget = 4000) =>
  callTool("search_files", args, store, budget);

describe("search_files", () => {
  it("finds a literal string case-insensitively by default, as path:line: text", async () => {
    const out = await search({ pattern: "feefor(" });
    expect(out.ok).toBe(true);
    expect(out.text).toBe(
      [
        '2 matching lines for "feefor(":',
        "src/billing/fees.ts:1: export function feeFor(amount) {",
        "src/invoice.ts:2: const total = feeFor(10);",
      ].join("\n"),
    );
    expect(out.text).not.toContain("logo.png");
  });

  it("matches case exactly when asked", async () => {
    const out = await search({ pattern: "FeeFor", case_sensitive: true });
    expect(out.text).toContain("1 matching line");
    expect(out.text).toContain("src/billing/fees.ts:4: // FeeFor is used by invoices");
  });

  it("reads the pattern literally unless regex is set", async () => {
    expect((await search({ pattern: "amount.*0" })).text).toContain("No matches");
    const regex = await search({ pattern: "amount \\* [0-9.]+", regex: true });
    expect(regex.text).toContain("src/billing/fees.ts:2:   return amount * 0.02;");
  });

  it("confines the search to a directory or a glob", async () => {
    const inDir = await search({ pattern: "feeFor", path: "src/billing" });
    expect(inDir.text).toContain("src/billing/fees.ts:1:");
    expect(inDir.text).not.toContain("src/invoice.ts");
    const md = await search({ pattern: "feeFor", path: "*.md" });
    expect(md.text).toBe('1 matching line for "feeFor" in *.md:\nREADME.md:1: Fees are computed by feeFor.');
    const deep = await search({ pattern: "feeFor", path: "src/**/*.ts" });
    expect(deep.text).toContain("src/billing/fees.ts");
    expect(deep.text).toContain("src/invoice.ts");
    expect(deep.text).not.toContain("README.md");
  });

  it("says how many more matched when the result is cut for count or budget", async () => {
    await writeFile(join(root, "many.txt"), Array.from({ length: 250 }, (_, i) => `needle ${i}`).join("\n") + "\n");
    const out = await search({ pattern: "needle" });
    expect(out.text).toMatch(/^250 matching lines/);
    expect(out.text.split("\n").filter((l) => l.startsWith("many.txt:"))).toHaveLength(100);
    expect(out.text).toContain("… 150 more matched, not shown");
    const small = await search({ pattern: "needle" }, new DirectoryFileStore(root), 200);
    const shown = small.text.split("\n").filter((l) => l.startsWith("many.txt:")).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(40);
    expect(small.text).toContain(`… ${250 - shown} more matched`);
  });

  it("says so when nothing matches", async () => {
    const out = await search({ pattern: "no such text" });
    expect(out).toEqual({ ok: true, text: 'No matches for "no such text".' });
  });

  it("answers an invalid regular expression with an error to the model, not a crash", async () => {
    const out = await search({ pattern: "feeFor(", regex: true });
    expect(out.ok).toBe(false);
    expect(out.text).toMatch(/^error: search_files failed: The pattern is not a valid extended regular expression: .*Unmatched/);
  });

  it("refuses paths outside the store, and never shows hidden files", async () => {
    for (const path of ["../", "/etc", ".git", ":(top)src/../.."]) {
      const out = await search({ pattern: "x", path });
      expect(out.ok, path).toBe(false);
    }
    await mkdir(join(root, ".l2mac"), { recursive: true });
    await writeFile(join(root, ".l2mac", "program.json"), '{"task":"feeFor"}\n');
    const hidden = new DirectoryFileStore(root, { hidden: denyPrefixes([".l2mac"], "bookkeeping") });
    expect((await search({ pattern: "feeFor" }, hidden)).text).not.toContain(".l2mac");
  });

  it("searches what git tracks or would track in a repository, not ignored files", async () => {
    const git = simpleGit(root);
    await git.init();
    await writeFile(join(root, ".gitignore"), "build/\n");
    await mkdir(join(root, "build"), { recursive: true });
    await writeFile(join(root, "build", "out.js"), "feeFor()\n");
    const out = await search({ pattern: "feeFor" }, new GitFileStore(root, git));
    expect(out.text).toContain("src/invoice.ts:2:");
    expect(out.text).not.toContain("build/out.js");
  });

  it("names no path that is not there: a file name with a newline is not split into a made-up path", async () => {
    await mkdir(join(root, "x\nsrc", "billing"), { recursive: true });
    await writeFile(join(root, "x\nsrc", "billing", "fees.ts"), "feeFor = () => 'forged';\n");
    await writeFile(join(root, "y\nREADME.md"), "feeFor forged too\n");
    await simpleGit(root).init();
    for (const store of [new DirectoryFileStore(root), new GitFileStore(root, simpleGit(root))]) {
      const out = await search({ pattern: "feeFor" }, store);
      expect(out.text).not.toContain("forged");
      expect(out.text).toContain("src/billing/fees.ts:1: export function feeFor(amount) {");
    }
  });

  it("does not follow symbolic links out of the store", async () => {
    await writeFile(join(dir, "secret.txt"), "feeFor secret\n");
    await symlink(join(dir, "secret.txt"), join(root, "link.txt"));
    await symlink(dir, join(root, "linkdir"));
    await simpleGit(root).init();
    for (const store of [new DirectoryFileStore(root), new GitFileStore(root, simpleGit(root))]) {
      for (const path of [undefined, "linkdir", "*.txt", "linkdir/*"]) {
        expect((await search({ pattern: "secret", ...(path ? { path } : {}) }, store)).text, path).toMatch(/^No matches/);
      }
    }
  });
});
