import type { Context } from "probot";
import { DEFAULT_LABEL } from "../github/configured-labels.js";
import { findPlanComment, readPlan } from "../github/plan-comment.js";
import { PullClosedPayloadSchema } from "../github/pull-payloads.js";
import { loadRepoConfig } from "../github/repo-config.js";
import { reasons } from "../runs/reasons.js";
import { jobFor, type RunEnd, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { linkedRun } from "./pull-run.js";
import { skipped } from "./skipped.js";

export interface EndDeps {
  botLogin: () => Promise<string>;
  deliveries: DeliveryLog;
  enqueue: (job: RunJob) => void;
  /** Stops the run's active job at its next safe point (after the agent's current turn). */
  abort: (job: RunJob, reason: string) => void;
}

/**
 * The run's pull request closed: merged, the run is done; otherwise it stops after the current turn and
 * says why. Whoever closed it: stopping spends nothing, and only a writer's `/l2mac continue` resumes.
 */
export function onPullClosed(deps: EndDeps) {
  return async (context: Context<"pull_request.closed">): Promise<void> => {
    const parsed = PullClosedPayloadSchema.safeParse(context.payload);
    if (!parsed.success) return skipped(context, "a pull request payload without the expected fields");
    const pull = parsed.data.pull_request;
    const run = await linkedRun(context.octokit, context.repo(), parsed.data.repository.full_name, pull, await deps.botLogin());
    if (!run.ok) return skipped(context, run.why);
    // The worker ends the run only if this is its pull request now (its trusted plan says); the plan as it
    // looks decides whether to stop the current turn at once.
    const plan = await lookAtPlan(context, run.issue, await deps.botLogin());
    const current = plan?.pr === undefined || plan.pr === pull.number;
    await end(deps, context, run.issue, pull.merged ? "pull-merged" : "pull-closed", { pull: pull.number, abort: current });
  };
}

/** The run's issue closed, or its label removed: the run stops the same way. */
export function onIssueEnded(deps: EndDeps) {
  return async (context: Context<"issues.closed" | "issues.unlabeled">): Promise<void> => {
    const { payload } = context;
    if (payload.issue.pull_request) return skipped(context, "a pull request, not an issue");
    // Only an issue that carries (or just lost) the label can have a run: most closed issues cost no request.
    const names = endingLabels(payload);
    if (names.length === 0) return skipped(context, "the issue has no labels");
    if (!names.includes(DEFAULT_LABEL)) {
      const loaded = await loadRepoConfig(context.octokit, context.repo());
      if (!loaded.ok || !names.includes(loaded.config.label)) return skipped(context, "the issue does not carry the L2MAC label");
    }
    if (!(await findPlanComment(context.octokit, context.issue(), await deps.botLogin())))
      return skipped(context, "no L2MAC run on this issue");
    await end(deps, context, payload.issue.number, issueEnd(payload));
  };
}

type IssueEndPayload = Context<"issues.closed" | "issues.unlabeled">["payload"];

/** The labels that may make an issue's closing (those it carries) or unlabelling (the one removed) a run's end. */
export const endingLabels = (payload: IssueEndPayload): string[] =>
  payload.action === "unlabeled" ? [payload.label?.name ?? ""] : (payload.issue.labels ?? []).map((l) => l.name);

export const issueEnd = (payload: IssueEndPayload): RunEnd => (payload.action === "closed" ? "issue-closed" : "unlabeled");

async function end(
  deps: EndDeps,
  context: Context<"pull_request.closed" | "issues.closed" | "issues.unlabeled">,
  issue: number,
  why: RunEnd,
  options: { pull?: number; abort?: boolean } = {},
): Promise<void> {
  const at = "pull_request" in context.payload ? context.payload.pull_request.updated_at : context.payload.issue.updated_at;
  if (!(await deps.deliveries.firstTime(context.id, eventKeys.ended(context.payload, issue, why, at))))
    return skipped(context, "this event was handled before");
  const job = jobFor(context.payload.installation!.id, context.payload.repository, issue, undefined, {
    end: why,
    ...(options.pull !== undefined ? { endPull: options.pull } : {}),
  });
  if (options.abort !== false) deps.abort(job, reasons.ended(why));
  deps.enqueue(job);
}

/** The run's plan as its comment says (for looking only: the worker acts on the trusted version). */
async function lookAtPlan(context: Context<"pull_request.closed">, issue: number, botLogin: string) {
  const comment = await findPlanComment(context.octokit, context.repo({ issue_number: issue }), botLogin);
  return comment ? readPlan(comment) : undefined;
}
