import { LRUCache } from "lru-cache";
import type { CiRun } from "./ci-verdict.js";
import { downloadJobLogTail } from "./job-log-download.js";
import { isNotModified } from "./conditional-requests.js";
import { codeBlock } from "./markdown-text.js";
import { excerptJobLog } from "./job-log.js";
import type { Octokit, RepoRef } from "./octokit.js";

/**
 * Reading GitHub Actions for the evaluator: the runs of a commit (conditional requests, so unchanged
 * polls cost no rate limit), the default branch's baseline, and the feedback for a failure.
 */

type RawRun = {
  id: number;
  name?: string | null;
  status: string | null;
  conclusion: string | null;
  html_url: string;
  created_at: string;
  event?: string;
  head_branch?: string | null;
  head_repository?: { full_name?: string } | null;
};

/** The events whose runs judge the app's pushes: the push itself, and a pull request from its branch. */
const CI_EVENTS = new Set(["push", "pull_request"]);

/**
 * The branch whose CI a workflow run is, when it is this repository's own (a push to it, or a pull
 * request from one of its branches); undefined for a run of a fork's pull request (even on the same
 * commit: a fork can hold the app's commit and run workflows of its choosing), a manual or scheduled run.
 */
export function ciBranchOf(run: RawRun, repo: RepoRef): string | undefined {
  const head = run.head_repository?.full_name?.toLowerCase();
  if (head !== `${repo.owner}/${repo.repo}`.toLowerCase() || !CI_EVENTS.has(run.event ?? "")) return undefined;
  return run.head_branch ?? undefined;
}

const toRun = (r: RawRun): CiRun => ({
  id: r.id,
  name: r.name ?? `run ${r.id}`,
  status: r.status,
  conclusion: r.conclusion,
  url: r.html_url,
  createdAt: r.created_at,
});

/**
 * The last answer about each commit's runs with its ETag, bounded: a poll that GitHub answers with 304
 * (nothing changed) costs no rate limit and reuses it. One per app instance, created in createApp.
 */
export class WorkflowRunsCache {
  private readonly answers: LRUCache<string, { etag: string; runs: CiRun[] }>;

  constructor(max = 1000) {
    this.answers = new LRUCache({ max });
  }

  get(key: string): { etag: string; runs: CiRun[] } | undefined {
    return this.answers.get(key);
  }

  set(key: string, etag: string, runs: CiRun[]): void {
    this.answers.set(key, { etag, runs });
  }
}

/**
 * The workflow runs that are the CI of `sha` on `branch` (see ciBranchOf): other runs GitHub lists under
 * the same commit neither pass nor fail it. Re-runs count as the latest attempt only (GitHub lists the latest).
 */
export async function runsForCommit(
  octokit: Octokit,
  repo: RepoRef,
  commit: { sha: string; branch: string },
  cache: WorkflowRunsCache,
): Promise<CiRun[]> {
  const { sha, branch } = commit;
  const key = `${repo.owner}/${repo.repo}@${sha}:${branch}`;
  const cached = cache.get(key);
  try {
    const response = await octokit.rest.actions.listWorkflowRunsForRepo({
      ...repo,
      head_sha: sha,
      per_page: 100,
      ...(cached ? { headers: { "if-none-match": cached.etag } } : {}),
    });
    const runs = response.data.workflow_runs.filter((r) => ciBranchOf(r, repo) === branch).map(toRun);
    const etag = response.headers.etag;
    if (etag) cache.set(key, etag, runs);
    return runs;
  } catch (e) {
    if (isNotModified(e) && cached) return cached.runs;
    throw e;
  }
}

export interface Baseline {
  /** The default branch's latest runs include a failure. */
  red: boolean;
  /** Names of jobs failing there: the same failures on the branch are not the agent's to fix. */
  failingJobs: string[];
}

/** The latest completed run of each workflow on the default branch, and which of their jobs fail. */
export async function baseline(octokit: Octokit, repo: RepoRef, branch: string): Promise<Baseline> {
  const { data } = await octokit.rest.actions.listWorkflowRunsForRepo({ ...repo, branch, status: "completed", per_page: 30 });
  const latest = new Map<string, CiRun>();
  for (const run of data.workflow_runs.map(toRun)) {
    const seen = latest.get(run.name);
    if (!seen || seen.createdAt < run.createdAt) latest.set(run.name, run);
  }
  const failing = [...latest.values()].filter((r) => r.conclusion === "failure");
  const failingJobs: string[] = [];
  for (const run of failing) {
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
      ...repo,
      run_id: run.id,
      filter: "latest",
      per_page: 100,
    });
    failingJobs.push(...jobs.filter((j) => j.conclusion === "failure").map((j) => jobName(run.name, j.name)));
  }
  return { red: failing.length > 0, failingJobs };
}

export const jobName = (workflow: string, job: string): string => `${workflow} / ${job}`;

