import { LRUCache } from "lru-cache";
import type { Context } from "probot";

/**
 * Refusals cost the app a comment each; a reader repeating a command must not make it write one per
 * try. One reply per user per issue per window (an hour), a reaction otherwise. Per app instance, bounded.
 */
export class ReplyLimiter {
  private readonly recent: LRUCache<string, true>;

  constructor(options: { windowMs?: number; max?: number } = {}) {
    this.recent = new LRUCache({ max: options.max ?? 10_000, ttl: options.windowMs ?? 3_600_000 });
  }

  /** True the first time in the window: the caller replies; false: it only reacts. */
  take(repo: { owner: string; repo: string }, issue: number, user: string): boolean {
    const key = `${repo.owner}/${repo.repo}#${issue}:${user}`.toLowerCase();
    if (this.recent.has(key)) return false;
    this.recent.set(key, true);
    return true;
  }
}

type IssueContext = Context<
  | "issue_comment.created"
  | "issue_comment.edited"
  | "issues.labeled"
  | "pull_request_review.submitted"
  | "pull_request_review_comment.created"
>;

/** Replies with `body` unless `sender` was answered on this issue (or pull request) within the window; then runs `react`. */
export async function replyOnce(
  limiter: ReplyLimiter,
  context: IssueContext,
  sender: string,
  body: string,
  react?: () => Promise<unknown>,
): Promise<void> {
  if (limiter.take(context.repo(), context.issue().issue_number, sender)) {
    await context.octokit.rest.issues.createComment(context.issue({ body }));
  } else {
    await react?.();
  }
}
