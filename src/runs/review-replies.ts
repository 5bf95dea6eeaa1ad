import { noMentions, plainText } from "../github/markdown-text.js";
import type { Octokit, RepoRef } from "../github/octokit.js";
import { setInstruction, type Plan, type PlanInstruction } from "../github/plan.js";
import { ReviewCommentSchema } from "../github/pull-payloads.js";
import { threadReplies } from "./reasons.js";
import type { Logger } from "./run-deps.js";

/** The diff hunk (and its place) an instruction's line comment was made on, for the agent: data, bounded. */
const MAX_HUNK_CHARS = 4_000;

export async function reviewContext(
  octokit: Octokit,
  repo: RepoRef,
  instruction: PlanInstruction,
  log: Logger,
): Promise<string | undefined> {
  const comment = instruction.origin?.c;
  if (!comment) return undefined;
  try {
    const { data } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: comment });
    const parsed = ReviewCommentSchema.parse(data);
    const line = parsed.line ?? parsed.original_line;
    return `The reviewer commented on ${parsed.path}${line ? ` line ${line}` : ""}, in this part of the pull request's diff:\n${parsed.diff_hunk.slice(-MAX_HUNK_CHARS)}`;
  } catch (e) {
    // The item holds the reviewer's words and place: the agent can work without the hunk.
    log.warn({ err: e, comment }, "could not read the review comment's diff hunk");
    return undefined;
  }
}

/**
 * Replies in the thread of each line comment whose instruction is now done (its commit and summary) or
 * skipped, once: the plan records the answer. A thread that is gone (404) counts as answered; a failed
 * reply is tried again at the next save.
 */
export async function answerThreads(octokit: Octokit, repo: RepoRef & { url: string }, plan: Plan, log: Logger): Promise<Plan> {
  let next = plan;
  for (const i of plan.instructions) {
    const origin = i.origin;
    if (!origin?.c || origin.a || i.status === "pending") continue;
    // The summary is the agent's words (steerable by the issue's text): it pings no one.
    const summary = noMentions(plainText(i.summary ?? "", 300));
    const body =
      i.status === "skipped"
        ? threadReplies.skipped()
        : i.commit
          ? threadReplies.done(i.commit, `${repo.url}/commit/${encodeURIComponent(i.commit)}`, summary)
          : threadReplies.doneNoChange(summary);
    if (await reply(octokit, repo, origin.pr, origin.t ?? origin.c, body, log))
      next = setInstruction(next, i.id, { origin: { ...origin, a: true } });
  }
  return next;
}

/** In the thread of an instruction's line comment: the run stopped on it, and why. */
export async function answerUnfinished(
  octokit: Octokit,
  repo: RepoRef,
  instruction: PlanInstruction,
  reason: string,
  log: Logger,
): Promise<void> {
  const origin = instruction.origin;
  if (origin?.c)
    await reply(octokit, repo, origin.pr, origin.t ?? origin.c, threadReplies.unfinished(noMentions(plainText(reason, 300))), log);
}

/**
 * True once the thread is answered, or GitHub refused the reply for good (gone, locked, invalid: a 4xx
 * other than a rate limit), so it is not asked again at every save; false when GitHub failed, to try again.
 */
async function reply(octokit: Octokit, repo: RepoRef, pr: number, comment: number, body: string, log: Logger): Promise<boolean> {
  try {
    await octokit.rest.pulls.createReplyForReviewComment({
      owner: repo.owner,
      repo: repo.repo,
      pull_number: pr,
      comment_id: comment,
      body,
    });
    return true;
  } catch (e) {
    // A reply is no reason to stop the run: it is tried again with the plan's next write.
    if (!refusedForGood(e)) {
      log.warn({ err: e, comment }, "could not answer in the review comment's thread; will try again");
      return false;
    }
    log.info({ comment, status: (e as { status?: number }).status }, "GitHub refused a reply in the review comment's thread; not answered");
    return true;
  }
}

/** A 4xx that asking again will not change: not a rate limit (429, or a 403 saying so). */
function refusedForGood(e: unknown): boolean {
  const { status, response } = e as { status?: number; response?: { headers?: Record<string, string | undefined> } };
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429) return false;
  const headers = response?.headers ?? {};
  return !(status === 403 && (headers["retry-after"] !== undefined || headers["x-ratelimit-remaining"] === "0"));
}
