import type { Context } from "probot";
import { ciBranchOf } from "../github/actions.js";
import { loadRepoConfig } from "../github/repo-config.js";
import { jobFor, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { skipped } from "./skipped.js";

export interface WorkflowRunDeps {
  deliveries: DeliveryLog;
  enqueue: (job: RunJob) => void;
}

const ISSUE_BRANCH = /^(.*)issue-(\d+)$/;

/**
 * `workflow_run.completed` of this repository's CI on an L2MAC branch wakes that issue's run, which then
 * reads CI itself. A fork's pull request, a manual run or any other event wakes nothing.
 */
export function onWorkflowRunCompleted(deps: WorkflowRunDeps) {
  return async (context: Context<"workflow_run.completed">): Promise<void> => {
    const { payload } = context;
    const match = ISSUE_BRANCH.exec(ciBranchOf(payload.workflow_run, context.repo()) ?? "");
    if (!match || !payload.installation) return skipped(context, "not this repository's CI of an issue branch");
    if (!(await deps.deliveries.firstTime(context.id, eventKeys.workflowRun(payload))))
      return skipped(context, "this event was handled before");
    // Only the configured prefix is ours; the default one needs no config read on busy repositories.
    if (match[1] !== "l2mac/") {
      const config = await loadRepoConfig(context.octokit, context.repo());
      if (!config.ok || config.config.branch_prefix !== match[1]) return skipped(context, "the branch is not an L2MAC branch");
    }
    deps.enqueue(jobFor(payload.installation.id, payload.repository, Number(match[2])));
  };
}
