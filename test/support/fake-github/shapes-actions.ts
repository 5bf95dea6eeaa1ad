import type { components } from "@octokit/openapi-types";
import type { FakeAnnotation } from "./actions-log.js";
import type { FakeJob, FakeWorkflow, FakeWorkflowRun } from "./actions-state.js";
import type { FakeContext } from "./context.js";
import { repoJson, userJson } from "./shapes-repo.js";
import type { FakeRepo, FakeUser } from "./state.js";

/** Workflow runs, jobs, workflows, check runs and annotations in GitHub's REST/webhook shapes. */

type Schemas = components["schemas"];

/** The real github-actions[bot], the sender of workflow_run events in this fake. */
export const GITHUB_ACTIONS_BOT: FakeUser = { login: "github-actions[bot]", id: 41898282, type: "Bot" };

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString("base64url")}`;
}

function repoApi(ctx: FakeContext, repo: FakeRepo): string {
  return `${ctx.apiUrl}/repos/${repo.fullName}`;
}

/**
 * The repository as embedded in a run: no counters or push times, so a run's JSON (and its ETag)
 * changes only when the run does.
 */
export function minimalRepoJson(ctx: FakeContext, repo: FakeRepo): Schemas["minimal-repository"] {
  const full = repoJson(ctx, repo) as unknown as Record<string, unknown>;
  const api = repoApi(ctx, repo);
  const keep = [
    "id",
    "node_id",
    "name",
    "full_name",
    "owner",
    "private",
    "html_url",
    "description",
    "fork",
    "url",
    "issues_url",
    "pulls_url",
    "contents_url",
    "branches_url",
  ];
  const out: Record<string, unknown> = {};
  for (const key of keep) out[key] = full[key];
  Object.assign(out, {
    archive_url: `${api}/{archive_format}{/ref}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    hooks_url: `${api}/hooks`,
    statuses_url: `${api}/statuses/{sha}`,
    trees_url: `${api}/git/trees{/sha}`,
  });
  return out as unknown as Schemas["minimal-repository"];
}

export function workflowJson(ctx: FakeContext, repo: FakeRepo, workflow: FakeWorkflow): Schemas["workflow"] {
  const html = `${ctx.baseUrl}/${repo.fullName}`;
  return {
    id: workflow.id,
    node_id: nodeId("W", workflow.id),
    name: workflow.name,
    path: workflow.path,
    state: "active",
    created_at: workflow.createdAt,
    updated_at: workflow.createdAt,
    url: `${repoApi(ctx, repo)}/actions/workflows/${workflow.id}`,
    html_url: `${html}/blob/${repo.defaultBranch}/${workflow.path}`,
    badge_url: `${html}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
  };
}

function actorJson(ctx: FakeContext, user: FakeUser): Schemas["simple-user"] {
  const json = userJson(ctx, user);
  return user.login === GITHUB_ACTIONS_BOT.login ? { ...json, html_url: `${ctx.baseUrl}/apps/github-actions` } : json;
}

export function runJson(ctx: FakeContext, run: FakeWorkflowRun): Schemas["workflow-run"] {
  const repoUrl = repoApi(ctx, run.repo);
  const api = `${repoUrl}/actions/runs/${run.id}`;
  const repository = minimalRepoJson(ctx, run.repo);
  const { headCommit } = run;
  return {
    id: run.id,
    name: run.workflow.name,
    node_id: nodeId("WFR", run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflow.path,
    display_title: headCommit.message.split("\n")[0] ?? "",
    run_number: run.runNumber,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow.id,
    check_suite_id: run.checkSuiteId,
    check_suite_node_id: nodeId("CS", run.checkSuiteId),
    url: api,
    html_url: `${ctx.baseUrl}/${run.repo.fullName}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: actorJson(ctx, run.actor),
    run_attempt: 1,
    referenced_workflows: [],
    run_started_at: run.runStartedAt,
    triggering_actor: actorJson(ctx, run.actor),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repoUrl}/check-suites/${run.checkSuiteId}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${repoUrl}/actions/workflows/${run.workflow.id}`,
    head_commit: {
      id: headCommit.sha,
      tree_id: headCommit.treeSha,
      message: headCommit.message,
      timestamp: headCommit.timestamp,
      author: headCommit.author,
      committer: headCommit.committer,
    },
    repository,
    head_repository: run.headRepo === run.repo ? repository : minimalRepoJson(ctx, run.headRepo),
    head_repository_id: run.headRepo.id,
  };
}

export function jobJson(ctx: FakeContext, run: FakeWorkflowRun, job: FakeJob): Schemas["job"] {
  const repoUrl = repoApi(ctx, run.repo);
  return {
    id: job.id,
    run_id: run.id,
    run_url: `${repoUrl}/actions/runs/${run.id}`,
    run_attempt: 1,
    node_id: nodeId("CR", job.id),
    head_sha: run.headSha,
    head_branch: run.headBranch,
    url: `${repoUrl}/actions/jobs/${job.id}`,
    html_url: `${ctx.baseUrl}/${run.repo.fullName}/actions/runs/${run.id}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: job.createdAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    name: job.name,
    steps: job.steps.map((step) => ({
      name: step.name,
      status: step.status,
      conclusion: step.conclusion,
      number: step.number,
      started_at: step.startedAt,
      completed_at: step.completedAt,
    })),
    check_run_url: `${repoUrl}/check-runs/${job.id}`,
    labels: job.labels,
    runner_id: job.runnerName === null ? null : 1,
    runner_name: job.runnerName,
    runner_group_id: job.runnerName === null ? null : 1,
    runner_group_name: job.runnerName === null ? null : "GitHub Actions",
    workflow_name: run.workflow.name,
  };
}

export function annotationJson(ctx: FakeContext, run: FakeWorkflowRun, annotation: FakeAnnotation): Schemas["check-annotation"] {
  return { ...annotation, blob_href: `${ctx.baseUrl}/${run.repo.fullName}/blob/${run.headSha}/${annotation.path}` };
}

export function checkRunJson(ctx: FakeContext, run: FakeWorkflowRun, job: FakeJob): Schemas["check-run"] {
  const repoUrl = repoApi(ctx, run.repo);
  const url = `${repoUrl}/check-runs/${job.id}`;
  const html = `${ctx.baseUrl}/${run.repo.fullName}/actions/runs/${run.id}/job/${job.id}`;
  const partial: Partial<Schemas["check-run"]> = {
    id: job.id,
    head_sha: run.headSha,
    node_id: nodeId("CR", job.id),
    external_id: String(job.id),
    url,
    html_url: html,
    details_url: html,
    status: job.status,
    conclusion: job.conclusion,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    output: { title: null, summary: null, text: null, annotations_count: job.annotations.length, annotations_url: `${url}/annotations` },
    name: job.name,
    check_suite: { id: run.checkSuiteId },
    app: null,
    pull_requests: [],
  };
  return partial as Schemas["check-run"];
}

/** A workflow_run webhook: the run as it is now, its workflow, and github-actions[bot] as sender. */
export function workflowRunPayload(ctx: FakeContext, run: FakeWorkflowRun, action: "requested" | "in_progress" | "completed"): object {
  return {
    action,
    workflow_run: runJson(ctx, run),
    workflow: workflowJson(ctx, run.repo, run.workflow),
    repository: repoJson(ctx, run.repo),
    sender: actorJson(ctx, GITHUB_ACTIONS_BOT),
    installation: {
      id: ctx.state.app.installationId,
      node_id: Buffer.from(`023:Installation${ctx.state.app.installationId}`).toString("base64"),
    },
  };
}
