import { PLAN_MARKER, parseChecklist, renderPlanComment, type RenderContext } from "./checklist.js";
import type { IssueRef, Octokit } from "./octokit.js";
import { MAX_NOTES, type Plan } from "./plan.js";
import { applyEdits, planFromComment } from "./plan-edits.js";
import type { CommentTrust } from "./plan-trust.js";
import { createOnce, NO_RETRY } from "./create-once.js";

export interface PlanComment {
  id: number;
  /** GraphQL id, to ask who last edited it. */
  nodeId: string;
  body: string;
}

/** Rendering, plus who may have written the versions being read (see plan-trust.ts). */
export type PlanContext = RenderContext & { trust: CommentTrust };

/**
 * The plan comment of an issue: the app's own comment carrying the marker. A marker in anyone else's
 * comment is not trusted.
 */
export async function findPlanComment(octokit: Octokit, issue: IssueRef, botLogin: string): Promise<PlanComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...issue, per_page: 100 });
  const mine = comments.find((c) => c.user?.login === botLogin && c.user?.type === "Bot" && (c.body ?? "").includes(PLAN_MARKER));
  return mine ? { id: mine.id, nodeId: mine.node_id, body: mine.body ?? "" } : undefined;
}

/** The plan comment's id as a job or the worker remembers it, and who is told the id once it is bound. */
export interface KnownComment {
  id?: number;
  bound(id: number): void;
}

/** The app's plan comment when it is run `runId`'s: what a create whose answer was lost may have made. */
async function findRunComment(octokit: Octokit, issue: IssueRef, botLogin: string, runId: string): Promise<PlanComment | undefined> {
  const found = await findPlanComment(octokit, issue, botLogin);
  return found && readPlan(found)?.runId === runId ? found : undefined;
}

/** The comment with this id when it is still there and still the app's plan comment. */
async function planCommentById(octokit: Octokit, issue: IssueRef, id: number, botLogin: string): Promise<PlanComment | undefined> {
  try {
    const { data } = await octokit.rest.issues.getComment({ owner: issue.owner, repo: issue.repo, comment_id: id });
    const ours = data.user?.login === botLogin && data.user?.type === "Bot" && (data.body ?? "").includes(PLAN_MARKER);
    // The id of a comment on another issue is no plan of this one.
    return ours && data.issue_url.endsWith(`/issues/${issue.issue_number}`)
      ? { id: data.id, nodeId: data.node_id, body: data.body ?? "" }
      : undefined;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined;
    throw e;
  }
}

/** The plan a comment's text describes, whoever wrote it: for looking, never for acting (see readTrustedPlan). */
export const readPlan = (comment: Pick<PlanComment, "body">): Plan | undefined => planFromComment(parseChecklist(comment.body));

/**
 * The plan to act on: the comment as it is when this app or a writer wrote that version; otherwise the
 * app's own last version of it. Undefined, with the reason, when neither can be had now.
 */
export async function readTrustedPlan(
  octokit: Octokit,
  issue: IssueRef,
  comment: PlanComment,
  trust: CommentTrust,
): Promise<{ plan: Plan | undefined; refused?: string }> {
  const own = trust.guard.lastWritten(comment.id);
  if (own === comment.body) return { plan: readPlan(comment) };
  const verdict = await trust.guard.judge(octokit, issue, trust.botLogin, comment.nodeId);
  if (verdict.trusted) return { plan: readPlan(verdict) };
  if (verdict.trusted === undefined) return { plan: undefined, refused: "GitHub could not say who last edited the plan comment" };
  if (own !== undefined) return { plan: readPlan({ body: own }) };
  return {
    plan: undefined,
    refused: `the plan comment was last edited by ${verdict.editor}, who may not steer L2MAC, and this worker has no copy of its own last version; someone with write access can edit the plan comment to make it theirs`,
  };
}

/**
 * Creates the plan comment. Not retried blindly: after a lost answer (a 5xx, a reset) the issue's comments
 * are looked at first, and the comment is created again only when the first attempt made none.
 */
