import type { Context } from "probot";
import type { ServerEnv } from "../config.js";
import { refusalText, type Permissions } from "../github/permissions.js";
import { installationScope, useConditionalRequests, type ConditionalCache } from "../github/conditional-requests.js";
import { DEFAULT_LABEL, type ConfiguredLabels } from "../github/configured-labels.js";
import { configProblemsComment, loadRepoConfig } from "../github/repo-config.js";
import { taskHashOf } from "../github/plan.js";
import { taskFromIssue } from "../github/sanitize.js";
import { jobFor, MAX_TITLE_CHARS, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { replyOnce, type ReplyLimiter } from "./reply-limiter.js";
import { skipped } from "./skipped.js";

export interface LabeledDeps {
  env: ServerEnv;
  deliveries: DeliveryLog;
  permissions: Permissions;
  replies: ReplyLimiter;
  enqueue: (job: RunJob) => void;
  /** Learns each repository's configured label, so events with other labels are skipped before any request. */
  labels?: ConfiguredLabels;
  /** The installation's ETags: a config read that did not change is a free 304. */
  conditional?: ConditionalCache;
}

/**
 * `issues.labeled` with the configured label: authorise, validate, enqueue. Nothing else. The run's plan
 * comment (or, when planning is slow, its "planning" comment) is the acknowledgement: no reaction is
 * spent on it (one write per run, against the installation's rate limit).
 */
export function onIssueLabeled(deps: LabeledDeps) {
  return async (context: Context<"issues.labeled">): Promise<void> => {
    const { payload } = context;
    if (context.isBot) return skipped(context, "labelled by a bot");
    if (!(await deps.deliveries.firstTime(context.id, eventKeys.labeled(payload))))
      return skipped(context, "this event was handled before");
    const repo = context.repo();
    if (deps.conditional) useConditionalRequests(context.octokit, deps.conditional.forRun(installationScope(payload.installation!.id)));
    const config = await loadRepoConfig(context.octokit, repo);
    const label = config.ok ? config.config.label : DEFAULT_LABEL;
    deps.labels?.remember(repo, label);
    if (payload.label?.name !== label) return skipped(context, `the label is not \`${label}\``);

    const reply = (body: string) => context.octokit.rest.issues.createComment(context.issue({ body }));
    const sender = payload.sender.login;
    const permission = await deps.permissions.check(context.octokit, repo, sender);
    if (permission !== "allowed") {
      skipped(context, `@${sender} may not start a run (${permission})`);
      await replyOnce(deps.replies, context, sender, `${refusalText(permission, sender, "start L2MAC")} Nothing was run.`);
      return;
    }
    if (!config.ok) {
      skipped(context, "the repository's configuration is invalid");
      await reply(configProblemsComment(config.problems));
      return;
    }
    if (!deps.env.OPENAI_API_KEY) {
      await reply("L2MAC cannot start: the app's server has no LLM configured (`OPENAI_API_KEY`). Ask whoever runs the app to set it.");
      context.log.error("OPENAI_API_KEY is not set; refusing to start a run");
      return;
    }
    const { task, bodyIsEmpty } = taskFromIssue(payload.issue.title, payload.issue.body);
    if (bodyIsEmpty) {
      skipped(context, "the issue has no description");
      await reply(
        `@${sender} this issue has no description for L2MAC to work from. Describe the task in the issue body (what to build, requirements, constraints), then remove and re-add the \`${label}\` label.`,
      );
      return;
    }
    // The task as this writer saw it when labelling: the worker plans only this text.
    // Its title goes along for the pull request: a later wake-up of the same text need not read the issue.
    const approvedTask = { hash: taskHashOf(task), text: task, by: sender, title: payload.issue.title.slice(0, MAX_TITLE_CHARS) };
    deps.enqueue(jobFor(payload.installation!.id, payload.repository, payload.issue.number, undefined, { approvedTask, labelled: true }));
  };
}
