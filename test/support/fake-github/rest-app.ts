import type { components } from "@octokit/openapi-types";
import type { FakeContext } from "./context.js";
import { paginate } from "./pagination.js";
import { appRoute, installationRoute, json, notFound } from "./routing.js";
import type { Route } from "./routing.js";
import { appJson, repoJson, userJson } from "./shapes-repo.js";

/** App-level endpoints (JWT-authenticated by the server before these run). */

type Schemas = components["schemas"];

export function appRoutes(ctx: FakeContext): Route[] {
  const { state } = ctx;
  const installation = () => ({
    id: state.app.installationId,
    account: userJson(ctx, state.user("l2mac-org")),
    app_id: state.app.id,
    app_slug: state.app.slug,
    target_type: "Organization",
    repository_selection: "all",
    permissions: appJson(ctx).permissions,
    events: appJson(ctx).events,
  });
  return [
    appRoute("GET", "/app", () => json(200, appJson(ctx))),

    appRoute("GET", "/app/installations", () => json(200, [installation()])),

    // The repositories the installation can reach (all of them: repository_selection "all").
    installationRoute("GET", "/installation/repositories", (req) => {
      const { page, headers } = paginate([...state.repos.values()], req, `${ctx.apiUrl}/installation/repositories`);
      return {
        status: 200,
        body: { total_count: state.repos.size, repository_selection: "all", repositories: page.map((r) => repoJson(ctx, r)) },
        headers,
      };
    }),

    // Not counted against the rate limit on GitHub either.
    installationRoute("GET", "/rate_limit", () =>
      json(200, { resources: { core: { limit: 5000, remaining: 4999, reset: Math.floor(Date.now() / 1000) + 3600, used: 1 } } }),
    ),

    appRoute("GET", "/app/installations/:id", ({ params }) => {
      if (Number(params.id) !== state.app.installationId) return notFound();
      return json(200, installation());
    }),

    appRoute("POST", "/app/installations/:id/access_tokens", ({ params }) => {
      if (Number(params.id) !== state.app.installationId) return notFound();
      const { token, expiresAt } = state.issueToken();
      const body: Schemas["installation-token"] = {
        token,
        expires_at: expiresAt,
        permissions: { contents: "write", issues: "write", pull_requests: "write", actions: "read", checks: "read", metadata: "read" },
        repository_selection: "all",
      };
      return json(201, body);
    }),
  ];
}
