import type { IssueRef, Octokit } from "../github/octokit.js";
import { isStopped } from "../github/phase.js";
import { taskHashOf, type Plan } from "../github/plan.js";
import type { PlanCommentStore } from "../github/plan-comment.js";
import { taskDiff } from "../github/task-diff.js";
import type { Logger } from "./run-deps.js";
import { notes, reasons, replies } from "./reasons.js";
import { applyRunCommand, type RunCommand } from "./run-commands.js";
import type { RunJob } from "./run-job.js";

/**
 * The task is what a writer approved, never what the issue says at the moment a worker reads it: the
 * issue's author needs no write access to edit it. A run starts only from the text the labelling writer
 * saw (carried in the job); any later change of title or body pauses the run, shows what changed, and
 * is taken only with `/l2mac accept` from a writer (commands are authorised before they are queued).
 */

const DIFF_MARKER = "<!-- l2mac:task-change -->";

export interface ConsentInput {
  octokit: Octokit;
  job: RunJob;
  issue: IssueRef;
  /** The task as the issue says now (sanitised title and body). */
  task: string;
  /** The issue's plan comment (created here, paused, when a changed task finds none yet). */
  comment: PlanCommentStore;
  plan: Plan | undefined;
  /** A new plan for an issue that has none yet (run id, branch). */
  fresh: () => Plan;
  log: Logger;
}

export type Consent =
  /** Go on with this plan (not yet written when there was none: planning writes it). */
  | { ok: true; plan: Plan }
  /** Stop here: nothing a writer approved can run now. */
  | { ok: false; phase: Plan["phase"] };

/** What the task's state calls for; decided without GitHub (decideConsent), done by checkTaskConsent. */
export type ConsentDecision =
  /** No writer asked for a run on this issue (e.g. a wake-up for a branch that only looks like ours). */
  | { kind: "unapproved" }
  /** The task is the approved one, or the writer who labelled it again approved it (`relabelledBy`). */
  | { kind: "approved"; approved: string; relabelledBy?: string; nothingToAccept?: string }
  /** A writer accepts the change whose diff they saw. */
  | { kind: "accepted"; approved: string; by: string }
  /** The task changed and nobody accepted it: the commands it refuses, whether its diff is new, whether the run pauses. */
  | { kind: "changed"; approved: string; changedAgain?: string; refused: RunCommand[]; newChange: boolean; pause: boolean };

/** The decision for a task whose hash is `current`, given the run's plan (if any) and the job that woke it. */
export function decideConsent(current: string, plan: Plan | undefined, job: Pick<RunJob, "approvedTask" | "commands">): ConsentDecision {
  const commands = job.commands ?? [];
  const accept = commands.find((c) => c.name === "accept");
  const approved = plan?.taskHash ?? job.approvedTask?.hash;
  if (!approved) return { kind: "unapproved" };
  // A writer who labels the issue again approves the text they labelled.
  const relabelled = job.approvedTask !== undefined && job.approvedTask.hash === current && current !== approved;
  if (relabelled) return { kind: "approved", approved, relabelledBy: job.approvedTask!.by };
  if (current === approved) return { kind: "approved", approved, ...(accept ? { nothingToAccept: accept.actor } : {}) };
  // What a writer accepts is the change whose diff they saw; a newer one is shown first.
  if (accept && plan?.pendingTask?.hash === current) return { kind: "accepted", approved, by: accept.actor };
  // A run stopped for another reason stays as it is, with the change recorded; one waiting for approval pauses.
  const phase = plan?.phase ?? "planning";
  const halted = isStopped(phase) && phase !== "awaiting-approval";
  return {
    kind: "changed",
    approved,
    ...(accept ? { changedAgain: accept.actor } : {}),
    refused: commands.filter((c) => c.name === "continue" || c.name === "replan"),
    newChange: plan?.pendingTask?.hash !== current,
    pause: !halted || plan?.reason === reasons.taskChanged(),
  };
}

