import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { measure, printReport } from "../../scripts/house-metrics.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-house-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");

describe("npm run house", () => {
  it("measures functions, files and long lines, and lists recorded reasons instead of counting them", async () => {
    await writeFile(
      join(dir, "a.ts"),
      [
        `export function long() {\n${body(70)}\n}`,
        `// house: a table reads better whole\nexport const explained = () => {\n${body(65)}\n};`,
        `class K {\n  method() {\n${body(3)}\n  }\n}`,
        `export const wide = "${"x".repeat(150)}";`,
        "",
      ].join("\n"),
    );
    await writeFile(join(dir, "b.ts"), `// house: generated from the schema\n${body(310)}\n`);
    const report = measure(dir);
    expect(report.functions.map((f) => [f.name, f.lines, f.reason])).toEqual([
      ["long", 72, undefined],
      ["explained", 67, "a table reads better whole"],
      ["method", 5, undefined],
    ]);
    expect(report.files.map((f) => [f.file, f.lines, f.reason])).toEqual([
      ["b.ts", 311, "generated from the schema"],
      ["a.ts", 148, undefined],
    ]);
    expect(report.longLines).toEqual([{ file: "a.ts", line: 148, chars: 173 }]);
    const { text, unexplained } = printReport(report);
    expect(unexplained).toBe(1);
    expect(text).toContain("Functions over 60 lines: 2 (1 unexplained)");
    expect(text).toContain("Files over 300 lines: 1 (0 unexplained)");
    expect(text).toContain("Lines over 140 characters: 1");
  });
});