export async function createPlanComment(octokit: Octokit, issue: IssueRef, plan: Plan, ctx: PlanContext): Promise<PlanComment> {
  const body = renderPlanComment(plan, ctx);
  const created = await createOnce(
    async () => {
      const { data } = await octokit.rest.issues.createComment({ ...issue, body, ...NO_RETRY });
      return { id: data.id, nodeId: data.node_id, body };
    },
    () => findRunComment(octokit, issue, ctx.trust.botLogin, plan.runId),
  );
  ctx.trust.guard.remember(created.id, created.body);
  return created;
}

/** GitHub's answer when the comment is gone (deleted by someone). */
const isGone = (e: unknown): boolean => (e as { status?: number })?.status === 404;

/** Said on a plan comment written again after someone deleted the previous one. */
export const RECREATED_NOTE = "The plan comment was deleted during the run; L2MAC wrote it again from the run's state.";

/** Whether merging took anything from the live comment (a user's edit of the items). */
const tookEdits = (ours: Plan, merged: Plan): boolean =>
  merged.nextId !== ours.nextId || JSON.stringify(merged.instructions) !== JSON.stringify(ours.instructions);

/**
 * Writes the plan after re-reading the live comment and merging what users changed since the app's last
 * write; returns the merged plan, which is what the run continues with. A changed version is merged only
 * when this app or a writer wrote it; another's is ignored (and overwritten: the app's state stands).
 * When GitHub cannot say who wrote it, nothing is written this time.
 */
export async function savePlan(octokit: Octokit, issue: IssueRef, commentId: number, plan: Plan, ctx: PlanContext): Promise<Plan> {
  const live = await mergeLive(octokit, issue, commentId, plan, ctx);
  if (!live) return plan;
  const { merged, version, liveBody } = live;
  // Nothing to say but a newer `seen`: leave the comment alone (a write would cost a request and a notification).
  const seenBefore = parseChecklist(liveBody).state?.seen;
  const unchanged = { ...merged, seen: seenBefore };
  if (renderPlanComment(unchanged, ctx) === liveBody) return unchanged;
  const written = { ...merged, seen: version.updatedAt || plan.seen };
  const body = renderPlanComment(written, ctx);
  await octokit.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId, body });
  ctx.trust.guard.remember(commentId, body);
  return written;
}

/**
 * The plan with what users changed in the live comment since the app's last write merged in (see
 * savePlan), without writing; undefined when GitHub cannot say who wrote the live version. The read is
 * conditional, so when nobody edited it costs no rate limit.
 */
export async function mergeLive(
  octokit: Octokit,
  issue: IssueRef,
  commentId: number,
  plan: Plan,
  ctx: PlanContext,
): Promise<{ merged: Plan; version: { body: string; updatedAt: string }; liveBody: string } | undefined> {
  const { data: live } = await octokit.rest.issues.getComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId });
  let version = { body: live.body ?? "", updatedAt: live.updated_at };
  let merged = applyEdits(plan, parseChecklist(version.body));
  if (tookEdits(plan, merged) && ctx.trust.guard.lastWritten(commentId) !== version.body) {
    const verdict = await ctx.trust.guard.judge(octokit, issue, ctx.trust.botLogin, live.node_id);
    if (verdict.trusted === undefined) return undefined;
    if (verdict.trusted) {
      version = verdict;
      merged = applyEdits(plan, parseChecklist(version.body));
    } else {
      // Nothing of it is taken, not even as the version merged from.
      version = { body: "", updatedAt: plan.seen ?? "" };
      merged = plan;
    }
  }
  return { merged, version, liveBody: live.body ?? "" };
}

/**
 * Puts the app's last version of the plan back over an edit it must not take, if the comment still is that
 * edit; false when it is not (the app has written since) or this process has no copy of its own version.
 */
export async function restoreOwnVersion(
  octokit: Octokit,
  issue: IssueRef,
  commentId: number,
  editedBody: string,
  trust: CommentTrust,
): Promise<boolean> {
  const own = trust.guard.lastWritten(commentId);
  if (own === undefined) return false;
  const target = { owner: issue.owner, repo: issue.repo, comment_id: commentId };
  const { data: live } = await octokit.rest.issues.getComment(target);
  if (live.body !== editedBody) return false;
  await octokit.rest.issues.updateComment({ ...target, body: own });
  return true;
}

