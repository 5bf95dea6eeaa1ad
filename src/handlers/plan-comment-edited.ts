import type { Context } from "probot";
import { PLAN_MARKER, parseChecklist } from "../github/checklist.js";
import { refusalText, type Permissions } from "../github/permissions.js";
import { reapplyLostEdit } from "../github/plan-comment.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { replyOnce, type ReplyLimiter } from "./reply-limiter.js";

export interface PlanEditDeps {
  botLogin: () => Promise<string>;
  deliveries: DeliveryLog;
  permissions: Permissions;
  replies: ReplyLimiter;
}

/**
 * An edit of the plan comment. The worker merges edits itself whenever it writes the comment; this
 * handler refuses edits it must not take, and re-applies an edit that a concurrent write of the app lost.
 */
export function onPlanCommentEdited(deps: PlanEditDeps) {
  return async (context: Context<"issue_comment.edited">): Promise<void> => {
    const { payload } = context;
    // The app's own edits come back as events too.
    if (context.isBot || !(await deps.deliveries.firstTime(context.id, eventKeys.comment(payload)))) return;
    const comment = payload.comment;
    // The marker itself may be what the edit removed: the previous body says whose comment this is.
    const wasPlan = comment.body.includes(PLAN_MARKER) || Boolean(payload.changes.body?.from.includes(PLAN_MARKER));
    if (comment.user?.login !== (await deps.botLogin()) || !wasPlan) return;
    const target = { owner: context.repo().owner, repo: context.repo().repo, comment_id: comment.id };
    const reply = (body: string) => context.octokit.rest.issues.createComment(context.issue({ body }));
    // Put the previous checklist back, unless the app has written the comment since.
    const undo = async () => {
      const previous = payload.changes.body?.from;
      const { data: live } = await context.octokit.rest.issues.getComment(target);
      if (previous !== undefined && live.body === comment.body)
        await context.octokit.rest.issues.updateComment({ ...target, body: previous });
    };
    const sender = payload.sender.login;
    const permission = await deps.permissions.check(context.octokit, context.repo(), sender);
    if (permission !== "allowed") {
      await undo();
      await replyOnce(deps.replies, context, sender, `${refusalText(permission, sender, "steer L2MAC")} Your edit of the plan was undone.`);
      return;
    }
    const edited = parseChecklist(comment.body);
    if (edited.items.length === 0 || !edited.state) {
      await undo();
      const what =
        edited.items.length === 0
          ? "has no task items (`- [ ] …`), so it is not a program"
          : "lost the hidden state block the run is kept in";
      await reply(`@${sender} the edited plan ${what}; the previous checklist was kept.`);
      return;
    }
    await reapplyLostEdit(
      context.octokit,
      context.issue(),
      comment.id,
      { body: comment.body, updatedAt: comment.updated_at },
      { repoUrl: payload.repository.html_url },
    );
  };
}
