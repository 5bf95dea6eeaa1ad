import { createHash } from "node:crypto";
import type { FakeActions } from "./actions.js";
import type { FakeWorkflowRun } from "./actions-state.js";
import type { FakeContext } from "./context.js";
import { paginate } from "./pagination.js";
import { json, notFound, repoRoute } from "./routing.js";
import type { RepoRequest, RestResponse, Route } from "./routing.js";
import { annotationJson, checkRunJson, jobJson, runJson } from "./shapes-actions.js";

/**
 * The Actions API the app evaluates with: workflow runs, their jobs, check-run annotations and job
 * logs (a 302 to a signed blob URL). Reads carry an ETag and honour If-None-Match with a 304.
 */

const RUN_STATUSES = new Set(["queued", "in_progress", "completed", "requested", "waiting", "pending"]);

/** A strong ETag over the exact JSON body. */
export function etagOf(body: unknown): string {
  return `"${createHash("sha256").update(JSON.stringify(body)).digest("hex")}"`;
}

function ifNoneMatch(req: RepoRequest, etag: string): boolean {
  const raw = req.headers["if-none-match"];
  const header = Array.isArray(raw) ? raw.join(",") : raw;
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const value = candidate.trim();
    return value === "*" || value.replace(/^W\//, "") === etag;
  });
}

/** 200 with an ETag, or 304 (empty body, same ETag) when the client already has this representation. */
export function conditional(req: RepoRequest, body: unknown, headers: Record<string, string> = {}): RestResponse {
  const etag = etagOf(body);
  const common = {
    etag,
    "cache-control": "private, max-age=60, s-maxage=60",
    vary: "Accept, Authorization, Cookie, X-GitHub-OTP",
    ...headers,
  };
  if (ifNoneMatch(req, etag)) return { status: 304, headers: common };
  return json(200, body, common);
}

function findRun(actions: FakeActions, req: RepoRequest): FakeWorkflowRun | undefined {
  const run = actions.runs.get(Number(req.params.run_id));
  return run && run.repo === req.repo ? run : undefined;
}

function findJob(actions: FakeActions, req: RepoRequest, param: string) {
  const found = actions.job(Number(req.params[param]));
  return found && found.run.repo === req.repo ? found : undefined;
}

function listRuns(ctx: FakeContext, actions: FakeActions, req: RepoRequest): RestResponse {
  const q = req.query;
  const headSha = q.get("head_sha");
  const branch = q.get("branch");
  const event = q.get("event");
  const status = q.get("status");
  const actor = q.get("actor");
  const checkSuiteId = q.get("check_suite_id");
  const runs = actions
    .runsOf(req.repo)
    .filter(
      (run) =>
        (!headSha || run.headSha === headSha) &&
        (!branch || run.headBranch === branch) &&
        (!event || run.event === event) &&
        (!actor || run.actor.login.toLowerCase() === actor.toLowerCase()) &&
        (!checkSuiteId || String(run.checkSuiteId) === checkSuiteId) &&
        (!status || (RUN_STATUSES.has(status) ? run.status === status : run.conclusion === status)),
    );
  const { page, headers } = paginate(runs, req, ctx.apiUrl);
  return conditional(req, { total_count: runs.length, workflow_runs: page.map((run) => runJson(ctx, run)) }, headers);
}

export function actionRoutes(ctx: FakeContext, actions: FakeActions): Route[] {
  return [
    repoRoute("GET", "/actions/runs", (req) => listRuns(ctx, actions, req)),

    repoRoute("GET", "/actions/runs/:run_id", (req) => {
      const run = findRun(actions, req);
      return run ? conditional(req, runJson(ctx, run)) : notFound();
    }),

    // filter=latest|all: every run has a single attempt, so both are the same list.
    repoRoute("GET", "/actions/runs/:run_id/jobs", (req) => {
      const run = findRun(actions, req);
      if (!run) return notFound();
      const { page, headers } = paginate(run.jobs, req, ctx.apiUrl);
      return conditional(req, { total_count: run.jobs.length, jobs: page.map((job) => jobJson(ctx, run, job)) }, headers);
    }),

    repoRoute("GET", "/actions/jobs/:job_id", (req) => {
      const found = findJob(actions, req, "job_id");
      return found ? conditional(req, jobJson(ctx, found.run, found.job)) : notFound();
    }),

    // GitHub answers 404 until the log exists, then 302 to a short-lived signed URL.
    repoRoute("GET", "/actions/jobs/:job_id/logs", (req) => {
      const found = findJob(actions, req, "job_id");
      const location = found ? actions.logUrl(found.job.id) : undefined;
      return location ? { status: 302, headers: { location } } : notFound();
    }),

    repoRoute("GET", "/check-runs/:check_run_id", (req) => {
      const found = findJob(actions, req, "check_run_id");
      return found ? conditional(req, checkRunJson(ctx, found.run, found.job)) : notFound();
    }),

    repoRoute("GET", "/check-runs/:check_run_id/annotations", (req) => {
      const found = findJob(actions, req, "check_run_id");
      if (!found) return notFound();
      const { page, headers } = paginate(found.job.annotations, req, ctx.apiUrl);
      return conditional(
        req,
        page.map((annotation) => annotationJson(ctx, found.run, annotation)),
        headers,
      );
    }),
  ];
}
