import type { FakeContext } from "./context.js";
import { authorAssociation } from "./shapes-issue.js";
import { appJson, userJson } from "./shapes-repo.js";
import type { FakeRepo, FakeReview, FakeReviewComment } from "./state.js";

/** Reviews and review (line) comments in GitHub's REST shapes; webhooks use the same with a lower-case review state. */

export function reviewJson(ctx: FakeContext, repo: FakeRepo, review: FakeReview) {
  const pullHtml = `${ctx.baseUrl}/${repo.fullName}/pull/${review.pullNumber}`;
  return {
    id: review.id,
    node_id: Buffer.from(`017:PullRequestReview${review.id}`).toString("base64"),
    user: userJson(ctx, review.user),
    body: review.body,
    state: review.state,
    html_url: `${pullHtml}#pullrequestreview-${review.id}`,
    pull_request_url: `${ctx.apiUrl}/repos/${repo.fullName}/pulls/${review.pullNumber}`,
    author_association: authorAssociation(repo, review.user),
    submitted_at: review.submittedAt,
    commit_id: review.commitId,
    _links: {
      html: { href: `${pullHtml}#pullrequestreview-${review.id}` },
      pull_request: { href: `${ctx.apiUrl}/repos/${repo.fullName}/pulls/${review.pullNumber}` },
    },
  };
}

export function reviewCommentJson(ctx: FakeContext, repo: FakeRepo, comment: FakeReviewComment) {
  const url = `${ctx.apiUrl}/repos/${repo.fullName}/pulls/comments/${comment.id}`;
  const pullHtml = `${ctx.baseUrl}/${repo.fullName}/pull/${comment.pullNumber}`;
  return {
    url,
    id: comment.id,
    node_id: Buffer.from(`024:PullRequestReviewComment${comment.id}`).toString("base64"),
    pull_request_review_id: comment.reviewId,
    diff_hunk: comment.diffHunk,
    path: comment.path,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    user: userJson(ctx, comment.user),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    html_url: `${pullHtml}#discussion_r${comment.id}`,
    pull_request_url: `${ctx.apiUrl}/repos/${repo.fullName}/pulls/${comment.pullNumber}`,
    author_association: authorAssociation(repo, comment.user),
    line: comment.line,
    original_line: comment.line,
    side: "RIGHT",
    subject_type: "line",
    ...(comment.inReplyTo !== undefined ? { in_reply_to_id: comment.inReplyTo } : {}),
    performed_via_github_app: comment.viaApp ? appJson(ctx) : null,
    _links: {
      self: { href: url },
      html: { href: `${pullHtml}#discussion_r${comment.id}` },
      pull_request: { href: `${ctx.apiUrl}/repos/${repo.fullName}/pulls/${comment.pullNumber}` },
    },
  };
}