export async function checkTaskConsent(input: ConsentInput): Promise<Consent> {
  const { octokit, job, issue, task, comment, log } = input;
  const current = taskHashOf(task);
  const reply = (body: string) => octokit.rest.issues.createComment({ ...issue, body });
  const decision = decideConsent(current, input.plan, job);
  if (decision.kind === "unapproved") {
    log.warn("no approved task for this issue; nothing to run");
    return { ok: false, phase: input.plan?.phase ?? "paused" };
  }
  // Not written yet: planning writes it (with what was approved), or the pause below does.
  let plan = input.plan ?? { ...input.fresh(), phase: "planning", taskHash: decision.approved };
  switch (decision.kind) {
    case "approved":
      if (decision.nothingToAccept) await reply(replies.nothingToAccept(decision.nothingToAccept));
      if (decision.relabelledBy) plan = await comment.save(accepted(plan, decision.relabelledBy, current));
      else if (plan.pendingTask) plan = await comment.save({ ...plan, pendingTask: undefined });
      return { ok: true, plan };
    case "accepted":
      return { ok: true, plan: await comment.save(accepted(plan, decision.by, current)) };
    case "changed":
      if (decision.changedAgain) await reply(replies.changedAgain(decision.changedAgain));
      for (const c of decision.refused) await reply(replies.notAccepted(c.actor, c.name));
      if (decision.newChange) plan = await recordChange(input, plan, decision.approved, current);
      plan = await comment.save(decision.pause ? pausedForChange(plan) : plan);
      return { ok: false, phase: plan.phase };
  }
}

/** Shows the change (a diff comment, updated when there is one) and records it as pending. */
async function recordChange(input: ConsentInput, plan: Plan, approved: string, current: string): Promise<Plan> {
  const { octokit, issue, job, task, log } = input;
  const sinceApproved = job.approvedTask?.hash === approved;
  const diffComment = await showChange(octokit, issue, log, plan.pendingTask?.comment, {
    before: sinceApproved ? job.approvedTask!.text : job.taskEdit?.before,
    after: task,
    sinceApproved,
    by: job.taskEdit?.by,
  });
  log.warn({ by: job.taskEdit?.by }, "the task changed after it was approved; paused until a writer accepts it");
  return { ...plan, pendingTask: { hash: current, ...(diffComment !== undefined ? { comment: diffComment } : {}) } };
}

const pausedForChange = (plan: Plan): Plan => ({
  ...plan,
  phase: "paused",
  reason: reasons.taskChanged(),
  current: plan.evaluation ? plan.current : undefined,
});

/** The new text becomes the approved one; a run paused only for the change goes on. */
function accepted(plan: Plan, by: string, hash: string): Plan {
  const base: Plan = { ...plan, taskHash: hash, pendingTask: undefined, notes: [...(plan.notes ?? []), notes.taskAccepted(by)] };
  if (plan.phase !== "paused" || plan.reason !== reasons.taskChanged()) return base;
  return applyRunCommand(base, { name: "continue", actor: by }, new Date()).plan;
}

/** Posts the diff (or updates the earlier one, so repeated edits add no comments); returns its id. */
async function showChange(
  octokit: Octokit,
  issue: IssueRef,
  log: Logger,
  previous: number | undefined,
  change: { before: string | undefined; after: string; sinceApproved: boolean; by: string | undefined },
): Promise<number | undefined> {
  const who = change.by ? ` (last edited by @${change.by})` : "";
  const what =
    change.before === undefined
      ? `The earlier text is not known to this worker (the issue's edit history has it); the text now:\n\n${taskDiff("", change.after)}`
      : `${change.sinceApproved ? "What changed since the approved text:" : "What the latest edit changed:"}\n\n${taskDiff(change.before, change.after)}`;
  const body = [
    DIFF_MARKER,
    `The issue's title or description changed after it was approved${who}, so L2MAC paused: it only works from text someone with write access approved.`,
    "",
    what,
    "",
    "Someone with write access can comment `/l2mac accept` to go on with the new text, or change the issue back. `/l2mac continue` does not accept it.",
  ].join("\n");
  if (previous !== undefined) {
    const updated = await octokit.rest.issues
      .updateComment({ owner: issue.owner, repo: issue.repo, comment_id: previous, body })
      .then(() => true)
      .catch((e: unknown) => {
        log.warn({ comment: previous, err: e }, "could not update the earlier task-change comment; posting a new one");
        return false;
      });
    if (updated) return previous;
  }
  const { data } = await octokit.rest.issues.createComment({ ...issue, body });
  return data.id;
}
