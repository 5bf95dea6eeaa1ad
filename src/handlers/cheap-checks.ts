import type { Context } from "probot";
import { PLAN_MARKER } from "../github/checklist.js";
import { parseCommand } from "../github/commands.js";
import { DEFAULT_LABEL, type ConfiguredLabels } from "../github/configured-labels.js";

/**
 * Checks on a webhook's payload alone, made before it is acknowledged: an event they reject cannot
 * concern the app, and costs no request and no queued work. What passes is decided after the acknowledgement.
 */

/**
 * Each returns why the event cannot concern the app, or undefined when it may (then it is decided later).
 * They read the payload alone, so they run before Probot builds a context too (webhook-early-skip.ts).
 */

type Payload<E extends "issues.labeled" | "issue_comment.created" | "issue_comment.edited"> = Context<E>["payload"];

const isBot = (payload: { sender?: { type?: string } }) => payload.sender?.type === "Bot";
const repoOf = (payload: { repository: { owner: { login: string }; name: string } }) => ({
  owner: payload.repository.owner.login,
  repo: payload.repository.name,
});

/** A person's label that is the default label or the repository's known configured one (or one not known yet). */
export function whyNotStart(payload: Payload<"issues.labeled">, labels: ConfiguredLabels): string | undefined {
  if (isBot(payload)) return "labelled by a bot";
  const repo = repoOf(payload);
  return labels.mayStart(repo, payload.label?.name) ? undefined : `the label is not \`${labels.known(repo) ?? DEFAULT_LABEL}\``;
}

/** A person's comment whose first line is `/l2mac …`. */
export function whyNotCommand(payload: Payload<"issue_comment.created">): string | undefined {
  if (isBot(payload)) return "a bot's comment";
  return parseCommand(payload.comment.body) ? undefined : "the comment is not an L2MAC command";
}

/** An edit of a bot's comment that is, or was before the edit, a plan comment. */
export function whyNotPlanEdit(payload: Payload<"issue_comment.edited">): string | undefined {
  const { comment, changes } = payload;
  const wasPlan = comment.body.includes(PLAN_MARKER) || Boolean(changes.body?.from.includes(PLAN_MARKER));
  return comment.user?.type === "Bot" && wasPlan ? undefined : "not the app's plan comment";
}
