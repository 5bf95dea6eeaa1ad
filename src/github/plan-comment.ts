import { PLAN_MARKER, parseChecklist, renderPlanComment, type RenderContext } from "./checklist.js";
import type { IssueRef, Octokit } from "./octokit.js";
import { MAX_NOTES, type Plan } from "./plan.js";
import { applyEdits, planFromComment } from "./plan-edits.js";

export interface PlanComment {
  id: number;
  body: string;
}

/**
 * The plan comment of an issue: the app's own comment carrying the marker. A marker in anyone else's
 * comment is not trusted.
 */
export async function findPlanComment(octokit: Octokit, issue: IssueRef, botLogin: string): Promise<PlanComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...issue, per_page: 100 });
  const mine = comments.find((c) => c.user?.login === botLogin && c.user?.type === "Bot" && (c.body ?? "").includes(PLAN_MARKER));
  return mine ? { id: mine.id, body: mine.body ?? "" } : undefined;
}

export const readPlan = (comment: PlanComment): Plan | undefined => planFromComment(parseChecklist(comment.body));

export async function createPlanComment(octokit: Octokit, issue: IssueRef, plan: Plan, ctx: RenderContext): Promise<PlanComment> {
  const body = renderPlanComment(plan, ctx);
  const { data } = await octokit.rest.issues.createComment({ ...issue, body });
  return { id: data.id, body };
}

/**
 * Writes the plan after re-reading the live comment and merging what users changed since the app's last
 * write; returns the merged plan, which is what the run continues with.
 */
export async function savePlan(octokit: Octokit, issue: IssueRef, commentId: number, plan: Plan, ctx: RenderContext): Promise<Plan> {
  const { data: live } = await octokit.rest.issues.getComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId });
  const liveChecklist = parseChecklist(live.body ?? "");
  const merged = applyEdits(plan, liveChecklist);
  // Nothing to say but a newer `seen`: leave the comment alone (a write would cost a request and a notification).
  const unchanged = { ...merged, seen: liveChecklist.state?.seen };
  if (renderPlanComment(unchanged, ctx) === live.body) return unchanged;
  const written = { ...merged, seen: live.updated_at };
  await octokit.rest.issues.updateComment({
    owner: issue.owner,
    repo: issue.repo,
    comment_id: commentId,
    body: renderPlanComment(written, ctx),
  });
  return written;
}

/**
 * GitHub has no conditional update for comments, so a user's edit made between the app's read and write
 * is overwritten. The edit's webhook carries the edited body: if the live comment was merged from an older
 * version than the edit, the edit is written again on top of it, as an edit, for the worker to merge.
 */
export async function reapplyLostEdit(
  octokit: Octokit,
  issue: IssueRef,
  commentId: number,
  edited: { body: string; updatedAt: string },
  ctx: RenderContext,
): Promise<boolean> {
  const { data: live } = await octokit.rest.issues.getComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId });
  const liveChecklist = parseChecklist(live.body ?? "");
  const state = liveChecklist.state;
  if (!state?.seen || Date.parse(state.seen) > Date.parse(edited.updatedAt)) return false;
  const current = planFromComment(liveChecklist);
  const editedChecklist = parseChecklist(edited.body);
  if (!current || editedChecklist.state?.runId !== state.runId) return false;
  const withEdit = applyEdits(current, editedChecklist);
  // What the merge said about the edit (what it cut) travels in the state block, for the worker to keep.
  const notes = withEdit.notes?.slice(-MAX_NOTES);
  const body = renderPlanComment(withEdit, { ...ctx, asEditOf: { ...state, ...(notes ? { notes } : {}) } });
  if (body === live.body) return false;
  await octokit.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId, body });
  return true;
}
