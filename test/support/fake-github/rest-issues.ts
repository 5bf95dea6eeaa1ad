import type { FakeContext } from "./context.js";
import { paginate } from "./pagination.js";
import { badRequest, json, notFound, repoRoute, stringField, validationFailed } from "./routing.js";
import type { RepoRequest, RestResponse, Route } from "./routing.js";
import { commentJson, issueJson, labelJson } from "./shapes-issue.js";
import type { FakeComment, FakeIssue } from "./state.js";

/** Issues (and PRs seen as issues), their comments and labels. Every write here is made by the app's bot. */

export const MAX_COMMENT_LENGTH = 65536;

function tooLong(body: string): boolean {
  // GitHub counts characters, not UTF-16 units; only astral text makes the difference.
  return body.length > MAX_COMMENT_LENGTH && Array.from(body).length > MAX_COMMENT_LENGTH;
}

/** The 422 GitHub gives for a missing or over-long comment body. */
function checkCommentBody(body: string | undefined): RestResponse | undefined {
  if (body === undefined) return validationFailed([{ resource: "IssueComment", code: "missing_field", field: "body" }]);
  if (tooLong(body)) {
    return validationFailed([
      {
        resource: "IssueComment",
        code: "custom",
        field: "body",
        message: `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`,
      },
    ]);
  }
  return undefined;
}

function findIssue({ repo, params }: RepoRequest): FakeIssue | undefined {
  return repo.issues.get(Number(params.number));
}

function findComment({ repo, params }: RepoRequest, ctx: FakeContext): FakeComment | undefined {
  const comment = ctx.state.comments.get(Number(params.id));
  // Comment ids are global; one from another repo is a 404 here.
  return comment && repo.issues.get(comment.issueNumber)?.comments.includes(comment) ? comment : undefined;
}

function labelNames(body: unknown): string[] | undefined {
  const list = Array.isArray(body) ? body : typeof body === "object" && body !== null ? (body as { labels?: unknown }).labels : undefined;
  if (!Array.isArray(list)) return undefined;
  return list.map((label: unknown) => (typeof label === "string" ? label : (stringField(label, "name") ?? ""))).filter(Boolean);
}

export function issueRoutes(ctx: FakeContext): Route[] {
  const { state } = ctx;
  return [
    // Listing (the app's start-up scan for interrupted runs): `labels` (comma-separated, all required) and `state`.
    repoRoute("GET", "/issues", (req) => {
      const wanted = (req.query.get("labels") ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean);
      const stateFilter = req.query.get("state") ?? "open";
      const issues = [...req.repo.issues.values()]
        .filter((i) => stateFilter === "all" || i.state === stateFilter)
        .filter((i) => wanted.every((l) => i.labels.includes(l)))
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(issues, req, `${ctx.apiUrl}/repos/${req.repo.fullName}/issues`);
      return { status: 200, body: page.map((i) => issueJson(ctx, req.repo, i)), headers };
    }),
    repoRoute("GET", "/issues/:number", (req) => {
      const issue = findIssue(req);
      return issue ? json(200, issueJson(ctx, req.repo, issue)) : notFound();
    }),

    repoRoute("PATCH", "/issues/:number", (req) => {
      const issue = findIssue(req);
      if (!issue) return notFound();
      const title = stringField(req.body, "title");
      const body = stringField(req.body, "body");
      const newState = stringField(req.body, "state");
      const labels = labelNames(req.body);
      if (title !== undefined) issue.title = title;
      if (body !== undefined) issue.body = body;
      if (labels) issue.labels = [...new Set(labels)];
      if (newState === "open" || newState === "closed") {
        issue.closedAt = newState === "closed" ? (issue.state === "closed" ? issue.closedAt : state.stamp()) : null;
        issue.state = newState;
      }
      issue.updatedAt = state.stamp();
      return json(200, issueJson(ctx, req.repo, issue));
    }),

    repoRoute("GET", "/issues/:number/comments", (req) => {
      const issue = findIssue(req);
      if (!issue) return notFound();
      const { page, headers } = paginate(issue.comments, req, ctx.apiUrl);
      return json(
        200,
        page.map((c) => commentJson(ctx, req.repo, c)),
        headers,
      );
    }),

    repoRoute("POST", "/issues/:number/comments", (req) => {
      const issue = findIssue(req);
      if (!issue) return notFound();
      const body = stringField(req.body, "body");
      const invalid = checkCommentBody(body);
      if (invalid || body === undefined) return invalid ?? badRequest("body");
      const comment = state.addComment(issue, body, state.botUser(), true);
      issue.updatedAt = comment.createdAt;
      return json(201, commentJson(ctx, req.repo, comment));
    }),

    repoRoute("GET", "/issues/comments/:id", (req) => {
      const comment = findComment(req, ctx);
      return comment ? json(200, commentJson(ctx, req.repo, comment)) : notFound();
    }),

    repoRoute("PATCH", "/issues/comments/:id", (req) => {
      const comment = findComment(req, ctx);
      if (!comment) return notFound();
      const body = stringField(req.body, "body");
      const invalid = checkCommentBody(body);
      if (invalid || body === undefined) return invalid ?? badRequest("body");
      state.editComment(comment, body, state.botUser());
      return json(200, commentJson(ctx, req.repo, comment));
    }),

    repoRoute("DELETE", "/issues/comments/:id", (req) => {
      const comment = findComment(req, ctx);
      const issue = comment && req.repo.issues.get(comment.issueNumber);
      if (!comment || !issue) return notFound();
      state.deleteComment(comment, issue);
      return { status: 204 };
    }),

    repoRoute("GET", "/issues/:number/labels", (req) => {
      const issue = findIssue(req);
      return issue
        ? json(
            200,
            issue.labels.map((name) => labelJson(ctx, req.repo, name)),
          )
        : notFound();
    }),

    repoRoute("POST", "/issues/:number/labels", (req) => {
      const issue = findIssue(req);
      if (!issue) return notFound();
      const labels = labelNames(req.body);
      if (!labels) return validationFailed([{ resource: "Label", code: "invalid", field: "labels" }]);
      issue.labels = [...new Set([...issue.labels, ...labels])];
      issue.updatedAt = state.stamp();
      return json(
        200,
        issue.labels.map((name) => labelJson(ctx, req.repo, name)),
      );
    }),

    repoRoute("DELETE", "/issues/:number/labels/:name", (req) => {
      const issue = findIssue(req);
      if (!issue) return notFound();
      const name = req.params.name ?? "";
      if (!issue.labels.includes(name))
        return json(404, { message: "Label does not exist", documentation_url: "https://docs.github.com/rest", status: "404" });
      issue.labels = issue.labels.filter((label) => label !== name);
      issue.updatedAt = state.stamp();
      return json(
        200,
        issue.labels.map((label) => labelJson(ctx, req.repo, label)),
      );
    }),
  ];
}
