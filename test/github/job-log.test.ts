import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as TokenCounter from "../../src/engine/token-counter.js";
import { cleanLogLines, excerptJobLog, MAX_LOG_LINE_CHARS } from "../../src/github/job-log.js";
import { hostileJobLog } from "../support/hostile-text.js";

// Every text the excerpt tokenises, to check that it tokenises each line once, not the growing excerpt.
const tokenised = vi.hoisted(() => ({ chars: 0 }));
vi.mock("../../src/engine/token-counter.js", async (importOriginal) => {
  const real = await importOriginal<typeof TokenCounter>();
  return {
    ...real,
    countText: (text: string) => {
      tokenised.chars += text.length;
      return real.countText(text);
    },
  };
});
afterEach(() => {
  tokenised.chars = 0;
});

const ESC = "\u001b";
const stamp = "2026-11-22T10:00:00.0000000Z ";

describe("job log cleaning on hostile input", () => {
  it("removes unterminated escape introducers and stray control characters instead of leaving them in", () => {
    const lines = cleanLogLines(
      [
        `${stamp}${`${ESC}]`.repeat(100)}visible`,
        `${stamp}${ESC}[1;2;3${ESC}[31mred${ESC}[0m`,
        `${stamp}bell\u0007 back\b \u009b2Jc1`,
      ].join("\n"),
    );
    // eslint-disable-next-line no-control-regex
    expect(lines.join("\n")).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(lines[0]).toContain("visible");
    expect(lines[1]).toContain("red");
    expect(lines[2]).toContain("bell");
  });

  it("cuts every line to a bounded length, so a megabyte line is never tokenised whole", () => {
    const lines = cleanLogLines(`${stamp}${"a".repeat(1_000_000)}\n${stamp}short`);
    expect(MAX_LOG_LINE_CHARS).toBeLessThanOrEqual(1000);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(1020);
    expect(lines[0]).toMatch(/^a+… \[line cut\]$/);
    expect(lines[1]).toBe("short");
  });

  it("strips the byte order mark with the first line's timestamp", () => {
    expect(cleanLogLines(`\uFEFF${stamp}first\n${stamp}second`)).toEqual(["first", "second"]);
  });
});

describe("job log excerpt", () => {
  it("tokenises each line once: the work is linear in the excerpt, not quadratic", () => {
    const log = Array.from({ length: 5000 }, (_, i) => `${stamp}ok ${i} the quick brown fox jumps over the lazy dog`).join("\n");
    const excerpt = excerptJobLog(`${log}\n${stamp}##[error]Process completed with exit code 1.`, 100_000, 10_000, 0);
    expect(excerpt.split("\n").length).toBeGreaterThan(2000);
    // Each kept line once, plus the one that did not fit; re-counting the growing excerpt would be ~2000× this.
    expect(tokenised.chars).toBeLessThan(excerpt.length * 1.1 + 1000);
  });

  it("keeps the failure and stays within its budget when the lines before it are hostile", () => {
    const excerpt = excerptJobLog(hostileJobLog(300_000), 400);
    expect(excerpt).toContain("AssertionError: expected 'hello' to equal 'hi'");
    expect(excerpt).toContain("##[error]Process completed with exit code 1.");
    expect(excerpt.length).toBeLessThan(400 * 8);
    expect(excerpt).not.toContain(ESC);
    // A few dozen cut lines at most, never a 200 KB one.
    expect(tokenised.chars).toBeLessThan(20_000);
  });

  it("produces a bounded excerpt of a 2 MB hostile log (in a child process, so a stall cannot hang the test run)", async () => {
    // A pattern that rescans each unterminated escape blocks for minutes on this input: the child is
    // killed after a bound generous enough for any machine, and the test fails instead of hanging.
    const modules = {
      jobLog: pathToFileURL(fileURLToPath(new URL("../../src/github/job-log.ts", import.meta.url))).href,
      hostile: pathToFileURL(fileURLToPath(new URL("../support/hostile-text.ts", import.meta.url))).href,
    };
    const script = `
      const { excerptJobLog } = await import(${JSON.stringify(modules.jobLog)});
      const { hostileJobLog } = await import(${JSON.stringify(modules.hostile)});
      const log = hostileJobLog(2_000_000);
      const excerpt = excerptJobLog(log, 2000);
      process.stdout.write(JSON.stringify({ logBytes: log.length, excerpt }));
    `;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { timeout: 30_000, maxBuffer: 1 << 20 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const { logBytes, excerpt } = JSON.parse(output) as { logBytes: number; excerpt: string };
    expect(logBytes).toBeGreaterThan(2_000_000);
    expect(excerpt).toContain("AssertionError: expected 'hello' to equal 'hi'");
    expect(excerpt.length).toBeLessThan(2000 * 8);
  }, 40_000);
});
