import type { FakeContext } from "./context.js";
import { pullJson } from "./shapes-pull.js";
import { repoJson, userJson } from "./shapes-repo.js";
import { reviewCommentJson, reviewJson } from "./shapes-review.js";
import { isPull } from "./state.js";
import type { FakePull, FakeRepo, FakeReview, FakeReviewComment, ReviewState } from "./state.js";

/**
 * Reviews, line comments and closing of pull requests: each changes the fake's state the way GitHub does
 * before it sends the event, and builds the payload GitHub sends (pull_request_review,
 * pull_request_review_comment, pull_request).
 */

function envelope(ctx: FakeContext, repo: FakeRepo, sender: string) {
  return {
    repository: repoJson(ctx, repo),
    sender: userJson(ctx, ctx.state.user(sender)),
    installation: {
      id: ctx.state.app.installationId,
      node_id: Buffer.from(`023:Installation${ctx.state.app.installationId}`).toString("base64"),
    },
  };
}

export function requirePull(ctx: FakeContext, repoName: string, number: number): { repo: FakeRepo; pull: FakePull } {
  const repo = ctx.state.requireRepo(repoName);
  const pull = repo.issues.get(number);
  if (!pull || !isPull(pull)) throw new Error(`fake-github: no pull request ${repoName}#${number}`);
  return { repo, pull };
}

export interface LineCommentInput {
  path: string;
  line: number;
  body: string;
  /** A reply in the thread of this (top) comment: its path, line and hunk are the thread's. */
  inReplyTo?: number;
}

/** The hunk GitHub shows above a line comment: here the commented line and the two before it, from the head. */
async function hunkOf(readFile: (ref: string, path: string) => Promise<string | undefined>, pull: FakePull, c: LineCommentInput) {
  const lines = ((await readFile(pull.head, c.path)) ?? "").split("\n");
  const from = Math.max(1, c.line - 2);
  const shown = lines.slice(from - 1, c.line).map((l) => `+${l}`);
  return `@@ -0,0 +${from},${shown.length} @@\n${shown.join("\n")}`;
}

export interface ReviewInput {
  by: string;
  state: ReviewState;
  body?: string;
  comments?: LineCommentInput[];
}

/** A review submitted (with its line comments) in state. */
export async function addReview(
  ctx: FakeContext,
  repoName: string,
  number: number,
  input: ReviewInput,
  readFile: (ref: string, path: string) => Promise<string | undefined>,
  headSha: string,
): Promise<{ review: FakeReview; comments: FakeReviewComment[] }> {
  const { pull } = requirePull(ctx, repoName, number);
  const user = ctx.state.user(input.by);
  const now = ctx.state.stamp();
  const review: FakeReview = {
    id: ctx.state.nextId(),
    pullNumber: number,
    user,
    body: input.body ?? "",
    state: input.state,
    commitId: headSha,
    submittedAt: now,
  };
  pull.reviews.push(review);
  const comments: FakeReviewComment[] = [];
  for (const c of input.comments ?? []) {
    const top = c.inReplyTo !== undefined ? pull.reviewComments.find((t) => t.id === c.inReplyTo) : undefined;
    if (c.inReplyTo !== undefined && (!top || top.inReplyTo !== undefined)) throw new Error(`fake-github: no thread ${c.inReplyTo}`);
    const comment: FakeReviewComment = {
      id: ctx.state.nextId(),
      pullNumber: number,
      reviewId: review.id,
      user,
      body: c.body,
      path: top?.path ?? c.path,
      line: top?.line ?? c.line,
      diffHunk: top?.diffHunk ?? (await hunkOf(readFile, pull, c)),
      ...(top ? { inReplyTo: top.id } : {}),
      commitId: headSha,
      viaApp: false,
      createdAt: now,
      updatedAt: now,
    };
    pull.reviewComments.push(comment);
    ctx.state.reviewComments.set(comment.id, comment);
    comments.push(comment);
  }
  return { review, comments };
}

export async function reviewSubmittedPayload(ctx: FakeContext, repoName: string, number: number, review: FakeReview) {
  const { repo, pull } = requirePull(ctx, repoName, number);
  const json = reviewJson(ctx, repo, review);
  return {
    action: "submitted",
    review: { ...json, state: review.state.toLowerCase() },
    pull_request: await pullJson(ctx, repo, pull),
    ...envelope(ctx, repo, review.user.login),
  };
}

export async function reviewCommentPayload(ctx: FakeContext, repoName: string, number: number, comment: FakeReviewComment) {
  const { repo, pull } = requirePull(ctx, repoName, number);
  return {
    action: "created",
    comment: reviewCommentJson(ctx, repo, comment),
    pull_request: await pullJson(ctx, repo, pull),
    ...envelope(ctx, repo, comment.user.login),
  };
}

/** Closed (or merged) by `by`, in state; the `pull_request.closed` payload. */
export async function closePull(ctx: FakeContext, repoName: string, number: number, options: { merged?: boolean; by?: string }) {
  const { repo, pull } = requirePull(ctx, repoName, number);
  const now = ctx.state.stamp();
  pull.state = "closed";
  pull.closedAt = now;
  pull.updatedAt = now;
  if (options.merged) pull.mergedAt = now;
  return { action: "closed", number, pull_request: await pullJson(ctx, repo, pull), ...envelope(ctx, repo, options.by ?? "alice") };
}

/** Reopened by `by`, in state; the `pull_request.reopened` payload. */
export async function reopenPull(ctx: FakeContext, repoName: string, number: number, by = "alice") {
  const { repo, pull } = requirePull(ctx, repoName, number);
  pull.state = "open";
  pull.closedAt = null;
  pull.updatedAt = ctx.state.stamp();
  return { action: "reopened", number, pull_request: await pullJson(ctx, repo, pull), ...envelope(ctx, repo, by) };
}
