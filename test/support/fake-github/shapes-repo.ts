import type { components } from "@octokit/openapi-types";
import type { FakeContext } from "./context.js";
import type { FakeRepo, FakeUser } from "./state.js";

/** Users, apps and repositories in GitHub's REST/webhook shapes. */

type Schemas = components["schemas"];

export function userJson(ctx: FakeContext, user: FakeUser): Schemas["simple-user"] {
  const api = `${ctx.apiUrl}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString("base64"),
    avatar_url: `${ctx.baseUrl}/avatars/u/${user.id}`,
    gravatar_id: "",
    url: api,
    html_url: `${ctx.baseUrl}/${user.type === "Bot" ? "apps/" + ctx.state.app.slug : user.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    site_admin: false,
    user_view_type: "public",
  };
}

export function appJson(ctx: FakeContext): NonNullable<Schemas["integration"]> {
  const { id, slug } = ctx.state.app;
  return {
    id,
    slug,
    node_id: Buffer.from(`03:Integration${id}`).toString("base64"),
    client_id: `Iv1.fake${id}`,
    owner: userJson(ctx, ctx.state.user("l2mac-org")),
    name: slug,
    description: "L2MAC as a GitHub App (fake)",
    external_url: ctx.baseUrl,
    html_url: `${ctx.baseUrl}/apps/${slug}`,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    permissions: { contents: "write", issues: "write", pull_requests: "write", actions: "read", checks: "read", metadata: "read" },
    events: ["issues", "issue_comment", "workflow_run"],
    installations_count: 1,
  };
}

export function repoJson(ctx: FakeContext, repo: FakeRepo): Schemas["full-repository"] {
  const api = `${ctx.apiUrl}/repos/${repo.fullName}`;
  const html = `${ctx.baseUrl}/${repo.fullName}`;
  const partial: Partial<Schemas["full-repository"]> = {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
    name: repo.name,
    full_name: repo.fullName,
    owner: userJson(ctx, ctx.state.user(repo.owner)),
    private: false,
    visibility: "public",
    html_url: html,
    description: null,
    fork: false,
    url: api,
    clone_url: repo.cloneUrl,
    git_url: `git://127.0.0.1/${repo.fullName}.git`,
    ssh_url: `git@127.0.0.1:${repo.fullName}.git`,
    svn_url: html,
    homepage: null,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    contents_url: `${api}/contents/{+path}`,
    branches_url: `${api}/branches{/branch}`,
    default_branch: repo.defaultBranch,
    archived: false,
    disabled: false,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    is_template: false,
    size: 1,
    stargazers_count: 0,
    watchers_count: 0,
    forks_count: 0,
    open_issues_count: [...repo.issues.values()].filter((i) => i.state === "open").length,
    language: null,
    topics: [],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    pushed_at: "2026-01-01T00:00:00Z",
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    delete_branch_on_merge: false,
    network_count: 0,
    subscribers_count: 0,
  };
  return partial as Schemas["full-repository"];
}
