import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSyntaxChecker } from "../../src/checks/syntax.js";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import type { ToolCall } from "../../src/engine/messages.js";
import { denyPrefixes } from "../../src/engine/paths.js";
import { runToolCall, type ToolContext } from "../../src/engine/tools/dispatch.js";
import { MAX_EDITS_PER_CALL } from "../../src/engine/tools/definitions.js";
import { MAX_EDIT_BYTES } from "../../src/engine/tools/edit-files.js";

let dir: string;
let root: string;
const checkSyntax = createSyntaxChecker();
const APP = ["export function add(a: number, b: number): number {", "  return a + b;", "}", "", "export const name = 'app';", ""].join(
  "\n",
);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-edit-"));
  root = join(dir, "repo");
  await mkdir(join(root, "src"), { recursive: true });
  await writeFile(join(root, "src", "app.ts"), APP);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const read = (path: string) => readFile(join(root, path), "utf8");

async function edit(edits: Array<{ file_path: string; old_text: string; new_text: string }>, store = new DirectoryFileStore(root)) {
  const ctx: ToolContext = {
    store,
    checkSyntax,
    resultBudget: () => 4000,
    touched: new Set(),
    complete: async () => ({ ok: true, message: "done" }),
  };
  const call = { id: "e1", type: "function", function: { name: "edit_files", arguments: JSON.stringify({ edits }) } } as ToolCall;
  const outcome = await runToolCall(call, ctx);
  return { ...outcome, text: outcome.message.content as string, touched: [...ctx.touched] };
}

