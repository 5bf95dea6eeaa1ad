import { describe, expect, it } from "vitest";
import { ciVerdict, nextPollMs, type CiRun } from "../../src/github/ci-verdict.js";
import { cleanLogLines, excerptJobLog } from "../../src/github/job-log.js";

const run = (over: Partial<CiRun>): CiRun => ({
  id: 1,
  name: "CI",
  status: "completed",
  conclusion: "success",
  url: "u",
  createdAt: "2026-01-01T00:00:00Z",
  ...over,
});
const limits = { noRunsAfterMs: 180_000, timeoutMs: 1_800_000 };

describe("ciVerdict", () => {
  it.each([
    [[], 1000, "waiting"],
    [[], 180_000, "no-ci"],
    [[run({ status: "in_progress", conclusion: null })], 60_000, "waiting"],
    [[run({ status: "queued", conclusion: null })], 1_800_000, "too-slow"],
    [[run({}), run({ id: 2, conclusion: "skipped" }), run({ id: 3, conclusion: "neutral" })], 1, "passed"],
    [[run({}), run({ id: 2, conclusion: "failure" })], 1, "failed"],
    [[run({ conclusion: "cancelled" })], 1, "unusable"],
    [[run({ conclusion: "startup_failure" }), run({ id: 2, conclusion: "failure" })], 1, "unusable"],
    [[run({ conclusion: "action_required" })], 1, "unusable"],
    [[run({ conclusion: "timed_out" })], 1, "unusable"],
  ] as const)("%j after %i ms → %s", (runs, waited, kind) => {
    expect(ciVerdict(runs, waited, limits).kind).toBe(kind);
  });

  it("waits for every run of the commit", () => {
    expect(ciVerdict([run({}), run({ id: 2, status: "in_progress", conclusion: null })], 1, limits).kind).toBe("waiting");
  });

  it("backs off polling with the time waited, within bounds", () => {
    expect(nextPollMs(0, 30_000)).toBe(30_000);
    expect(nextPollMs(400_000, 30_000)).toBe(100_000);
    expect(nextPollMs(10_000_000, 30_000)).toBe(300_000);
  });
});

describe("job log excerpt", () => {
  const log = [
    "2026-11-22T10:00:00.1234567Z ##[group]Run npm test",
    "2026-11-22T10:00:00.1234567Z npm test",
    "2026-11-22T10:00:00.1234567Z ##[endgroup]",
    ...Array.from({ length: 200 }, (_, i) => `2026-11-22T10:00:01.0000000Z \u001b[32m✓\u001b[39m passing test ${i}`),
    "2026-11-22T10:00:02.0000000Z \u001b[31mAssertionError: expected 'hi Ann' to equal 'hello Ann'\u001b[39m",
    "2026-11-22T10:00:02.0000000Z     at test/greet.test.ts:4:10",
    "2026-11-22T10:00:02.0000000Z ##[error]Process completed with exit code 1.",
  ].join("\n");

  it("strips timestamps and colour codes", () => {
    expect(cleanLogLines(log).at(-3)).toBe("AssertionError: expected 'hi Ann' to equal 'hello Ann'");
  });

  it("keeps the lines before the error within the budget", () => {
    const excerpt = excerptJobLog(log, 200);
    expect(excerpt).toContain("AssertionError: expected 'hi Ann' to equal 'hello Ann'");
    expect(excerpt).toContain("##[error]Process completed with exit code 1.");
    expect(excerpt).not.toContain("passing test 100");
    expect(excerpt).not.toContain("\u001b[");
    expect(excerpt).not.toMatch(/2026-11-22T/);
  });

  it("falls back to the tail when there is no error marker", () => {
    const excerpt = excerptJobLog(["a", "b", "c", "last line"].join("\n"), 100);
    expect(excerpt.split("\n").at(-1)).toBe("last line");
  });
});