export interface Failure {
  /** "Workflow / job" names of the failing jobs. */
  jobs: string[];
  /** Failing jobs left out because they fail on the default branch too. */
  ignored: string[];
  /** Feedback for the agent: failing steps, annotations, log excerpts. */
  text: string;
}

/** Failing jobs whose steps, annotations and log are shown; the others are only named. */
const MAX_JOBS_SHOWN = 5;

// Annotation messages may be 64 KB each; what matters is their first line or so.
const clip = (text: string, max = 300): string => (text.length > max ? `${text.slice(0, max)}…` : text);

// GitHub adds this annotation to every failed step; it says nothing the step's conclusion doesn't.
const GENERIC_ANNOTATION = /^Process completed with exit code \d+\.?$/;

type FailedJob = { run: CiRun; id: number; name: string; steps: string[] };
type Warn = (what: object, message: string) => void;

/**
 * What failed, cheapest first: failing jobs and steps, their annotations, then the log around the errors,
 * within a token budget shared by the failing jobs. Jobs in `ignore` (failing on the base too) are left out.
 */
export async function failureFeedback(
  octokit: Octokit,
  repo: RepoRef,
  runs: readonly CiRun[],
  budgetTokens: number,
  ignore: readonly string[] = [],
  /** Told what could not be read: the feedback then says less, and the run goes on. */
  warn: Warn = () => undefined,
): Promise<Failure> {
  const { failed, ignored } = await failingJobs(octokit, repo, runs, ignore);
  // A matrix can fail in hundreds of jobs: the first few are shown in full, the rest named.
  const shown = failed.slice(0, MAX_JOBS_SHOWN);
  const perJob = Math.max(300, Math.floor(budgetTokens / Math.max(1, shown.length)));
  const sections: string[] = [];
  for (const job of shown) sections.push(await jobSection(octokit, repo, job, perJob, warn));
  const unshown = failed.slice(MAX_JOBS_SHOWN).map((j) => `\`${jobName(j.run.name, j.name)}\``);
  if (unshown.length > 0)
    sections.push(`${unshown.length} more failing jobs, not shown: ${unshown.slice(0, 50).join(", ")}${unshown.length > 50 ? ", …" : ""}.`);
  if (failed.length === 0 && ignored.length === 0) {
    sections.push(...runs.map((r) => `Workflow \`${r.name}\` failed (${r.url}); its jobs report no failing step.`));
  }
  return { jobs: failed.map((j) => jobName(j.run.name, j.name)), ignored, text: sections.join("\n\n") };
}

/** The failing jobs of the runs (latest attempts), less those in `ignore`, which are only named. */
async function failingJobs(
  octokit: Octokit,
  repo: RepoRef,
  runs: readonly CiRun[],
  ignore: readonly string[],
): Promise<{ failed: FailedJob[]; ignored: string[] }> {
  const failed: FailedJob[] = [];
  const ignored: string[] = [];
  for (const run of runs) {
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
      ...repo,
      run_id: run.id,
      filter: "latest",
      per_page: 100,
    });
    for (const job of jobs) {
      if (job.conclusion !== "failure") continue;
      if (ignore.includes(jobName(run.name, job.name))) {
        ignored.push(jobName(run.name, job.name));
        continue;
      }
      const steps = (job.steps ?? []).filter((s) => s.conclusion === "failure").map((s) => s.name);
      failed.push({ run, id: job.id, name: job.name, steps });
    }
  }
  return { failed, ignored };
}

/** One failing job as the agent reads it: its failing steps, its useful annotations, its log around the errors. */
async function jobSection(octokit: Octokit, repo: RepoRef, job: FailedJob, budgetTokens: number, warn: Warn): Promise<string> {
  const lines = [
    `Workflow \`${job.run.name}\`, job \`${job.name}\` failed${job.steps.length ? ` at step ${job.steps.map((s) => `\`${s}\``).join(", ")}` : ""}.`,
  ];
  const annotations = await octokit
    .paginate(octokit.rest.checks.listAnnotations, { ...repo, check_run_id: job.id, per_page: 50 })
    .catch((e: unknown) => {
      warn({ job: job.id, err: e }, "could not read a failing job's annotations; the feedback goes without them");
      return [];
    });
  const useful = annotations.filter((a) => !GENERIC_ANNOTATION.test(a.message ?? ""));
  if (useful.length > 0) {
    lines.push("Annotations:", ...useful.slice(0, 20).map((a) => `- ${clip(a.path)}:${a.start_line}: ${clip(a.message ?? "")}`));
  }
  const log = await downloadJobLogTail(octokit, repo, job.id).catch((e: unknown) => {
    warn({ job: job.id, err: e }, "could not read a failing job's log; the feedback goes without it");
    return "";
  });
  if (log) lines.push("Log excerpt:", ...codeBlock(excerptJobLog(log, budgetTokens)));
  return lines.join("\n");
}
