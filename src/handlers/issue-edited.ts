import type { Context } from "probot";
import { loadRepoConfig } from "../github/repo-config.js";
import { taskFromIssue } from "../github/sanitize.js";
import { jobFor, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { skipped } from "./skipped.js";

export interface IssueEditedDeps {
  deliveries: DeliveryLog;
  enqueue: (job: RunJob) => void;
}

/**
 * An edit of an L2MAC issue's title or body wakes its run, carrying the text before the edit: the worker
 * then pauses and shows what changed, until a writer accepts it. The edit itself is never taken as consent,
 * whoever made it.
 */
export function onIssueEdited(deps: IssueEditedDeps) {
  return async (context: Context<"issues.edited">): Promise<void> => {
    const { payload } = context;
    const { changes, issue } = payload;
    if (!changes.title && !changes.body) return skipped(context, "neither the title nor the description changed");
    if (!payload.installation || issue.labels?.length === 0) return skipped(context, "the issue has no labels");
    if (!(await deps.deliveries.firstTime(context.id, eventKeys.issueEdited(payload))))
      return skipped(context, "this event was handled before");
    const labels = (issue.labels ?? []).map((l) => l.name);
    if (!labels.includes("l2mac")) {
      const config = await loadRepoConfig(context.octokit, context.repo());
      if (!config.ok || !labels.includes(config.config.label)) return skipped(context, "the issue does not carry the L2MAC label");
    }
    const before = taskFromIssue(changes.title?.from ?? issue.title, changes.body ? changes.body.from : issue.body).task;
    deps.enqueue(
      jobFor(payload.installation.id, payload.repository, issue.number, undefined, { taskEdit: { before, by: payload.sender.login } }),
    );
  };
}
