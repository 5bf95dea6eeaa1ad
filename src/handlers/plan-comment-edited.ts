import type { Context } from "probot";
import { PLAN_MARKER, parseChecklist } from "../github/checklist.js";
import { refusalText, type Permissions } from "../github/permissions.js";
import { reapplyLostEdit, restoreOwnVersion } from "../github/plan-comment.js";
import type { PlanTrust } from "../github/plan-trust.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { replyOnce, type ReplyLimiter } from "./reply-limiter.js";
import { skipped } from "./skipped.js";

export interface PlanEditDeps {
  botLogin: () => Promise<string>;
  deliveries: DeliveryLog;
  permissions: Permissions;
  replies: ReplyLimiter;
  planTrust: PlanTrust;
}

/**
 * An edit of the plan comment. The worker merges edits itself whenever it writes the comment, and only
 * versions written by the app or a writer; this handler undoes edits it must not take (back to the
 * app's own last version, when it still has it) and re-applies a writer's edit that a concurrent write of
 * the app lost. Other apps' and workflows' bots are not trusted: their edits are refused like anyone's.
 */
export function onPlanCommentEdited(deps: PlanEditDeps) {
  return async (context: Context<"issue_comment.edited">): Promise<void> => {
    const { payload } = context;
    const botLogin = await deps.botLogin();
    const sender = payload.sender.login;
    // The app's own edits come back as events too.
    if (sender === botLogin) return skipped(context, "the app's own edit");
    if (!(await deps.deliveries.firstTime(context.id, eventKeys.comment(payload))))
      return skipped(context, "this event was handled before");
    const comment = payload.comment;
    // The marker itself may be what the edit removed: the previous body says whose comment this is.
    const wasPlan = comment.body.includes(PLAN_MARKER) || Boolean(payload.changes.body?.from.includes(PLAN_MARKER));
    if (comment.user?.login !== botLogin || !wasPlan) return skipped(context, "not the app's plan comment");
    const trust = { guard: deps.planTrust, botLogin };
    const undo = () => restoreOwnVersion(context.octokit, context.issue(), comment.id, comment.body, trust);
    // Said only when it is so: the worker ignores such a version anyway, but it may have been overwritten already.
    const outcome = (undone: boolean) => (undone ? "your edit of the plan was undone" : "your edit of the plan was not applied");

    const permission = context.isBot ? "denied" : await deps.permissions.check(context.octokit, context.repo(), sender);
    if (permission !== "allowed") {
      skipped(context, `@${sender} may not steer (${permission}); undoing the edit`);
      const undone = await undo();
      await replyOnce(deps.replies, context, sender, `${refusalText(permission, sender, "steer L2MAC")} ${capitalise(outcome(undone))}.`);
      return;
    }
    const edited = parseChecklist(comment.body);
    if (edited.items.length === 0 || !edited.state) {
      const undone = await undo();
      const what =
        edited.items.length === 0
          ? "has no task items (`- [ ] …`), so it is not a program"
          : "lost the hidden state block the run is kept in";
      await context.octokit.rest.issues.createComment(
        context.issue({
          body: `@${sender} the edited plan ${what}; ${undone ? "the previous checklist was put back" : "the run keeps to the previous checklist"}.`,
        }),
      );
      return;
    }
    await reapplyLostEdit(
      context.octokit,
      context.issue(),
      comment.id,
      { body: comment.body, updatedAt: comment.updated_at },
      { repoUrl: payload.repository.html_url, trust },
    );
  };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
