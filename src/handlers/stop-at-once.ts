import type { Context } from "probot";
import { DEFAULT_LABEL, type ConfiguredLabels } from "../github/configured-labels.js";
import { PullClosedPayloadSchema } from "../github/pull-payloads.js";
import { reasons } from "../runs/reasons.js";
import { jobFor, type RunJob } from "../runs/run-job.js";
import { endingLabels, issueEnd } from "./run-ended.js";

/**
 * Stopping the running instruction of a run that a closed pull request or issue ends needs no GitHub
 * request: the payload names the pull request, its branch (`<prefix>issue-<n>`) and the labels. So its
 * signal is aborted before the delivery is acknowledged, and no agent turn starts after the event has
 * arrived. The end itself (checked against the trusted plan, recorded on the plan comment) is still
 * applied after the acknowledgement by run-ended.ts. A run that is not running is not touched here.
 */

export interface StopDeps {
  /** The app's bot login: asked of GitHub once per process, then known. */
  botLogin: () => Promise<string>;
  abort: (job: RunJob, reason: string) => void;
}

const ISSUE_BRANCH = /issue-([1-9]\d{0,9})$/;

/** The app's pull request, from an issue branch of this repository, closed or merged. */
export function stopOnPullClosed(deps: StopDeps) {
  return async (context: Context<"pull_request.closed">): Promise<void> => {
    const parsed = PullClosedPayloadSchema.safeParse(context.payload);
    if (!parsed.success) return;
    const { pull_request: pull, repository, installation } = parsed.data;
    if (pull.head.repo?.full_name.toLowerCase() !== repository.full_name.toLowerCase()) return;
    const issue = ISSUE_BRANCH.exec(pull.head.ref);
    if (!issue || pull.user?.login !== (await deps.botLogin())) return;
    const job = jobFor(installation.id, context.payload.repository, Number(issue[1]));
    deps.abort(job, reasons.ended(pull.merged ? "pull-merged" : "pull-closed"));
  };
}

/** An issue closed, or its label removed, when the label is the default one or the repository's known one. */
export function stopOnIssueEnded(deps: Pick<StopDeps, "abort"> & { labels: ConfiguredLabels }) {
  return async (context: Context<"issues.closed" | "issues.unlabeled">): Promise<void> => {
    const { payload } = context;
    if (payload.issue.pull_request || !payload.installation) return;
    const ours = [DEFAULT_LABEL, deps.labels.known(context.repo())];
    if (!endingLabels(payload).some((n) => ours.includes(n))) return;
    const job = jobFor(payload.installation.id, payload.repository, payload.issue.number);
    deps.abort(job, reasons.ended(issueEnd(payload)));
  };
}