describe("edit_files", () => {
  it("replaces text that occurs once and says which lines changed, then the syntax check", async () => {
    const out = await edit([{ file_path: "src/app.ts", old_text: "  return a + b;", new_text: "  const sum = a + b;\n  return sum;" }]);
    expect(out.ok).toBe(true);
    expect(out.text).toContain("Edited src/app.ts: lines 2-2 replaced by 2 lines.");
    expect(out.text).toContain("Syntax checks passed.");
    expect(await read("src/app.ts")).toBe(APP.replace("  return a + b;", "  const sum = a + b;\n  return sum;"));
    expect(out.touched).toEqual(["src/app.ts"]);
  });

  it("quotes the closest lines with their numbers when the old text is not found", async () => {
    const out = await edit([{ file_path: "src/app.ts", old_text: "export const nam = 'ap';", new_text: "x" }]);
    expect(out.ok).toBe(false);
    expect(out.text).toContain("(src/app.ts): old_text was not found");
    expect(out.text).toMatch(/5 \| export const name = 'app';/);
    expect(out.text).toContain("No edit of this call was applied");
    expect(await read("src/app.ts")).toBe(APP);
  });

  it("says so when the old text carries view_files' line numbers", async () => {
    const out = await edit([{ file_path: "src/app.ts", old_text: "2 |   return a + b;\n3 | }", new_text: "x" }]);
    expect(out.ok).toBe(false);
    expect(out.text).toContain('it holds the line numbers and " | " that view_files shows');
    expect(await read("src/app.ts")).toBe(APP);
  });

  it("lists the line numbers when the old text occurs several times, and applies nothing", async () => {
    await writeFile(join(root, "src", "dup.ts"), "let x = 1;\nlet y = 2;\nlet x2 = 1;\nx = 1;\n");
    const out = await edit([{ file_path: "src/dup.ts", old_text: "= 1;", new_text: "= 3;" }]);
    expect(out.ok).toBe(false);
    expect(out.text).toContain("occurs 3 times (at lines 1, 3, 4)");
    expect(await read("src/dup.ts")).toBe("let x = 1;\nlet y = 2;\nlet x2 = 1;\nx = 1;\n");
  });

  it("applies no edit of a call when one of its edits fails, across files", async () => {
    await writeFile(join(root, "src", "b.ts"), "export const b = 1;\n");
    const out = await edit([
      { file_path: "src/b.ts", old_text: "export const b = 1;", new_text: "export const b = 2;" },
      { file_path: "src/app.ts", old_text: "return a + b;", new_text: "return a - b;" },
      { file_path: "src/app.ts", old_text: "not in the file at all", new_text: "y" },
    ]);
    expect(out.ok).toBe(false);
    expect(out.text).toMatch(/^error: Edit 3 \(src\/app.ts\)/);
    expect(await read("src/b.ts")).toBe("export const b = 1;\n");
    expect(await read("src/app.ts")).toBe(APP);
    expect(out.touched).toEqual([]);
  });

  it("applies later edits of a file on its earlier ones", async () => {
    const out = await edit([
      { file_path: "src/app.ts", old_text: "return a + b;", new_text: "return a + b + c;" },
      { file_path: "src/app.ts", old_text: "a + b + c", new_text: "a + b" },
    ]);
    expect(out.ok).toBe(true);
    expect(await read("src/app.ts")).toBe(APP);
  });

  it("matches LF old text in a CRLF file and keeps the file's CRLF line ends", async () => {
    await writeFile(join(root, "src", "win.ts"), "const a = 1;\r\nconst b = 2;\r\nconst c = 3;\r\n");
    const out = await edit([{ file_path: "src/win.ts", old_text: "const a = 1;\nconst b = 2;", new_text: "const a = 10;\nconst b = 20;" }]);
    expect(out.ok).toBe(true);
    expect(await read("src/win.ts")).toBe("const a = 10;\r\nconst b = 20;\r\nconst c = 3;\r\n");
  });

  it("forgives trailing whitespace when the match is unambiguous, never when it is not", async () => {
    await writeFile(join(root, "src", "ws.ts"), "const a = 1;   \nconst b = 2;\n");
    const out = await edit([
      { file_path: "src/ws.ts", old_text: "const a = 1;\nconst b = 2;\n", new_text: "const a = 5;\nconst b = 2;\n" },
    ]);
    expect(out.ok).toBe(true);
    expect(await read("src/ws.ts")).toBe("const a = 5;\nconst b = 2;\n");

    await writeFile(join(root, "src", "twice.ts"), "x();  \ny();\nx(); \ny();\n");
    const twice = await edit([{ file_path: "src/twice.ts", old_text: "x();\ny();", new_text: "z();" }]);
    expect(twice.ok).toBe(false);
    expect(twice.text).toContain("when trailing whitespace is ignored (at lines 1, 3)");
    expect(await read("src/twice.ts")).toBe("x();  \ny();\nx(); \ny();\n");
  });

  it("reports a syntax error the edit introduced, as after write_files", async () => {
    const out = await edit([{ file_path: "src/app.ts", old_text: "  return a + b;\n}", new_text: "  return a + (b;\n}" }]);
    expect(out.ok).toBe(false);
    expect(out.text).toContain("Edited src/app.ts");
    expect(out.text).toMatch(/Syntax problems found[^\n]*\nsrc\/app\.ts:2:\d+:/);
    expect(out.mutated).toBe(true);
  });

  it("refuses paths outside the store, into .git, through links, or denied, and missing files", async () => {
    await writeFile(join(dir, "outside.ts"), "secret = 1;\n");
    await symlink(join(dir, "outside.ts"), join(root, "link.ts"));
    const store = new DirectoryFileStore(root, { deny: denyPrefixes([".github/workflows/"], "workflows are off limits") });
    await mkdir(join(root, ".github", "workflows"), { recursive: true });
    await writeFile(join(root, ".github", "workflows", "ci.yml"), "on: push\n");
    const cases: Array<[string, RegExp]> = [
      ["../outside.ts", /leaves the repository/],
      ["/etc/passwd", /absolute/],
      [".git/config", /inside \.git/],
      ["link.ts", /symbolic link/],
      ["src/missing.ts", /does not exist; create it with write_files/],
    ];
    for (const [file_path, why] of cases) {
      const out = await edit([{ file_path, old_text: "secret = 1;", new_text: "x" }], store);
      expect(out.ok, file_path).toBe(false);
      expect(out.text, file_path).toMatch(why);
    }
    expect(await readFile(join(dir, "outside.ts"), "utf8")).toBe("secret = 1;\n");
    // A denied write found only when writing: the files written before it are put back.
    const late = await edit(
      [
        { file_path: "src/app.ts", old_text: "return a + b;", new_text: "return 0;" },
        { file_path: ".github/workflows/ci.yml", old_text: "on: push", new_text: "on: pull_request" },
      ],
      store,
    );
    expect(late.ok).toBe(false);
    expect(late.text).toMatch(/workflows are off limits[\s\S]*No edit of this call was applied/);
    expect(await read(".github/workflows/ci.yml")).toBe("on: push\n");
    expect(await read("src/app.ts")).toBe(APP);
  });
});

