import type { Context } from "probot";
import { refusalText, type Permissions } from "../github/permissions.js";
import { ReviewCommentPayloadSchema, ReviewPayloadSchema } from "../github/pull-payloads.js";
import { jobFor, type ReviewRequest, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { isBotOrSelf, linkedRun } from "./pull-run.js";
import { replyOnce, type ReplyLimiter } from "./reply-limiter.js";
import { skipped } from "./skipped.js";

export interface ReviewDeps {
  botLogin: () => Promise<string>;
  deliveries: DeliveryLog;
  permissions: Permissions;
  replies: ReplyLimiter;
  /** `delayMs`: a batch (single line comments gathered into one wake-up). */
  enqueue: (job: RunJob, options?: { delayMs?: number }) => void;
}

type ReviewContext = Context<"pull_request_review.submitted" | "pull_request_review_comment.created">;

/**
 * A writer's review of the app's own pull request: changes requested, or a comment with a body, wakes the
 * run at once; a comment review without a body (line comments only, as a single comment makes) is
 * gathered like single comments. Approvals ask for nothing. Readers get one short reply; bots nothing.
 */
export function onReviewSubmitted(deps: ReviewDeps) {
  return async (context: Context<"pull_request_review.submitted">): Promise<void> => {
    const parsed = ReviewPayloadSchema.safeParse(context.payload);
    if (!parsed.success) return skipped(context, "a review payload without the expected fields");
    const { review, pull_request: pull, sender } = parsed.data;
    if (review.state !== "changes_requested" && review.state !== "commented") return skipped(context, `a review that is ${review.state}`);
    const request: ReviewRequest = {
      kind: "review",
      pr: pull.number,
      review: review.id,
      by: sender.login,
      url: review.html_url,
      body: review.body,
    };
    const batched = review.state === "commented" && !review.body.trim();
    await take(deps, context, { sender, pull, request, key: eventKeys.review(parsed.data), batched });
  };
}

/** A single line comment (or a reply in a thread) by a writer: gathered for `review.batch_seconds` into one wake-up. */
export function onReviewComment(deps: ReviewDeps) {
  return async (context: Context<"pull_request_review_comment.created">): Promise<void> => {
    const parsed = ReviewCommentPayloadSchema.safeParse(context.payload);
    if (!parsed.success) return skipped(context, "a review comment payload without the expected fields");
    const { comment, pull_request: pull, sender } = parsed.data;
    if (!comment.body.trim()) return skipped(context, "an empty review comment");
    const request: ReviewRequest = { kind: "comment", pr: pull.number, comment: comment.id, by: sender.login };
    await take(deps, context, { sender, pull, request, key: eventKeys.reviewComment(parsed.data), batched: true });
  };
}

interface Taken {
  sender: { login: string; type?: string };
  pull: Parameters<typeof linkedRun>[3];
  request: ReviewRequest;
  key: string;
  batched: boolean;
}

/** The checks both share: whose pull request, whose review, whether reviews are on; then the wake-up. */
async function take(deps: ReviewDeps, context: ReviewContext, taken: Taken): Promise<void> {
  const { sender, pull, request } = taken;
  if (await isBotOrSelf(context, sender, deps.botLogin)) return skipped(context, "a bot's review");
  if (pull.state !== "open") return skipped(context, "a review of a closed pull request");
  if (!(await deps.deliveries.firstTime(context.id, taken.key))) return skipped(context, "this event was handled before");
  const repo = context.repo();
  const run = await linkedRun(context.octokit, repo, context.payload.repository.full_name, pull, await deps.botLogin());
  if (!run.ok) return skipped(context, run.why);
  if (!run.config.review.enabled) return skipped(context, "`review.enabled` is off");
  const permission = await deps.permissions.check(context.octokit, repo, sender.login);
  if (permission !== "allowed") {
    skipped(context, `@${sender.login} may not steer (${permission})`);
    const text = `${refusalText(permission, sender.login, "turn a review into L2MAC instructions")} Nothing was changed.`;
    await replyOnce(deps.replies, context, sender.login, text);
    return;
  }
  const job = jobFor(context.payload.installation!.id, context.payload.repository, run.issue, undefined, { reviews: [request] });
  deps.enqueue(job, taken.batched ? { delayMs: run.config.review.batch_seconds * 1000 } : undefined);
}
