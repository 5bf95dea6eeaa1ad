import type { FakeContext } from "./context.js";
import { paginate } from "./pagination.js";
import { json, notFound, repoRoute, stringField, validationFailed } from "./routing.js";
import type { RepoRequest, RestResponse, Route } from "./routing.js";
import { reviewCommentJson, reviewJson } from "./shapes-review.js";
import { isPull } from "./state.js";
import type { FakePull, FakeReviewComment } from "./state.js";

/** Reviews, review comments and replies in their threads. Writes here are made by the app's bot. */

function findPull({ repo, params }: RepoRequest): FakePull | undefined {
  const issue = repo.issues.get(Number(params.number));
  return issue && isPull(issue) ? issue : undefined;
}

function findComment(ctx: FakeContext, req: RepoRequest, id: string | undefined): FakeReviewComment | undefined {
  const comment = ctx.state.reviewComments.get(Number(id));
  // Comment ids are global; one from another repo is a 404 here.
  const pull = comment ? req.repo.issues.get(comment.pullNumber) : undefined;
  return comment && pull && isPull(pull) && pull.reviewComments.includes(comment) ? comment : undefined;
}

/**
 * POST …/pulls/:number/comments/:id/replies: `:id` must be a thread's top comment; GitHub documents that
 * replies to replies are not supported, so one is refused (422) here.
 */
function reply(ctx: FakeContext, req: RepoRequest): RestResponse {
  const pull = findPull(req);
  const parent = findComment(ctx, req, req.params.id);
  if (!pull || !parent || parent.pullNumber !== pull.number) return notFound();
  if (parent.inReplyTo !== undefined)
    return validationFailed([{ resource: "PullRequestReviewComment", code: "invalid", field: "in_reply_to" }]);
  const body = stringField(req.body, "body");
  if (!body) return validationFailed([{ resource: "PullRequestReviewComment", code: "missing_field", field: "body" }]);
  const now = ctx.state.stamp();
  const comment: FakeReviewComment = {
    ...parent,
    id: ctx.state.nextId(),
    reviewId: ctx.state.nextId(),
    user: ctx.state.botUser(),
    body,
    inReplyTo: parent.id,
    viaApp: true,
    createdAt: now,
    updatedAt: now,
  };
  pull.reviewComments.push(comment);
  ctx.state.reviewComments.set(comment.id, comment);
  return json(201, reviewCommentJson(ctx, req.repo, comment));
}

export function reviewRoutes(ctx: FakeContext): Route[] {
  return [
    repoRoute("GET", "/pulls/comments/:id", (req) => {
      const comment = findComment(ctx, req, req.params.id);
      return comment ? json(200, reviewCommentJson(ctx, req.repo, comment)) : notFound();
    }),
    repoRoute("GET", "/pulls/:number/comments", (req) => {
      const pull = findPull(req);
      if (!pull) return notFound();
      const { page, headers } = paginate(pull.reviewComments, req, ctx.apiUrl);
      return json(
        200,
        page.map((c) => reviewCommentJson(ctx, req.repo, c)),
        headers,
      );
    }),
    repoRoute("POST", "/pulls/:number/comments/:id/replies", (req) => reply(ctx, req)),
    repoRoute("GET", "/pulls/:number/reviews", (req) => {
      const pull = findPull(req);
      if (!pull) return notFound();
      const { page, headers } = paginate(pull.reviews, req, ctx.apiUrl);
      return json(
        200,
        page.map((r) => reviewJson(ctx, req.repo, r)),
        headers,
      );
    }),
    repoRoute("GET", "/pulls/:number/reviews/:review", (req) => {
      const review = findPull(req)?.reviews.find((r) => r.id === Number(req.params.review));
      return review ? json(200, reviewJson(ctx, req.repo, review)) : notFound();
    }),
    repoRoute("GET", "/pulls/:number/reviews/:review/comments", (req) => {
      const pull = findPull(req);
      const review = pull?.reviews.find((r) => r.id === Number(req.params.review));
      if (!pull || !review) return notFound();
      const { page, headers } = paginate(
        pull.reviewComments.filter((c) => c.reviewId === review.id),
        req,
        ctx.apiUrl,
      );
      return json(
        200,
        page.map((c) => reviewCommentJson(ctx, req.repo, c)),
        headers,
      );
    }),
  ];
}
