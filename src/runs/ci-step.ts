import type { RepoConfig } from "../config.js";
import { failureFeedback, runsForCommit } from "../github/actions.js";
import { ciVerdict, nextPollMs } from "../github/ci-verdict.js";
import type { Octokit, RepoRef } from "../github/octokit.js";
import { MAX_DETAIL_CHARS, type CiNote, type Plan } from "../github/plan.js";

/** What to do about the commit under evaluation, decided from its workflow runs. */
export type CiStep =
  | { action: "wait"; pollInMs: number }
  | { action: "accept"; ci: CiNote; note?: string }
  | { action: "fix"; feedback: string }
  | { action: "pause"; reason: string; ci?: CiNote; detail?: string };

const minutes = (m: number) => Math.round(m * 60_000);

/**
 * One look at CI for `plan.evaluation`: wait (holding no worker), accept the instruction, send the same
 * instruction back with the failure, or pause with a plain report of what is wrong.
 */
export async function checkCi(input: {
  octokit: Octokit;
  repo: RepoRef;
  plan: Plan;
  config: RepoConfig;
  now: number;
  pollBaseMs: number;
  feedbackTokens: number;
}): Promise<CiStep> {
  const { octokit, repo, plan, config } = input;
  const evaluation = plan.evaluation!;
  const short = evaluation.sha.slice(0, 7);
  const waited = input.now - Date.parse(evaluation.since);
  const limits = { noRunsAfterMs: minutes(config.ci.wait_for_runs_minutes), timeoutMs: minutes(config.ci.timeout_minutes) };
  const runs = await runsForCommit(octokit, repo, evaluation.sha, plan.branch);
  const verdict = ciVerdict(runs, waited, limits);
  switch (verdict.kind) {
    case "waiting": {
      const poll = nextPollMs(waited, input.pollBaseMs);
      // Look again right after the no-run deadline rather than a backed-off interval later.
      const untilDeadline = runs.length === 0 ? limits.noRunsAfterMs - waited + 50 : poll;
      return { action: "wait", pollInMs: Math.max(50, Math.min(poll, untilDeadline)) };
    }
    case "no-ci":
      return {
        action: "accept",
        ci: { result: "none" },
        note: `No GitHub Actions run appeared for \`${short}\` within ${config.ci.wait_for_runs_minutes} minutes: no CI covers \`${plan.branch}\`, so the run continues on syntax checks alone.`,
      };
    case "too-slow":
      return {
        action: "pause",
        reason: `CI for \`${short}\` has not finished after ${config.ci.timeout_minutes} minutes; comment \`/l2mac continue\` to wait again`,
      };
    case "unusable": {
      const list = verdict.runs.map((r) => `[${r.name}](${r.url}) ended as \`${r.conclusion}\``).join(", ");
      return {
        action: "pause",
        reason: `CI for \`${short}\` could not judge the change: ${list}. That is not a test failure, so there is nothing for the agent to fix; re-run the workflow or fix its setup, then comment \`/l2mac continue\``,
      };
    }
    case "passed":
      return { action: "accept", ci: { result: "passed", url: verdict.runs[0]?.url } };
    case "failed": {
      const failure = await failureFeedback(octokit, repo, verdict.failed, input.feedbackTokens, plan.base?.failingJobs ?? []);
      const url = verdict.failed[0]?.url;
      if (failure.jobs.length === 0 && failure.ignored.length > 0) {
        return {
          action: "accept",
          ci: { result: "base", url },
          note: `CI for \`${short}\` fails only in jobs that also fail on the default branch (${failure.ignored.join(", ")}); not blamed on this run.`,
        };
      }
      if (evaluation.attempt < config.ci.fix_attempts) return { action: "fix", feedback: failure.text };
      return {
        action: "pause",
        reason: `CI still fails on \`${short}\` after ${evaluation.attempt} fix attempt${evaluation.attempt === 1 ? "" : "s"} (${failure.jobs.join(", ") || "see the run"}); fix it on the branch or edit the instruction, then comment \`/l2mac continue\``,
        ci: { result: "failed", url },
        detail: failure.text.slice(-MAX_DETAIL_CHARS),
      };
    }
  }
}
