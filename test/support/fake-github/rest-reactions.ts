import type { FakeContext } from "./context.js";
import { paginate } from "./pagination.js";
import { json, notFound, repoRoute, stringField, validationFailed } from "./routing.js";
import type { RepoRequest, RestResponse, Route } from "./routing.js";
import { reactionJson } from "./shapes-issue.js";
import { REACTION_CONTENTS } from "./state.js";
import type { FakeReaction, ReactionContent } from "./state.js";

/** Reactions on issues and on issue comments, made by the app's bot. */

function targetOf(ctx: FakeContext, req: RepoRequest): { reactions: FakeReaction[] } | undefined {
  if (req.params.number !== undefined) return req.repo.issues.get(Number(req.params.number));
  const comment = ctx.state.comments.get(Number(req.params.id));
  return comment && req.repo.issues.get(comment.issueNumber)?.comments.includes(comment) ? comment : undefined;
}

function create(ctx: FakeContext, req: RepoRequest): RestResponse {
  const target = targetOf(ctx, req);
  if (!target) return notFound();
  const content = stringField(req.body, "content");
  if (!REACTION_CONTENTS.includes(content as ReactionContent)) {
    return validationFailed([{ resource: "Reaction", code: "invalid", field: "content" }]);
  }
  // An existing identical reaction comes back with 200 instead of 201.
  const { reaction, created } = ctx.state.react(target, content as ReactionContent, ctx.state.botUser());
  return json(created ? 201 : 200, reactionJson(ctx, reaction));
}

function list(ctx: FakeContext, req: RepoRequest): RestResponse {
  const target = targetOf(ctx, req);
  if (!target) return notFound();
  const content = req.query.get("content");
  const reactions = content ? target.reactions.filter((r) => r.content === content) : target.reactions;
  const { page, headers } = paginate(reactions, req, ctx.apiUrl);
  return json(
    200,
    page.map((r) => reactionJson(ctx, r)),
    headers,
  );
}

export function reactionRoutes(ctx: FakeContext): Route[] {
  return [
    repoRoute("POST", "/issues/:number/reactions", (req) => create(ctx, req)),
    repoRoute("GET", "/issues/:number/reactions", (req) => list(ctx, req)),
    repoRoute("POST", "/issues/comments/:id/reactions", (req) => create(ctx, req)),
    repoRoute("GET", "/issues/comments/:id/reactions", (req) => list(ctx, req)),
  ];
}
