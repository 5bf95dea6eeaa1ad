/** A workflow run as the evaluator needs it. */
export interface CiRun {
  id: number;
  name: string;
  status: string | null;
  conclusion: string | null;
  url: string;
  createdAt: string;
}

export type CiVerdict =
  | { kind: "waiting" }
  | { kind: "no-ci" }
  | { kind: "too-slow" }
  | { kind: "passed"; runs: CiRun[] }
  | { kind: "failed"; failed: CiRun[]; runs: CiRun[] }
  /** Not a test failure: nothing for the agent to fix (cancelled, timed out, needs approval, broken workflow). */
  | { kind: "unusable"; runs: CiRun[] };

const PASSING = new Set(["success", "neutral", "skipped"]);
const UNUSABLE = new Set(["cancelled", "timed_out", "action_required", "startup_failure", "stale"]);

/**
 * What the runs of a pushed commit say, given how long the app has waited: every run must complete;
 * success, neutral and skipped pass. No run at all within `noRunsAfterMs` means no CI covers the branch.
 */
export function ciVerdict(runs: readonly CiRun[], waitedMs: number, limits: { noRunsAfterMs: number; timeoutMs: number }): CiVerdict {
  if (runs.length === 0) return waitedMs >= limits.noRunsAfterMs ? { kind: "no-ci" } : { kind: "waiting" };
  if (runs.some((r) => r.status !== "completed")) return waitedMs >= limits.timeoutMs ? { kind: "too-slow" } : { kind: "waiting" };
  const unusable = runs.filter((r) => UNUSABLE.has(r.conclusion ?? ""));
  if (unusable.length > 0) return { kind: "unusable", runs: unusable };
  const failed = runs.filter((r) => !PASSING.has(r.conclusion ?? ""));
  return failed.length > 0 ? { kind: "failed", failed, runs: [...runs] } : { kind: "passed", runs: [...runs] };
}

/** When to look again: soon at first, then backing off with the time already waited, within bounds. */
export function nextPollMs(waitedMs: number, baseMs: number, maxMs = 5 * 60_000): number {
  return Math.min(maxMs, Math.max(baseMs, Math.floor(waitedMs / 4)));
}
