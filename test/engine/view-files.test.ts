import type * as Fs from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import type * as FsPromises from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import type { FileStore } from "../../src/engine/file-store.js";
import type { ToolCall } from "../../src/engine/messages.js";
import type * as TokenCounter from "../../src/engine/token-counter.js";
import { AGENT_TOOL_SPECS } from "../../src/engine/tools/definitions.js";
import { runToolCall, type ToolContext } from "../../src/engine/tools/dispatch.js";
import { viewFiles } from "../../src/engine/tools/view.js";

// What the store reads from disk (whole-file reads and streams) and what is tokenised, to check that
// a range costs the range, not the file.
const io = vi.hoisted(() => ({ bytes: 0, streams: [] as Array<{ bytesRead: number }>, tokenised: 0 }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const readFile = (async (...args: Parameters<typeof real.readFile>) => {
    const out = await real.readFile(...args);
    io.bytes += out.length;
    return out;
  }) as typeof real.readFile;
  return { ...real, default: { ...real, readFile }, readFile };
});
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  const createReadStream = ((...args: Parameters<typeof real.createReadStream>) => {
    const stream = real.createReadStream(...args);
    io.streams.push(stream);
    return stream;
  }) as typeof real.createReadStream;
  return { ...real, default: { ...real, createReadStream }, createReadStream };
});
vi.mock("../../src/engine/token-counter.js", async (importOriginal) => {
  const real = await importOriginal<typeof TokenCounter>();
  return {
    ...real,
    countText: (text: string) => {
      io.tokenised += text.length;
      return real.countText(text);
    },
  };
});
const bytesRead = () => io.bytes + io.streams.reduce((sum, s) => sum + s.bytesRead, 0);

let dir: string;
let root: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-view-"));
  root = join(dir, "repo");
  await mkdir(join(root, "src"), { recursive: true });
  await writeFile(join(root, "src", "app.ts"), "export const a = 1;\n\nexport const b = 2;\n");
  io.bytes = 0;
  io.streams = [];
  io.tokenised = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const context = (store: FileStore, budget = 4000): ToolContext => ({
  store,
  checkSyntax: async () => [],
  resultBudget: () => budget,
  touched: new Set(),
  complete: async () => ({ ok: true, message: "done" }),
});
const view = (files: unknown[], store: FileStore = new DirectoryFileStore(root), budget?: number) =>
  runToolCall(
    { id: "c1", type: "function", function: { name: "view_files", arguments: JSON.stringify({ files }) } } as ToolCall,
    context(store, budget),
  );

/** `n` lines of about 60 bytes: "line 0000001 …". */
async function bigFile(path: string, n: number): Promise<number> {
  const lines = Array.from({ length: n }, (_, i) => `line ${String(i + 1).padStart(7, "0")} the quick brown fox jumps over it`);
  const text = `${lines.join("\n")}\n`;
  await writeFile(join(root, path), text);
  return Buffer.byteLength(text);
}

