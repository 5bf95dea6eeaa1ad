import type { components } from "@octokit/openapi-types";
import { listTree, objectAt, readBlob } from "./bare-repo.js";
import type { FakeContext } from "./context.js";
import { json, notFound, repoRoute } from "./routing.js";
import type { RepoRequest, RestResponse, Route } from "./routing.js";
import { repoJson, userJson } from "./shapes-repo.js";
import type { FakeRepo } from "./state.js";

/** Repository metadata, file contents (read from the bare repo) and collaborator permissions. */

type Schemas = components["schemas"];

/** GitHub folds the five roles into the four legacy permission levels. */
const LEGACY_PERMISSION = { admin: "admin", maintain: "write", write: "write", triage: "read", read: "read", none: "none" } as const;

function contentLinks(ctx: FakeContext, repo: FakeRepo, filePath: string, ref: string, sha: string, kind: "blob" | "tree") {
  const self = `${ctx.apiUrl}/repos/${repo.fullName}/contents/${filePath}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = `${ctx.apiUrl}/repos/${repo.fullName}/git/${kind}s/${sha}`;
  const html = `${ctx.baseUrl}/${repo.fullName}/${kind}/${ref}/${filePath}`;
  return { url: self, git_url: gitUrl, html_url: html, _links: { self, git: gitUrl, html } };
}

async function getContent(ctx: FakeContext, { repo, params, query, headers }: RepoRequest): Promise<RestResponse> {
  const ref = query.get("ref") || repo.defaultBranch;
  const filePath = (params.path ?? "").replace(/^\/+|\/+$/g, "");
  const object = await objectAt(repo.gitDir, ref, filePath);
  if (!object) return notFound();

  if (object.type === "tree") {
    const entries = await listTree(repo.gitDir, object.sha);
    return json(
      200,
      entries.map((entry) => {
        const entryPath = filePath ? `${filePath}/${entry.name}` : entry.name;
        const kind = entry.type === "tree" ? "tree" : "blob";
        return {
          type: entry.type === "tree" ? "dir" : entry.type === "commit" ? "submodule" : "file",
          name: entry.name,
          path: entryPath,
          sha: entry.sha,
          size: entry.size,
          download_url: null,
          ...contentLinks(ctx, repo, entryPath, ref, entry.sha, kind),
        };
      }),
    );
  }
  if (object.type !== "blob") return notFound();

  const content = await readBlob(repo.gitDir, object.sha);
  // Probot's config plugin asks for the raw media type and only parses a text/plain reply as text.
  if (/\.raw\b/.test(String(headers.accept ?? ""))) {
    return { status: 200, text: content.toString("utf8"), headers: { "content-type": "text/plain; charset=utf-8" } };
  }
  const body: Schemas["content-file"] = {
    type: "file",
    encoding: "base64",
    size: object.size,
    name: filePath.split("/").pop() ?? filePath,
    path: filePath,
    // GitHub wraps the base64 at 60 columns.
    content: (content.toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n",
    sha: object.sha,
    download_url: `${ctx.baseUrl}/${repo.fullName}/raw/${ref}/${filePath}`,
    ...contentLinks(ctx, repo, filePath, ref, object.sha, "blob"),
  };
  return json(200, body);
}

export function repoRoutes(ctx: FakeContext): Route[] {
  return [
    repoRoute("GET", "", ({ repo }) => json(200, repoJson(ctx, repo))),
    repoRoute("GET", "/contents", (req) => getContent(ctx, req)),
    repoRoute("GET", "/contents/*path", (req) => getContent(ctx, req)),

    repoRoute("GET", "/collaborators/:user/permission", ({ repo, params }) => {
      const login = params.user ?? "";
      const entry = Object.entries(repo.permissions).find(([name]) => name.toLowerCase() === login.toLowerCase());
      if (!entry) return notFound();
      const [name, role] = entry;
      const user = { ...userJson(ctx, ctx.state.user(name)), role_name: role };
      const body: Schemas["repository-collaborator-permission"] = { permission: LEGACY_PERMISSION[role], role_name: role, user };
      return json(200, body);
    }),
  ];
}
