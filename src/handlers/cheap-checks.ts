import type { Context } from "probot";
import { PLAN_MARKER } from "../github/checklist.js";
import { parseCommand } from "../github/commands.js";
import { DEFAULT_LABEL, type ConfiguredLabels } from "../github/configured-labels.js";

/**
 * Checks on a webhook's payload alone, made before it is acknowledged: an event they reject cannot
 * concern the app, and costs no request and no queued work. What passes is decided after the acknowledgement.
 */

/** Each returns why the event cannot concern the app, or undefined when it may (then it is decided later). */

/** A person's label that is the default label or the repository's known configured one (or one not known yet). */
export function whyNotStart(context: Context<"issues.labeled">, labels: ConfiguredLabels): string | undefined {
  if (context.isBot) return "labelled by a bot";
  const label = context.payload.label?.name;
  return labels.mayStart(context.repo(), label) ? undefined : `the label is not \`${labels.known(context.repo()) ?? DEFAULT_LABEL}\``;
}

/** A person's comment whose first line is `/l2mac …`. */
export function whyNotCommand(context: Context<"issue_comment.created">): string | undefined {
  if (context.isBot) return "a bot's comment";
  return parseCommand(context.payload.comment.body) ? undefined : "the comment is not an L2MAC command";
}

/** An edit of a bot's comment that is, or was before the edit, a plan comment. */
export function whyNotPlanEdit(context: Context<"issue_comment.edited">): string | undefined {
  const { comment, changes } = context.payload;
  const wasPlan = comment.body.includes(PLAN_MARKER) || Boolean(changes.body?.from.includes(PLAN_MARKER));
  return comment.user?.type === "Bot" && wasPlan ? undefined : "not the app's plan comment";
}
