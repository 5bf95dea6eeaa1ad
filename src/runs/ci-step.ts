import type { RepoConfig } from "../config.js";
import { failureFeedback, runsForCommit, type Failure, type WorkflowRunsCache } from "../github/actions.js";
import { ciVerdict, nextPollMs, type CiRun } from "../github/ci-verdict.js";
import type { Octokit, RepoRef } from "../github/octokit.js";
import { MAX_DETAIL_CHARS, type CiEvaluation, type CiNote, type Plan } from "../github/plan.js";
import { notes, reasons } from "./reasons.js";
import type { Logger } from "./run-deps.js";

/** What to do about the commit under evaluation, decided from its workflow runs. */
export type CiStep =
  | { action: "wait"; pollInMs: number }
  | { action: "accept"; ci: CiNote; note?: string }
  | { action: "fix"; feedback: string }
  | { action: "pause"; reason: string; ci?: CiNote; detail?: string };

export interface CiLook {
  /** The run; its `evaluation` is the commit looked at. */
  plan: Plan & { evaluation: CiEvaluation };
  config: RepoConfig;
  now: number;
  pollBaseMs: number;
}

const minutes = (m: number) => Math.round(m * 60_000);

/**
 * One look at CI for `plan.evaluation`: wait (holding no worker), accept the instruction, send the same
 * instruction back with the failure, or pause with a plain report of what is wrong.
 */
export async function checkCi(
  input: CiLook & {
    octokit: Octokit;
    repo: RepoRef;
    feedbackTokens: number;
    runsCache: WorkflowRunsCache;
    log: Logger;
    /** The default branch's failing jobs: asked only when the commit's CI failed (a green run never needs them). */
    baseFailing: () => Promise<readonly string[]>;
  },
): Promise<CiStep> {
  const { octokit, repo, plan, log } = input;
  const runs = await runsForCommit(octokit, repo, { sha: plan.evaluation.sha, branch: plan.branch }, input.runsCache);
  const warn = (what: object, message: string) => log.warn(what, message);
  const feedback = async (failed: CiRun[]) => failureFeedback(octokit, repo, failed, input.feedbackTokens, await input.baseFailing(), warn);
  return decideCi(input, runs, feedback);
}

/** What the commit's runs say to do; the failure's feedback (jobs, logs) is read only when they failed. */
export async function decideCi(input: CiLook, runs: readonly CiRun[], failureOf: (failed: CiRun[]) => Promise<Failure>): Promise<CiStep> {
  const { plan, config } = input;
  const short = plan.evaluation.sha.slice(0, 7);
  const waited = input.now - Date.parse(plan.evaluation.since);
  const limits = { noRunsAfterMs: minutes(config.ci.wait_for_runs_minutes), timeoutMs: minutes(config.ci.timeout_minutes) };
  const verdict = ciVerdict(runs, waited, limits);
  switch (verdict.kind) {
    case "waiting": {
      const poll = nextPollMs(waited, input.pollBaseMs);
      // Look again right after the no-run deadline rather than a backed-off interval later.
      const untilDeadline = runs.length === 0 ? limits.noRunsAfterMs - waited + 50 : poll;
      return { action: "wait", pollInMs: Math.max(50, Math.min(poll, untilDeadline)) };
    }
    case "no-ci":
      return { action: "accept", ci: { result: "none" }, note: notes.noCi(short, config.ci.wait_for_runs_minutes, plan.branch) };
    case "too-slow":
      return { action: "pause", reason: reasons.ciTooSlow(short, config.ci.timeout_minutes) };
    case "unusable": {
      const list = verdict.runs.map((r) => `[${r.name}](${r.url}) ended as \`${r.conclusion}\``).join(", ");
      return { action: "pause", reason: reasons.ciUnusable(short, list) };
    }
    case "passed":
      return { action: "accept", ci: { result: "passed", url: verdict.runs[0]?.url } };
    case "failed":
      return onFailure(input, verdict.failed, await failureOf(verdict.failed));
  }
}

/** Failing runs: not the run's fault when they fail as on the default branch; else fixed, until the attempts are used. */
function onFailure(input: CiLook, failed: readonly CiRun[], failure: Failure): CiStep {
  const { evaluation } = input.plan;
  const short = evaluation.sha.slice(0, 7);
  const url = failed[0]?.url;
  if (failure.jobs.length === 0 && failure.ignored.length > 0) {
    return { action: "accept", ci: { result: "base", url }, note: notes.failsAsOnBase(short, failure.ignored) };
  }
  if (evaluation.attempt < input.config.ci.fix_attempts) return { action: "fix", feedback: failure.text };
  return {
    action: "pause",
    reason: reasons.ciStillFails(short, evaluation.attempt, failure.jobs),
    ci: { result: "failed", url },
    detail: failure.text.slice(-MAX_DETAIL_CHARS),
  };
}
