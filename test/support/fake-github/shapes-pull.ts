import type { components } from "@octokit/openapi-types";
import { branchSha } from "./bare-repo.js";
import type { FakeContext } from "./context.js";
import { authorAssociation, issueUrl, labelJson } from "./shapes-issue.js";
import { repoJson, userJson } from "./shapes-repo.js";
import type { FakePull, FakeRepo } from "./state.js";

/** Pull requests in GitHub's REST shape; head and base shas are read live from the bare repo. */

type Schemas = components["schemas"];

export async function pullJson(ctx: FakeContext, repo: FakeRepo, pull: FakePull): Promise<Schemas["pull-request"]> {
  const api = `${ctx.apiUrl}/repos/${repo.fullName}/pulls/${pull.number}`;
  const html = `${ctx.baseUrl}/${repo.fullName}/pull/${pull.number}`;
  const owner = userJson(ctx, ctx.state.user(repo.owner));
  const repository = repoJson(ctx, repo) as unknown as Schemas["repository"];
  const headSha = (await branchSha(repo.gitDir, pull.head)) ?? pull.headSha;
  const baseSha = (await branchSha(repo.gitDir, pull.base)) ?? "";
  const partial: Partial<Schemas["pull-request"]> = {
    url: api,
    id: pull.pullId,
    node_id: Buffer.from(`011:PullRequest${pull.pullId}`).toString("base64"),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl(ctx, repo, pull.number),
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${ctx.apiUrl}/repos/${repo.fullName}/pulls/comments{/number}`,
    comments_url: `${issueUrl(ctx, repo, pull.number)}/comments`,
    statuses_url: `${ctx.apiUrl}/repos/${repo.fullName}/statuses/${headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(ctx, pull.user),
    body: pull.body,
    labels: pull.labels.map((name) => labelJson(ctx, repo, name)) as Schemas["pull-request"]["labels"],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: { label: `${repo.owner}:${pull.head}`, ref: pull.head, sha: headSha, user: owner, repo: repository },
    base: { label: `${repo.owner}:${pull.base}`, ref: pull.base, sha: baseSha, user: owner, repo: repository },
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issueUrl(ctx, repo, pull.number) },
      comments: { href: `${issueUrl(ctx, repo, pull.number)}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${ctx.apiUrl}/repos/${repo.fullName}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${ctx.apiUrl}/repos/${repo.fullName}/statuses/${headSha}` },
    },
    author_association: authorAssociation(repo, pull.user),
    auto_merge: null,
    draft: pull.draft,
    merged: pull.mergedAt !== undefined,
    mergeable: null,
    mergeable_state: "unknown",
    merged_by: null,
    comments: pull.comments.length,
    review_comments: pull.reviewComments.length,
    maintainer_can_modify: true,
  };
  return partial as Schemas["pull-request"];
}
