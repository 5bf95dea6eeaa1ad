import { PLAN_MARKER, parseChecklist, renderPlanComment, type RenderContext } from "./checklist.js";
import type { IssueRef, Octokit } from "./octokit.js";
import type { Plan } from "./plan.js";
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
  const merged = applyEdits(plan, parseChecklist(live.body ?? ""));
  const body = renderPlanComment(merged, ctx);
  if (body !== live.body) await octokit.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId, body });
  return merged;
}
