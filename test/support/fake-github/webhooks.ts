import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import type { Context } from "probot";
import type { FakeContext } from "./context.js";
import { authorAssociation, commentJson, issueJson, labelJson } from "./shapes-issue.js";
import { repoJson, userJson } from "./shapes-repo.js";
import type { FakeComment, FakeRepo, FakeUser } from "./state.js";

/** Webhook payloads in GitHub's shapes, built from the fake's state, and their signed delivery. */

export type WebhookEventName = "issues.labeled" | "issues.edited" | "issue_comment.created" | "issue_comment.edited";

/** A webhook event's payload as Probot types it for the handlers (from GitHub's webhook schemas). */
export type WebhookPayload<E extends WebhookEventName> = Context<E>["payload"];

/**
 * The fake builds payloads from the REST shapes it serves (shapes-*.ts), which GitHub's webhook schemas
 * type more strictly in places (ids as plain numbers, a comment's body never absent, lock reasons as an
 * enum); the values are the same, so the payload is typed as what the handlers receive, here, once.
 */
const asPayload = <E extends WebhookEventName>(payload: object): WebhookPayload<E> => payload as WebhookPayload<E>;

function envelope(ctx: FakeContext, repo: FakeRepo, sender: FakeUser) {
  return {
    repository: repoJson(ctx, repo),
    sender: userJson(ctx, sender),
    installation: {
      id: ctx.state.app.installationId,
      node_id: Buffer.from(`023:Installation${ctx.state.app.installationId}`).toString("base64"),
    },
  };
}

function senderUser(ctx: FakeContext, login: string, type?: "User" | "Bot"): FakeUser {
  const user = ctx.state.user(login);
  return type ? { ...user, type } : user;
}

/** GitHub applies the label before it sends the event, so the issue in state gets it too. */
export function issueLabeledPayload(
  ctx: FakeContext,
  repoName: string,
  issueNumber: number,
  label: string,
  sender = "alice",
  senderType?: "User" | "Bot",
): WebhookPayload<"issues.labeled"> {
  const repo = ctx.state.requireRepo(repoName);
  const issue = ctx.state.requireIssue(repoName, issueNumber);
  if (!issue.labels.includes(label)) issue.labels.push(label);
  return asPayload<"issues.labeled">({
    action: "labeled",
    issue: issueJson(ctx, repo, issue),
    label: labelJson(ctx, repo, label),
    ...envelope(ctx, repo, senderUser(ctx, sender, senderType)),
  });
}

/** The issue closed (or its label removed) by `sender`, in state, and the `issues.closed` / `issues.unlabeled` payload. */
export function issueEndedPayload(
  ctx: FakeContext,
  repoName: string,
  issueNumber: number,
  action: "closed" | "unlabeled",
  sender = "alice",
  label = "l2mac",
): WebhookPayload<"issues.labeled"> {
  const repo = ctx.state.requireRepo(repoName);
  const issue = ctx.state.requireIssue(repoName, issueNumber);
  issue.updatedAt = ctx.state.stamp();
  if (action === "closed") {
    issue.state = "closed";
    issue.closedAt = issue.updatedAt;
  } else issue.labels = issue.labels.filter((l) => l !== label);
  return asPayload<"issues.labeled">({
    action,
    issue: issueJson(ctx, repo, issue),
    ...(action === "unlabeled" ? { label: labelJson(ctx, repo, label) } : {}),
    ...envelope(ctx, repo, ctx.state.user(sender)),
  });
}

/**
 * Someone edits an issue's title or body: the issue in state changes (as GitHub's does before it sends the
 * event) and the payload carries the previous values in `changes`, as GitHub's `issues.edited` does.
 */
export function issueEditedPayload(
  ctx: FakeContext,
  repoName: string,
  issueNumber: number,
  edit: { title?: string; body?: string },
  sender = "alice",
): WebhookPayload<"issues.edited"> {
  const repo = ctx.state.requireRepo(repoName);
  const issue = ctx.state.requireIssue(repoName, issueNumber);
  const changes: Record<string, { from: string }> = {};
  if (edit.title !== undefined && edit.title !== issue.title) {
    changes.title = { from: issue.title };
    issue.title = edit.title;
  }
  if (edit.body !== undefined && edit.body !== issue.body) {
    changes.body = { from: issue.body ?? "" };
    issue.body = edit.body;
  }
  issue.updatedAt = ctx.state.stamp();
  return asPayload<"issues.edited">({
    action: "edited",
    issue: issueJson(ctx, repo, issue),
    changes,
    ...envelope(ctx, repo, ctx.state.user(sender)),
  });
}

/**
 * The comment is described by the test; when it exists in state (see addComment/editComment) its
 * timestamps and app attribution are used, but the payload's body is always the one given.
 */
export function issueCommentPayload<A extends "created" | "edited">(
  ctx: FakeContext,
  repoName: string,
  issueNumber: number,
  action: A,
  comment: { id: number; body: string; user: string },
  sender?: string,
  changes?: { body: { from: string } },
): WebhookPayload<`issue_comment.${A}`> {
  const repo = ctx.state.requireRepo(repoName);
  const issue = ctx.state.requireIssue(repoName, issueNumber);
  const author = ctx.state.user(comment.user);
  const stored = ctx.state.comments.get(comment.id);
  const now = ctx.state.stamp();
  const base: FakeComment = stored ?? {
    id: comment.id,
    issueNumber,
    body: comment.body,
    user: author,
    viaApp: author.type === "Bot",
    createdAt: now,
    updatedAt: now,
    reactions: [],
  };
  const commentBody = {
    ...commentJson(ctx, repo, { ...base, body: comment.body, user: author }),
    author_association: authorAssociation(repo, author),
  };
  return asPayload<`issue_comment.${A}`>({
    action,
    issue: issueJson(ctx, repo, issue),
    comment: commentBody,
    ...(action === "edited" ? { changes: changes ?? {} } : {}),
    ...envelope(ctx, repo, ctx.state.user(sender ?? comment.user)),
  });
}

export async function deliverWebhook(
  url: string,
  event: string,
  payload: object,
  secret: string,
  id: string = randomUUID(),
  signal?: AbortSignal,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: "POST",
    body,
    signal,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/fake",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature-256": await sign(secret, body),
    },
  });
  return { status: response.status, body: await response.text() };
}
