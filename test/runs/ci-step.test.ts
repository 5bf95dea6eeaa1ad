import { describe, expect, it } from "vitest";
import { parseRepoConfig, type RepoConfig } from "../../src/config.js";
import type { Failure } from "../../src/github/actions.js";
import type { CiRun } from "../../src/github/ci-verdict.js";
import { decideCi, type CiLook, type CiStep } from "../../src/runs/ci-step.js";
import { planAt } from "./plans.js";

const SHA = "abcdef1234567890";
const SINCE = Date.parse("2026-11-22T10:00:00Z");
const MINUTE = 60_000;

const config = (ci: Partial<RepoConfig["ci"]> = {}): RepoConfig => {
  const parsed = parseRepoConfig({});
  if (!parsed.ok) throw new Error("the default config is valid");
  return { ...parsed.config, ci: { ...parsed.config.ci, wait_for_runs_minutes: 3, timeout_minutes: 30, fix_attempts: 2, ...ci } };
};

const look = (waitedMs: number, attempt = 0, cfg = config()): CiLook => ({
  plan: { ...planAt("evaluating", { current: 2 }), evaluation: { sha: SHA, attempt, since: new Date(SINCE).toISOString() } },
  config: cfg,
  now: SINCE + waitedMs,
  pollBaseMs: 100,
});

const run = (id: number, status: string, conclusion: string | null): CiRun => ({
  id,
  name: `Workflow ${id}`,
  status,
  conclusion,
  url: `https://github.com/acme/demo/actions/runs/${id}`,
  createdAt: "2026-11-22T10:00:05Z",
});

const failure = (partial: Partial<Failure> = {}): Failure => ({ jobs: ["Workflow 2 / test"], ignored: [], text: "1 failed", ...partial });

/** Runs GitHub lists for the commit, how long the app has waited, and what it then does. */
const CASES: Array<{ name: string; runs: CiRun[]; look: CiLook; failure?: Failure; expected: CiStep; readsFailure?: true }> = [
  {
    name: "no run yet: looks again right after the no-run deadline at the latest",
    runs: [],
    look: look(3 * MINUTE - 80),
    expected: { action: "wait", pollInMs: 80 + 50 },
  },
  {
    name: "no run within the deadline: no CI covers the branch",
    runs: [],
    look: look(3 * MINUTE),
    expected: {
      action: "accept",
      ci: { result: "none" },
      note: "No GitHub Actions run appeared for `abcdef1` within 3 minutes: no CI covers `l2mac/issue-1`, so the run continues on syntax checks alone.",
    },
  },
  {
    name: "a run still going: waits, backing off with the time waited",
    runs: [run(1, "in_progress", null)],
    look: look(10 * MINUTE),
    expected: { action: "wait", pollInMs: (10 * MINUTE) / 4 },
  },
  {
    name: "a run going past the timeout: pauses",
    runs: [run(1, "in_progress", null), run(2, "completed", "success")],
    look: look(30 * MINUTE),
    expected: { action: "pause", reason: "CI for `abcdef1` has not finished after 30 minutes; comment `/l2mac continue` to wait again" },
  },
  {
    name: "a cancelled run cannot judge: pauses, nothing for the agent to fix",
    runs: [run(1, "completed", "cancelled"), run(2, "completed", "failure")],
    look: look(MINUTE),
    expected: {
      action: "pause",
      reason:
        "CI for `abcdef1` could not judge the change: [Workflow 1](https://github.com/acme/demo/actions/runs/1) ended as `cancelled`. That is not a test failure, so there is nothing for the agent to fix; re-run the workflow or fix its setup, then comment `/l2mac continue`",
    },
  },
  {
    name: "every run passed (skipped counts): accepted, linking the first",
    runs: [run(1, "completed", "success"), run(2, "completed", "skipped")],
    look: look(MINUTE),
    expected: { action: "accept", ci: { result: "passed", url: "https://github.com/acme/demo/actions/runs/1" } },
  },
  {
    name: "a failure with fix attempts left: the same instruction again, with the failure",
    readsFailure: true,
    runs: [run(1, "completed", "success"), run(2, "completed", "failure")],
    look: look(MINUTE, 1),
    expected: { action: "fix", feedback: "1 failed" },
  },
  {
    name: "a failure after the last fix attempt: pauses with the failure folded in",
    readsFailure: true,
    runs: [run(2, "completed", "failure")],
    look: look(MINUTE, 2),
    failure: failure({ text: `${"x".repeat(7000)}the end` }),
    expected: {
      action: "pause",
      reason:
        "CI still fails on `abcdef1` after 2 fix attempts (Workflow 2 / test); fix it on the branch or edit the instruction, then comment `/l2mac continue`",
      ci: { result: "failed", url: "https://github.com/acme/demo/actions/runs/2" },
      detail: `${"x".repeat(5993)}the end`,
    },
  },
  {
    name: "no fix attempts configured: pauses at the first failure",
    readsFailure: true,
    runs: [run(2, "completed", "failure")],
    look: look(MINUTE, 0, config({ fix_attempts: 0 })),
    expected: {
      action: "pause",
      reason:
        "CI still fails on `abcdef1` after 0 fix attempts (Workflow 2 / test); fix it on the branch or edit the instruction, then comment `/l2mac continue`",
      ci: { result: "failed", url: "https://github.com/acme/demo/actions/runs/2" },
      detail: "1 failed",
    },
  },
  {
    name: "failing only as the default branch does: not blamed on the run",
    readsFailure: true,
    runs: [run(2, "completed", "failure")],
    look: look(MINUTE),
    failure: failure({ jobs: [], ignored: ["Workflow 2 / lint"], text: "" }),
    expected: {
      action: "accept",
      ci: { result: "base", url: "https://github.com/acme/demo/actions/runs/2" },
      note: "CI for `abcdef1` fails only in jobs that also fail on the default branch (Workflow 2 / lint); not blamed on this run.",
    },
  },
];

describe("the CI step, from the runs GitHub lists", () => {
  it.each(CASES)("$name", async ({ runs, look, failure: given, expected, readsFailure }) => {
    const asked: CiRun[][] = [];
    const step = await decideCi(look, runs, async (failed) => {
      asked.push(failed);
      return given ?? failure();
    });
    expect(step).toEqual(expected);
    // The failing jobs and their logs are read only when the runs failed, and only the failed runs'.
    expect(asked).toEqual(readsFailure ? [runs.filter((r) => r.conclusion === "failure")] : []);
  });
});
