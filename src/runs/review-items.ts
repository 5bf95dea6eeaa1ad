import { PlanTooLargeError, renderPlanComment } from "../github/checklist.js";
import type { Octokit, RepoRef } from "../github/octokit.js";
import { itemText, MAX_ITEMS, MAX_ITEMS_TEXT, type Plan, type ReviewOriginState } from "../github/plan.js";
import { ReviewCommentSchema, type ReviewComment } from "../github/pull-payloads.js";
import type { Logger } from "./run-deps.js";
import type { ReviewRequest } from "./run-job.js";
import { applyRunCommand } from "./run-commands.js";
import { notes } from "./reasons.js";

/**
 * A writer's review of the run's pull request as new instructions: the review's body is one, each line
 * comment one, each holding the reviewer's words and where they point; the origin (reviewer, link,
 * comment) is kept with the item for its sub-line, the agent's context and the reply in the thread.
 */
export interface ReviewItem {
  text: string;
  origin: ReviewOriginState;
}

/**
 * The items the requests ask for; line comments are read from GitHub (a review's payload has none). A
 * line comment the plan already holds is not read again, and once the program is full nothing more is
 * read: `unread` counts the requests left out so.
 */
export async function reviewItems(
  octokit: Octokit,
  repo: RepoRef,
  requests: readonly ReviewRequest[],
  plan: Pick<Plan, "instructions">,
  log: Logger,
): Promise<{ items: ReviewItem[]; unread: number }> {
  const items: ReviewItem[] = [];
  const taken = new Set(plan.instructions.map((i) => i.origin?.c).filter(Boolean));
  const room = MAX_ITEMS - plan.instructions.length;
  let unread = 0;
  // A review's own order (its body, then its comments) wins over the order its events came in.
  const ordered = [...requests].sort((a, b) => Number(b.kind === "review") - Number(a.kind === "review"));
  for (const request of ordered) {
    if (request.kind === "comment" && taken.has(request.comment)) continue;
    if (items.length >= room) {
      unread++;
      continue;
    }
    if (request.kind === "instruction") {
      items.push({ text: itemText(request.text), origin: { by: request.by, url: request.url, pr: request.pr, k: "cmd" } });
      continue;
    }
    if (request.kind === "review" && request.body.trim()) {
      items.push({
        text: itemText(`Review by @${request.by}: ${request.body}`),
        origin: { by: request.by, url: request.url, pr: request.pr },
      });
    }
    for (const comment of await commentsOf(octokit, repo, request, log)) {
      if (!comment.body.trim() || taken.has(comment.id)) continue;
      taken.add(comment.id);
      items.push(commentItem(request, comment));
    }
  }
  return { items, unread };
}

function commentItem(request: ReviewRequest, comment: ReviewComment): ReviewItem {
  const line = comment.line ?? comment.original_line ?? undefined;
  const where = `${comment.path}${line ? `:${line}` : ""}`;
  return {
    text: itemText(`Review by @${request.by} on ${where}: ${comment.body}`),
    origin: {
      by: request.by,
      url: comment.html_url,
      pr: request.pr,
      c: comment.id,
      ...(comment.in_reply_to_id && comment.in_reply_to_id > 0 ? { t: comment.in_reply_to_id } : {}),
      p: comment.path.slice(0, 500),
      ...(line && line > 0 ? { l: line } : {}),
    },
  };
}

async function commentsOf(octokit: Octokit, repo: RepoRef, request: ReviewRequest, log: Logger): Promise<ReviewComment[]> {
  try {
    if (request.kind === "comment") {
      const { data } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: request.comment });
      return [ReviewCommentSchema.parse(data)];
    }
    if (request.kind !== "review") return [];
    // No more pages than a program can hold items: a huge review is not read to its end.
    let read = 0;
    const list = await octokit.paginate(
      octokit.rest.pulls.listCommentsForReview,
      { ...repo, pull_number: request.pr, review_id: request.review, per_page: 100 },
      (response, done) => {
        read += response.data.length;
        if (read >= MAX_ITEMS) done();
        return response.data;
      },
    );
    return list.slice(0, MAX_ITEMS).map((c) => ReviewCommentSchema.parse(c));
  } catch (e) {
    // A comment deleted since (404) asks for nothing; anything else is retried with the job.
    if ((e as { status?: number }).status === 404) {
      log.info({ request: request.kind }, "a review comment was deleted before it was read");
      return [];
    }
    throw e;
  }
}

/**
 * The plan with the items appended (a comment or review already taken is not taken twice), within the
 * program's bounds, and resumed when it was done, paused or failed: a review is more program to run.
 */
export function addReviewItems(plan: Plan, items: readonly ReviewItem[], actor: string, now: Date, unread = 0): Plan {
  const taken = new Set(plan.instructions.map((i) => originKey(i.origin)).filter(Boolean));
  let count = plan.instructions.length;
  let chars = plan.instructions.reduce((n, i) => n + i.text.length, 0);
  let nextId = plan.nextId;
  let left = unread;
  const added: Plan["instructions"] = [];
  for (const item of items) {
    const key = originKey(item.origin);
    if (!item.text || taken.has(key)) continue;
    taken.add(key);
    if (count >= MAX_ITEMS || chars + item.text.length > MAX_ITEMS_TEXT) {
      left++;
      continue;
    }
    count++;
    chars += item.text.length;
    added.push({ id: nextId++, text: item.text, status: "pending", origin: item.origin });
  }
  if (added.length === 0 && left === 0) return plan;
  const next: Plan = {
    ...plan,
    nextId,
    instructions: [...plan.instructions, ...added],
    notes: left > 0 ? [...(plan.notes ?? []), notes.reviewItemsLeftOut(left)] : plan.notes,
  };
  const resumable = next.phase === "done" || next.phase === "paused" || next.phase === "failed";
  return added.length > 0 && resumable ? applyRunCommand(next, { name: "continue", actor }, now).plan : next;
}

/** What makes two requests the same: the line comment, or the review (or command comment) they came from. */
const originKey = (origin: ReviewOriginState | undefined): string => (origin ? (origin.c ? `c${origin.c}` : `u${origin.url}`) : "");

/**
 * The plan with what the requests ask for (read from GitHub) appended; the same plan when nothing was
 * added. Items that would make the plan comment too long for GitHub are left out (and counted), so the
 * save does not fail and lose the whole review.
 */
export async function planWithReviews(
  octokit: Octokit,
  repo: RepoRef & { url: string },
  plan: Plan,
  requests: readonly ReviewRequest[],
  now: Date,
  log: Logger,
): Promise<Plan> {
  // The URL is for links only: spread into a request, it would become the request's URL.
  const { url, ...ref } = repo;
  const { items, unread } = await reviewItems(octokit, ref, requests, plan, log);
  const by = requests.at(-1)!.by;
  const withFirst = (n: number) => addReviewItems(plan, items.slice(0, n), by, now, unread + items.length - n);
  let next = withFirst(items.length);
  if (!fits(next, url)) {
    // The most items that fit: the plan without them fits (it was saved).
    let [lo, hi] = [0, items.length - 1];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(withFirst(mid), url)) lo = mid;
      else hi = mid - 1;
    }
    next = withFirst(lo);
  }
  log.info({ requests: requests.length, items: next.instructions.length - plan.instructions.length }, "review requests added");
  return next;
}

function fits(plan: Plan, repoUrl: string): boolean {
  try {
    renderPlanComment(plan, { repoUrl });
    return true;
  } catch (e) {
    if (e instanceof PlanTooLargeError) return false;
    throw e;
  }
}