describe("view_files", () => {
  it("handles each file on its own: a looping link, a folder, a missing file and a binary file lose nothing else", async () => {
    await symlink("loop", join(root, "loop"));
    await writeFile(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0x48]));
    const outcome = await view(["loop", "src/app.ts", "src", "missing.ts", "logo.png", "../etc/passwd"]);
    const text = outcome.message.content;
    expect(outcome.ok).toBe(true);
    expect(text).toContain("1 | export const a = 1;");
    expect(text).toContain('"loop" goes through a symbolic link that loops');
    expect(text).toContain('"src" is a directory; use list_files');
    expect(text).toContain("Not found: missing.ts.");
    expect(text).toContain("logo.png is a binary file (10 bytes); it is not shown.");
    expect(text).not.toContain("PNG");
    expect(text).toContain("leaves the repository");
    expect(text).not.toContain(dir);
  });

  it("numbers lines in a gutter that the tool description says is not part of the file", async () => {
    const outcome = await view(["src/app.ts"]);
    expect(outcome.message.content).toContain(
      [
        'Line numbers and the " | " after them are not part of the files.',
        "src/app.ts (3 lines)",
        "```ts",
        "1 | export const a = 1;",
        "2 |",
        "3 | export const b = 2;",
        "```",
      ].join("\n"),
    );
    const description = AGENT_TOOL_SPECS.find((t) => t.name === "view_files")!.description;
    expect(description).toMatch(/line numbers and the " \| " are not part of the file: never copy them/i);
  });

  it("reads only as far as the requested range of a 30 MB file, and tokenises only what it shows", async () => {
    const size = await bigFile("data.log", 700_000);
    expect(size).toBeGreaterThan(30_000_000);
    const outcome = await view([{ path: "data.log", start_line: 10, end_line: 12 }]);
    const text = outcome.message.content;
    expect(bytesRead()).toBeLessThan(1 << 20);
    expect(io.tokenised).toBeLessThan(2000);
    expect(text).toMatch(/data\.log \(lines 10-12 of a 3\d\.\d MB file, more follow\)/);
    expect(text).toMatch(/10 \| line 0000010 [^\n]*\n11 \| line 0000011 [^\n]*\n12 \| line 0000012 /);
    expect(text).not.toContain("line 0000013");
    const past = await view([{ path: "data.log", start_line: 800_000 }]);
    expect(past.message.content).toMatch(/data\.log \(3\d\.\d MB\) has fewer than 800000 lines; start_line 800000 is past its end\./);
  });

  it("shows the start of a large file within the budget, says how to see more, and stops reading there", async () => {
    await bigFile("data.log", 700_000);
    const outcome = await view(["data.log"], undefined, 2000);
    const text = outcome.message.content;
    expect(bytesRead()).toBeLessThan(1 << 20);
    // Each line is tokenised once (plus the one that did not fit), not the growing block again and again.
    expect(io.tokenised).toBeLessThan(text.length * 1.5);
    expect(text.length).toBeLessThan(2000 * 6);
    expect(text).toMatch(/data\.log \(lines 1-\d+ of a 3\d\.\d MB file, more follow\)/);
    expect(text).toMatch(/data\.log was cut at line \d+ for space; view \{"path": "data\.log", "start_line": \d+\} for more\./);
  });

  it("counts the lines of a small file, and says when the range starts past its end", async () => {
    await bigFile("small.log", 1000);
    const shown = await view([{ path: "small.log", start_line: 998 }]);
    expect(shown.message.content).toContain("small.log (lines 998-1000 of 1000)");
    const past = await view([{ path: "small.log", start_line: 2000 }]);
    expect(past.message.content).toContain("small.log has 1000 lines; start_line 2000 is past its end.");
  });

  it("cuts lines of minified code and says so", async () => {
    await writeFile(join(root, "bundle.min.js"), `${"x=1;".repeat(100_000)}\n`);
    const text = (await view(["bundle.min.js"])).message.content;
    expect(text).toContain("1 | x=1;x=1;");
    expect(text).toContain(" [… line cut]");
    expect(text).toContain('bundle.min.js: lines ending in "[… line cut]" are longer than shown.');
    expect(text.length).toBeLessThan(3000);
  });

  it("never shows the model a server path from an unexpected error", async () => {
    const real = new DirectoryFileStore(root);
    const failing: FileStore = {
      ...real,
      list: () => real.list(),
      read: (p) => real.read(p),
      write: (p, c) => real.write(p, c),
      delete: (p) => real.delete(p),
      lines: (p, n) => real.lines(p, n),
      stat: async (p) => {
        if (p === "broken.ts") throw new Error(`EIO: i/o error, open '${root}/broken.ts'`);
        return real.stat(p);
      },
    };
    const text = (await view(["broken.ts", "src/app.ts"], failing)).message.content;
    expect(text).toContain("broken.ts could not be shown: EIO: i/o error, open '<server path>'");
    expect(text).toContain("1 | export const a = 1;");
    expect(text).not.toContain(dir);
  });

  it("keeps the budget across files: later files are named, not shown", async () => {
    await bigFile("a.log", 5000);
    await bigFile("b.log", 5000);
    const result = await viewFiles(new DirectoryFileStore(root), [{ path: "a.log" }, { path: "b.log" }], 1000);
    expect(result.text).toContain("a.log (lines 1-");
    expect(result.notes.join("\n")).toContain("Not shown, the context budget is spent: b.log.");
  });

  it("counts the fence a file's backtick runs call for within the budget", async () => {
    const { countText } = await vi.importActual<typeof TokenCounter>("../../src/engine/token-counter.js");
    const lines = Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? "`".repeat(1900) : `line ${i} of the notes`));
    await writeFile(join(root, "fences.md"), lines.join("\n") + "\n");
    for (const budget of [600, 1500, 4000]) {
      const result = await viewFiles(new DirectoryFileStore(root), [{ path: "fences.md" }], budget);
      expect(countText(result.text), String(budget)).toBeLessThanOrEqual(budget);
      expect(result.text).toContain("line 0 of the notes");
    }
  });
});