/**
 * GitHub has no conditional update for comments, so a user's edit made between the app's read and write
 * is overwritten. The edit's webhook carries the edited body: if the live comment was merged from an older
 * version than the edit, the edit is written again on top of it, as an edit, for the worker to merge. The
 * live version it is written on must itself be trusted, or the app would launder someone else's edit.
 */
export async function reapplyLostEdit(
  octokit: Octokit,
  issue: IssueRef,
  commentId: number,
  edited: { body: string; updatedAt: string },
  ctx: PlanContext,
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
  if (ctx.trust.guard.lastWritten(commentId) !== live.body) {
    const verdict = await ctx.trust.guard.judge(octokit, issue, ctx.trust.botLogin, live.node_id);
    if (!verdict.trusted || verdict.body !== live.body) return false;
  }
  await octokit.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: commentId, body });
  ctx.trust.guard.remember(commentId, body);
  return true;
}

/**
 * The plan comment of one issue, bound once for a run: found when the run is opened, created by the first
 * save when there is none, then written with merging (see savePlan).
 */
export class PlanCommentStore {
  private constructor(
    private readonly octokit: Octokit,
    private readonly issue: IssueRef,
    private readonly ctx: PlanContext,
    private comment: PlanComment | undefined,
    private readonly bound?: (id: number) => void,
  ) {}

  /**
   * Binds the issue's plan comment: the one with a known id when it still is the app's plan comment (one
   * conditional read), else found by listing the comments. `bound` hears the id, to be known next time.
   */
  /** `commentCount`: the issue's comment count as just read; an issue with none has no plan comment to list for. */
  static async find(
    octokit: Octokit,
    issue: IssueRef,
    ctx: PlanContext,
    known?: KnownComment,
    commentCount?: number,
  ): Promise<PlanCommentStore> {
    const byId = known?.id !== undefined ? await planCommentById(octokit, issue, known.id, ctx.trust.botLogin) : undefined;
    const comment = byId ?? (commentCount === 0 ? undefined : await findPlanComment(octokit, issue, ctx.trust.botLogin));
    const store = new PlanCommentStore(octokit, issue, ctx, comment, known?.bound);
    if (comment) known?.bound(comment.id);
    return store;
  }

  get exists(): boolean {
    return this.comment !== undefined;
  }

  /** The comment's text as found or as last created (not as last saved). */
  get body(): string | undefined {
    return this.comment?.body;
  }

  /** The plan to act on (see readTrustedPlan); none, and nothing refused, when there is no comment yet. */
  async readTrusted(): Promise<{ plan: Plan | undefined; refused?: string }> {
    return this.comment ? readTrustedPlan(this.octokit, this.issue, this.comment, this.ctx.trust) : { plan: undefined };
  }

  /** The plan with users' edits of the live comment merged in, not written (a free read when nobody edited). */
  async merged(plan: Plan): Promise<Plan> {
    if (!this.comment) return plan;
    try {
      return (await mergeLive(this.octokit, this.issue, this.comment.id, plan, this.ctx))?.merged ?? plan;
    } catch (e) {
      // Deleted: the next save writes it again.
      if (isGone(e)) return plan;
      throw e;
    }
  }

  /** Binds the app's plan comment of run `runId` if the issue has one this store does not know (a lost answer). */
  async adopt(runId: string): Promise<void> {
    if (this.comment) return;
    const found = await findRunComment(this.octokit, this.issue, this.ctx.trust.botLogin, runId);
    if (!found) return;
    this.comment = found;
    this.bound?.(found.id);
  }

  /**
   * Writes the plan, creating the comment the first time; returns the plan the run continues with. A
   * comment deleted meanwhile is written again, from the run's state, as a new comment.
   */
  async save(plan: Plan): Promise<Plan> {
    if (this.comment) {
      try {
        return await savePlan(this.octokit, this.issue, this.comment.id, plan, this.ctx);
      } catch (e) {
        if (!isGone(e)) throw e;
        this.comment = undefined;
        plan = { ...plan, notes: [...(plan.notes ?? []), RECREATED_NOTE] };
      }
    }
    this.comment = await createPlanComment(this.octokit, this.issue, plan, this.ctx);
    this.bound?.(this.comment.id);
    return plan;
  }
}
