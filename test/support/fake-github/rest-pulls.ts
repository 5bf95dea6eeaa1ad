import { branchSha, isAncestor } from "./bare-repo.js";
import type { FakeContext } from "./context.js";
import { paginate } from "./pagination.js";
import { json, notFound, repoRoute, stringField, validationFailed } from "./routing.js";
import type { RepoRequest, RestResponse, Route } from "./routing.js";
import { pullJson } from "./shapes-pull.js";
import { isPull } from "./state.js";
import type { FakePull, FakeRepo } from "./state.js";

/** Pull requests. Branch existence and "no commits" are checked against the bare repo, as GitHub does. */

function pullsOf(repo: FakeRepo): FakePull[] {
  return [...repo.issues.values()].filter(isPull);
}

function findPull({ repo, params }: RepoRequest): FakePull | undefined {
  const issue = repo.issues.get(Number(params.number));
  return issue && isPull(issue) ? issue : undefined;
}

/** `owner:branch` or `branch`; only same-repo heads exist in the fake. */
function headBranch(repo: FakeRepo, head: string): string | undefined {
  const colon = head.indexOf(":");
  if (colon < 0) return head;
  return head.slice(0, colon).toLowerCase() === repo.owner.toLowerCase() ? head.slice(colon + 1) : undefined;
}

async function createPull(ctx: FakeContext, req: RepoRequest): Promise<RestResponse> {
  const { repo, body } = req;
  const title = stringField(body, "title");
  const head = headBranch(repo, stringField(body, "head") ?? "");
  const base = stringField(body, "base") ?? "";
  if (!title) return validationFailed([{ resource: "PullRequest", code: "missing_field", field: "title" }]);
  const headSha = head ? await branchSha(repo.gitDir, head) : undefined;
  const baseSha = await branchSha(repo.gitDir, base);
  if (!head || !headSha) return validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
  if (!baseSha) return validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
  if (pullsOf(repo).some((p) => p.state === "open" && p.head === head && p.base === base)) {
    return validationFailed([
      { resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${head}.` },
    ]);
  }
  if (await isAncestor(repo.gitDir, headSha, baseSha)) {
    return validationFailed([{ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` }]);
  }
  const issue = ctx.state.addIssue(repo, { title, body: stringField(body, "body") ?? null, user: ctx.state.botUser() });
  const draft = typeof body === "object" && body !== null && (body as { draft?: unknown }).draft === true;
  const pull: FakePull = Object.assign(issue, { pullId: ctx.state.nextId(), head, base, draft, headSha, reviews: [], reviewComments: [] });
  return json(201, await pullJson(ctx, repo, pull));
}

async function updatePull(ctx: FakeContext, req: RepoRequest): Promise<RestResponse> {
  const pull = findPull(req);
  if (!pull) return notFound();
  const title = stringField(req.body, "title");
  const body = stringField(req.body, "body");
  const state = stringField(req.body, "state");
  const base = stringField(req.body, "base");
  if (base !== undefined) {
    if (!(await branchSha(req.repo.gitDir, base))) return validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
    pull.base = base;
  }
  if (title !== undefined) pull.title = title;
  if (body !== undefined) pull.body = body;
  if (state === "open" || state === "closed") {
    pull.closedAt = state === "closed" ? (pull.state === "closed" ? pull.closedAt : ctx.state.stamp()) : null;
    pull.state = state;
    if (state === "open") pull.mergedAt = undefined;
  }
  pull.updatedAt = ctx.state.stamp();
  return json(200, await pullJson(ctx, req.repo, pull));
}

export function pullRoutes(ctx: FakeContext): Route[] {
  return [
    repoRoute("GET", "/pulls", async (req) => {
      const state = req.query.get("state") ?? "open";
      const head = req.query.get("head");
      const base = req.query.get("base");
      const matching = pullsOf(req.repo)
        .filter((p) => state === "all" || p.state === state)
        .filter((p) => !head || headBranch(req.repo, head) === p.head)
        .filter((p) => !base || p.base === base)
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(matching, req, ctx.apiUrl);
      return json(200, await Promise.all(page.map((p) => pullJson(ctx, req.repo, p))), headers);
    }),
    repoRoute("POST", "/pulls", (req) => createPull(ctx, req)),
    repoRoute("GET", "/pulls/:number", async (req) => {
      const pull = findPull(req);
      return pull ? json(200, await pullJson(ctx, req.repo, pull)) : notFound();
    }),
    repoRoute("PATCH", "/pulls/:number", (req) => updatePull(ctx, req)),
  ];
}