describe("edit_files on hostile input", () => {
  it("gives a one-line edit's new lines the line ends the file uses throughout", async () => {
    await writeFile(join(root, "src", "win.ts"), "const a = 1;\r\nconst b = 2;\r\n");
    const crlf = await edit([{ file_path: "src/win.ts", old_text: "const a = 1;", new_text: "const a = 1;\nconst a2 = 1;" }]);
    expect(crlf.ok).toBe(true);
    expect(await read("src/win.ts")).toBe("const a = 1;\r\nconst a2 = 1;\r\nconst b = 2;\r\n");
    const lf = await edit([{ file_path: "src/app.ts", old_text: "  return a + b;", new_text: "  const s = a + b;\r\n  return s;" }]);
    expect(lf.ok).toBe(true);
    expect(await read("src/app.ts")).toBe(APP.replace("  return a + b;", "  const s = a + b;\n  return s;"));
  });

  it("refuses a file that is not UTF-8 rather than rewriting its other bytes", async () => {
    const latin1 = Buffer.from("const caf\xe9 = 'cr\xe8me';\nconst n = 1;\n", "latin1");
    await writeFile(join(root, "src", "legacy.ts"), latin1);
    const out = await edit([{ file_path: "src/legacy.ts", old_text: "const n = 1;", new_text: "const n = 2;" }]);
    expect(out.ok).toBe(false);
    expect(out.text).toContain("is not UTF-8 text");
    expect(await readFile(join(root, "src", "legacy.ts"))).toEqual(latin1);
  });

  it("refuses a file too large to be written back, without reading it", async () => {
    await writeFile(join(root, "big.txt"), "x\n".repeat(MAX_EDIT_BYTES));
    const out = await edit([{ file_path: "big.txt", old_text: "x", new_text: "y" }]);
    expect(out.ok).toBe(false);
    expect(out.text).toMatch(/big\.txt is \d+ bytes, more than the 1000000 a file may have to be edited/);
  });

  it("bounds the number of edits in one call", async () => {
    const edits = Array.from({ length: MAX_EDITS_PER_CALL + 1 }, () => ({ file_path: "src/app.ts", old_text: "a", new_text: "a" }));
    const out = await edit(edits);
    expect(out.ok).toBe(false);
    expect(out.text).toMatch(/invalid arguments for edit_files[\s\S]*100/);
  });

  // Each of these took from 10 s to over two minutes of blocked event loop before the searches were linear.
  it("answers pathological old text quickly: one huge line, many repeated lines, endless overlaps", async () => {
    const file = Array.from({ length: 40_000 }, (_, i) => `  const v${i} = ${i};`).join("\n") + "\n";
    await writeFile(join(root, "src", "gen.ts"), file);
    await writeFile(join(root, "src", "braces.ts"), "}\n".repeat(400_000));
    await writeFile(join(root, "src", "a.txt"), "a".repeat(900_000));
    const hugeLine = await edit([{ file_path: "src/gen.ts", old_text: "q".repeat(100_000) + "z", new_text: "x" }]);
    expect(hugeLine.text).toContain("old_text was not found, and no lines of the file are like it");
    const repeated = await edit([{ file_path: "src/braces.ts", old_text: "} \n".repeat(3000) + "x\n", new_text: "y" }]);
    expect(repeated.text).toMatch(/old_text was not found\. The closest lines[^\n]*\n 1 \| \}/);
    const overlaps = await edit([{ file_path: "src/a.txt", old_text: "a".repeat(5000), new_text: "b" }]);
    expect(overlaps.text).toContain("old_text occurs more than 20 times (at lines 1, 1,");
    expect(await read("src/a.txt")).toBe("a".repeat(900_000));
  }, 20_000);
});
