import type { components } from "@octokit/openapi-types";
import type { FakeContext } from "./context.js";
import { appJson, userJson } from "./shapes-repo.js";
import { isPull, REACTION_CONTENTS } from "./state.js";
import type { FakeComment, FakeIssue, FakeReaction, FakeRepo, FakeUser } from "./state.js";

/** Issues, comments, labels and reactions in GitHub's REST/webhook shapes. */

type Schemas = components["schemas"];

/** From the repo's configured permissions, which is what GitHub derives it from for a personal repo. */
export function authorAssociation(repo: FakeRepo, user: FakeUser): Schemas["author-association"] {
  if (user.type === "Bot") return "NONE";
  if (user.login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
  const permission = Object.entries(repo.permissions).find(([login]) => login.toLowerCase() === user.login.toLowerCase())?.[1];
  return permission && permission !== "none" ? "COLLABORATOR" : "NONE";
}

export function labelJson(ctx: FakeContext, repo: FakeRepo, name: string): Schemas["label"] {
  const id = [...name].reduce((hash, ch) => (hash * 31 + ch.charCodeAt(0)) >>> 0, 7);
  return {
    id,
    node_id: Buffer.from(`05:Label${id}`).toString("base64"),
    url: `${ctx.apiUrl}/repos/${repo.fullName}/labels/${encodeURIComponent(name)}`,
    name,
    description: null,
    color: "ededed",
    default: false,
  };
}

export function reactionRollup(ctx: FakeContext, url: string, reactions: FakeReaction[]): Schemas["reaction-rollup"] {
  const rollup: Schemas["reaction-rollup"] = {
    url: `${url}/reactions`,
    total_count: reactions.length,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    confused: 0,
    heart: 0,
    hooray: 0,
    eyes: 0,
    rocket: 0,
  };
  for (const content of REACTION_CONTENTS) rollup[content] = reactions.filter((r) => r.content === content).length;
  return rollup;
}

export function reactionJson(ctx: FakeContext, reaction: FakeReaction): Schemas["reaction"] {
  return {
    id: reaction.id,
    node_id: Buffer.from(`08:Reaction${reaction.id}`).toString("base64"),
    user: userJson(ctx, reaction.user),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

export function issueUrl(ctx: FakeContext, repo: FakeRepo, number: number): string {
  return `${ctx.apiUrl}/repos/${repo.fullName}/issues/${number}`;
}

export function issueJson(ctx: FakeContext, repo: FakeRepo, issue: FakeIssue): Schemas["issue"] {
  const url = issueUrl(ctx, repo, issue.number);
  const html = `${ctx.baseUrl}/${repo.fullName}/${isPull(issue) ? "pull" : "issues"}/${issue.number}`;
  const pullUrl = `${ctx.apiUrl}/repos/${repo.fullName}/pulls/${issue.number}`;
  return {
    id: issue.id,
    node_id: Buffer.from(`05:Issue${issue.id}`).toString("base64"),
    url,
    repository_url: `${ctx.apiUrl}/repos/${repo.fullName}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    number: issue.number,
    state: issue.state,
    state_reason: issue.state === "closed" ? "completed" : null,
    title: issue.title,
    body: issue.body,
    user: userJson(ctx, issue.user),
    labels: issue.labels.map((name) => labelJson(ctx, repo, name)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    ...(isPull(issue)
      ? {
          pull_request: { url: pullUrl, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: null },
          draft: issue.draft,
        }
      : {}),
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: authorAssociation(repo, issue.user),
    reactions: reactionRollup(ctx, url, issue.reactions),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
  };
}

export function commentJson(ctx: FakeContext, repo: FakeRepo, comment: FakeComment): Schemas["issue-comment"] {
  const url = `${ctx.apiUrl}/repos/${repo.fullName}/issues/comments/${comment.id}`;
  const issue = repo.issues.get(comment.issueNumber);
  const kind = issue && isPull(issue) ? "pull" : "issues";
  return {
    id: comment.id,
    node_id: Buffer.from(`012:IssueComment${comment.id}`).toString("base64"),
    url,
    html_url: `${ctx.baseUrl}/${repo.fullName}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userJson(ctx, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: issueUrl(ctx, repo, comment.issueNumber),
    author_association: authorAssociation(repo, comment.user),
    performed_via_github_app: comment.viaApp ? appJson(ctx) : null,
    reactions: reactionRollup(ctx, url, comment.reactions),
  };
}
