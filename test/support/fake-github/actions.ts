import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import path from "node:path";
import {
  annotationFromCommand,
  ANNOTATIONS_PER_JOB,
  ANNOTATIONS_PER_STEP_AND_LEVEL,
  exitCodeAnnotation,
  isoSeconds,
  JobLog,
  parseWorkflowCommand,
  renderOutputLine,
} from "./actions-log.js";
import type { FakeAnnotation } from "./actions-log.js";
import type { FakeCommitInfo, FakeJob, FakeStep, FakeWorkflow, FakeWorkflowRun, ForcedConclusion } from "./actions-state.js";
import { git, listTree, objectAt, readBlob } from "./bare-repo.js";
import type { FakeContext } from "./context.js";
import type { RestResponse } from "./routing.js";
import { workflowRunPayload } from "./shapes-actions.js";
import type { FakeRepo, FakeUser } from "./state.js";
import { parsedTriggersOnPush, parseWorkflow } from "./workflow-file.js";
import type { JobSpec, ParsedWorkflow, StepSpec, WorkflowSpec } from "./workflow-file.js";

/**
 * A GitHub Actions runner inside the fake: a push (git receive-pack or pushAs) creates one run per
 * `on: push` workflow at the new head, and the run really executes the `run:` steps with `sh -e` in a
 * checkout of that commit. Runs, jobs, annotations and logs are served by rest-actions.ts, and
 * `workflow_run` webhooks go to the URL a test sets.
 */

export interface ActionsDelivery {
  event: "workflow_run";
  action: "requested" | "in_progress" | "completed";
  runId: number;
  headSha: string;
  url: string;
  /** Set when the receiver answered. */
  status?: number;
  /** Set when the delivery failed (receiver down, timeout). */
  error?: string;
  /** dropActionsWebhooks(true) was in effect. */
  dropped?: boolean;
}

export interface ActionsDeps {
  ctx: FakeContext;
  /** Directory for checkouts; created on demand. */
  workRoot: string;
  deliver: (url: string, event: string, payload: object, signal: AbortSignal) => Promise<{ status: number; body: string }>;
}

const WORKFLOW_DIR = ".github/workflows";
const MAX_PARALLEL_RUNS = 4;
const WEBHOOK_TIMEOUT_MS = 10_000;
const LOG_URL_LIFETIME_MS = 60_000;
const ZERO_SHA = "0".repeat(40);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function nowIso(): string {
  return isoSeconds();
}

export class FakeActions {
  readonly deliveries: ActionsDelivery[] = [];
  readonly runs = new Map<number, FakeWorkflowRun>();
  private readonly jobIndex = new Map<number, { run: FakeWorkflowRun; job: FakeJob }>();
  private readonly workflows = new Map<string, FakeWorkflow>();
  private readonly seenRefs = new Map<FakeRepo, Map<string, string>>();
  private readonly repoChains = new Map<FakeRepo, Promise<unknown>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly overrides = new Map<string, ForcedConclusion>();
  private readonly logUrls = new Map<string, { jobId: number; expires: number }>();
  private readonly children = new Set<ChildProcess>();
  private readonly slotWaiters: Array<() => void> = [];
  private deliveryChain: Promise<void> = Promise.resolve();
  private activeRuns = 0;
  private webhookUrl: string | undefined;
  private dropWebhooks = false;
  private runDelayMs = 0;
  private stepTimeoutMs = 60_000;
  private closed = false;

  constructor(private readonly deps: ActionsDeps) {}

  // ---- test hooks ----------------------------------------------------------------------------

  setWebhookUrl(url: string | undefined): void {
    this.webhookUrl = url;
  }

  setDropWebhooks(drop: boolean): void {
    this.dropWebhooks = drop;
  }

  setRunDelay(ms: number): void {
    this.runDelayMs = Math.max(0, ms);
  }

  setStepTimeout(ms: number): void {
    this.stepTimeoutMs = Math.max(1, ms);
  }

  setConclusionOverride(repo: FakeRepo, workflowName: string, conclusion: ForcedConclusion | undefined): void {
    const key = `${repo.fullName.toLowerCase()}\0${workflowName}`;
    if (conclusion === undefined) this.overrides.delete(key);
    else this.overrides.set(key, conclusion);
  }

  /** Resolves once nothing is queued or running and every webhook was delivered (or dropped). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  runsOf(repo: FakeRepo): FakeWorkflowRun[] {
    return [...this.runs.values()].filter((run) => run.repo === repo).sort((a, b) => b.id - a.id);
  }

  job(jobId: number): { run: FakeWorkflowRun; job: FakeJob } | undefined {
    return this.jobIndex.get(jobId);
  }

  // ---- triggers ------------------------------------------------------------------------------

  /** Remembers the repo's branch heads, so the next refsChanged() sees only what moved. */
  async snapshot(repo: FakeRepo): Promise<void> {
    await this.serial(repo, async () => {
      this.seenRefs.set(repo, await this.readBranches(repo));
    });
  }

  /**
   * Called after anything may have moved branches (a receive-pack, pushAs): every branch whose head
   * changed since the last look gets its push runs. Deleted branches get none.
   */
  async refsChanged(repo: FakeRepo, actor: FakeUser): Promise<number[]> {
    return this.track(
      this.serial(repo, async () => {
        const before = this.seenRefs.get(repo) ?? new Map<string, string>();
        const after = await this.readBranches(repo);
        this.seenRefs.set(repo, after);
        const ids: number[] = [];
        for (const [branch, sha] of after) {
          if (before.get(branch) === sha || sha === ZERO_SHA) continue;
          ids.push(...(await this.createRuns(repo, branch, sha, actor)));
        }
        return ids;
      }),
    );
  }

  /** Push runs for a branch's current head, whether or not it just moved. */
  async runWorkflows(repo: FakeRepo, branch: string, actor: FakeUser): Promise<number[]> {
    const sha = (await this.readBranches(repo)).get(branch);
    if (!sha) throw new Error(`fake-github: no branch ${branch} in ${repo.fullName}`);
    return this.track(this.createRuns(repo, branch, sha, actor));
  }

  /**
   * A run that something other than a push to this repository started on `headSha`: a pull request from
   * a fork whose head is the same commit, a manual dispatch, a run on another branch. Nothing executes:
   * it appears completed with `conclusion` and one job whose log says `log`, and its webhooks are sent.
   */
  async recordRun(
    repo: FakeRepo,
    input: {
      headSha: string;
      headBranch: string;
      event: FakeWorkflowRun["event"];
      headRepo?: FakeRepo;
      conclusion: "success" | "failure";
      workflowName?: string;
      log?: string;
      actor: FakeUser;
    },
  ): Promise<number> {
    const { state } = this.deps.ctx;
    const sourceRepo = input.headRepo ?? repo;
    // A fork shares its parent's objects on GitHub: the commit is read from the parent.
    const headCommit = await this.commitInfo(repo, input.headSha);
    const name = input.workflowName ?? "CI";
    const parsed: ParsedWorkflow = { ok: false, path: `${WORKFLOW_DIR}/${name.toLowerCase()}.yml`, name, error: "not run by the fake" };
    const workflow = this.workflowFor(repo, parsed);
    const now = nowIso();
    const run: FakeWorkflowRun = {
      id: state.nextId(),
      repo,
      workflow,
      parsed,
      runNumber: ++workflow.runCount,
      checkSuiteId: state.nextId(),
      headSha: input.headSha,
      headBranch: input.headBranch,
      headCommit,
      event: input.event,
      headRepo: sourceRepo,
      status: "completed",
      conclusion: input.conclusion,
      actor: input.actor,
      createdAt: now,
      updatedAt: now,
      runStartedAt: now,
      jobs: [],
    };
    const log = new JobLog();
    log.add(input.log ?? (input.conclusion === "failure" ? "Error: the tests failed" : "1 passed"));
    const failed = input.conclusion === "failure";
    const job: FakeJob = {
      id: state.nextId(),
      runId: run.id,
      name: "test",
      status: "completed",
      conclusion: input.conclusion,
      createdAt: now,
      startedAt: now,
      completedAt: now,
      labels: ["ubuntu-latest"],
      steps: [{ name: "Run tests", number: 1, status: "completed", conclusion: input.conclusion, startedAt: now, completedAt: now }],
      annotations: failed ? [exitCodeAnnotation("Process completed with exit code 1.")] : [],
      logText: log.text(),
      runnerName: "GitHub Actions 1",
    };
    run.jobs.push(job);
    this.jobIndex.set(job.id, { run, job });
    this.runs.set(run.id, run);
    this.webhook(run, "requested");
    this.webhook(run, "completed");
    await this.idle();
    return run.id;
  }

  private async readBranches(repo: FakeRepo): Promise<Map<string, string>> {
    const text = await git(repo.gitDir, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"]);
    const refs = new Map<string, string>();
    for (const line of text.split("\n")) {
      const space = line.indexOf(" ");
      if (space > 0) refs.set(line.slice(space + 1).replace(/^refs\/heads\//, ""), line.slice(0, space));
    }
    return refs;
  }

  private serial<T>(repo: FakeRepo, task: () => Promise<T>): Promise<T> {
    const previous = this.repoChains.get(repo) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.repoChains.set(
      repo,
      next.catch(() => undefined),
    );
    return next;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private async workflowFiles(repo: FakeRepo, sha: string): Promise<ParsedWorkflow[]> {
    const dir = await objectAt(repo.gitDir, sha, WORKFLOW_DIR);
    if (dir?.type !== "tree") return [];
    const entries = (await listTree(repo.gitDir, dir.sha)).filter((e) => e.type === "blob" && /\.ya?ml$/.test(e.name));
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    const parsed: ParsedWorkflow[] = [];
    for (const entry of entries) {
      const text = (await readBlob(repo.gitDir, entry.sha)).toString("utf8");
      parsed.push(parseWorkflow(`${WORKFLOW_DIR}/${entry.name}`, text));
    }
    return parsed;
  }

  private async commitInfo(repo: FakeRepo, sha: string): Promise<FakeCommitInfo> {
    const text = await git(repo.gitDir, ["show", "-s", "--format=%T%x00%an%x00%ae%x00%cn%x00%ce%x00%cI%x00%B", sha]);
    const [treeSha = "", an = "", ae = "", cn = "", ce = "", date = "", message = ""] = text.split("\0");
    return {
      sha,
      treeSha,
      message: message.trimEnd(),
      author: { name: an, email: ae },
      committer: { name: cn, email: ce },
      timestamp: isoSeconds(new Date(date)),
    };
  }

  private workflowFor(repo: FakeRepo, parsed: ParsedWorkflow): FakeWorkflow {
    const filePath = parsed.ok ? parsed.workflow.path : parsed.path;
    const name = parsed.ok ? parsed.workflow.name : parsed.name;
    const key = `${repo.fullName.toLowerCase()}\0${filePath}`;
    let workflow = this.workflows.get(key);
    if (!workflow) {
      workflow = { id: this.deps.ctx.state.nextId(), path: filePath, name, createdAt: nowIso(), runCount: 0 };
      this.workflows.set(key, workflow);
    }
    workflow.name = name;
    return workflow;
  }

  private overrideFor(repo: FakeRepo, workflow: FakeWorkflow): ForcedConclusion | undefined {
    const prefix = `${repo.fullName.toLowerCase()}\0`;
    for (const candidate of [workflow.name, workflow.path, path.posix.basename(workflow.path)]) {
      const forced = this.overrides.get(prefix + candidate);
      if (forced) return forced;
    }
    return undefined;
  }

  private async createRuns(repo: FakeRepo, branch: string, sha: string, actor: FakeUser): Promise<number[]> {
    if (this.closed) return [];
    const files = (await this.workflowFiles(repo, sha)).filter((parsed) => parsedTriggersOnPush(parsed, branch));
    if (files.length === 0) return [];
    const headCommit = await this.commitInfo(repo, sha);
    const { state } = this.deps.ctx;
    const ids: number[] = [];
    for (const parsed of files) {
      const workflow = this.workflowFor(repo, parsed);
      const now = nowIso();
      const run: FakeWorkflowRun = {
        id: state.nextId(),
        repo,
        workflow,
        parsed,
        runNumber: ++workflow.runCount,
        checkSuiteId: state.nextId(),
        headSha: sha,
        headBranch: branch,
        headCommit,
        event: "push",
        headRepo: repo,
        status: "queued",
        conclusion: null,
        forced: this.overrideFor(repo, workflow),
        actor,
        createdAt: now,
        updatedAt: now,
        runStartedAt: now,
        jobs: [],
      };
      // A run that never started (startup failure, awaiting approval) or a broken file has no jobs.
      const hasJobs = parsed.ok && run.forced !== "startup_failure" && run.forced !== "action_required";
      if (hasJobs) {
        for (const spec of parsed.workflow.jobs) {
          const job: FakeJob = {
            id: state.nextId(),
            runId: run.id,
            name: spec.name,
            status: "queued",
            conclusion: null,
            createdAt: now,
            startedAt: now,
            completedAt: null,
            labels: spec.runsOn,
            steps: [],
            annotations: [],
            runnerName: null,
            spec,
          };
          run.jobs.push(job);
          this.jobIndex.set(job.id, { run, job });
        }
      }
      this.runs.set(run.id, run);
      ids.push(run.id);
      this.webhook(run, "requested");
      void this.track(this.execute(run));
    }
    return ids;
  }

  // ---- execution -----------------------------------------------------------------------------

  private async acquire(): Promise<void> {
    while (this.activeRuns >= MAX_PARALLEL_RUNS) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.activeRuns++;
  }

  private release(): void {
    this.activeRuns--;
    this.slotWaiters.shift()?.();
  }

  private touch(run: FakeWorkflowRun): void {
    run.updatedAt = nowIso();
  }

  private async execute(run: FakeWorkflowRun): Promise<void> {
    // Let the push reply (and the `requested` webhook) go first, as GitHub queues runs.
    await sleep(0);
    await this.acquire();
    try {
      if (this.closed) return;
      run.status = "in_progress";
      this.touch(run);
      this.webhook(run, "in_progress");
      let conclusion: FakeWorkflowRun["conclusion"];
      if (run.forced) {
        for (const job of run.jobs) this.forceJob(job, run.forced);
        conclusion = run.forced;
      } else if (!run.parsed.ok) {
        conclusion = "failure";
      } else {
        const results = new Map<string, FakeJob["conclusion"]>();
        for (const job of run.jobs) {
          await this.executeJob(run, run.parsed.workflow, job, results);
          if (job.spec) results.set(job.spec.key, job.conclusion);
        }
        conclusion = run.jobs.some((job) => job.conclusion === "failure" || job.conclusion === "cancelled") ? "failure" : "success";
      }
      if (this.runDelayMs > 0) await sleep(this.runDelayMs);
      if (this.closed) return;
      run.conclusion = conclusion;
      run.status = "completed";
      this.touch(run);
      this.webhook(run, "completed");
    } finally {
      this.release();
    }
  }

  private forceJob(job: FakeJob, forced: ForcedConclusion): void {
    const log = new JobLog();
    const now = nowIso();
    const message =
      forced === "timed_out"
        ? `The job running on runner ${this.runnerName(job)} has exceeded the maximum execution time of 360 minutes.`
        : "The operation was canceled.";
    log.add(`##[error]${message}`);
    job.status = "completed";
    job.conclusion = forced === "timed_out" ? "timed_out" : "cancelled";
    job.startedAt = now;
    job.completedAt = now;
    job.runnerName = this.runnerName(job);
    job.annotations.push(exitCodeAnnotation(message));
    job.logText = log.text();
  }

  private runnerName(job: FakeJob): string {
    return `GitHub Actions ${job.id % 1000}`;
  }

  private async executeJob(
    run: FakeWorkflowRun,
    workflow: WorkflowSpec,
    job: FakeJob,
    results: Map<string, FakeJob["conclusion"]>,
  ): Promise<void> {
    const spec = job.spec!;
    const now = nowIso();
    job.startedAt = now;
    // A job whose `needs` did not all succeed is skipped, as on GitHub.
    if (spec.needs.some((need) => results.has(need) && results.get(need) !== "success")) {
      job.status = "completed";
      job.conclusion = "skipped";
      job.completedAt = now;
      return;
    }
    const steps: FakeStep[] = [
      { name: "Set up job", number: 1, status: "queued", conclusion: null, startedAt: null, completedAt: null },
      ...spec.steps.map((step, i): FakeStep => ({
        name: step.name,
        number: i + 2,
        status: "queued",
        conclusion: null,
        startedAt: null,
        completedAt: null,
      })),
      { name: "Complete job", number: spec.steps.length + 2, status: "queued", conclusion: null, startedAt: null, completedAt: null },
    ];
    job.steps = steps;
    job.status = "in_progress";
    job.runnerName = this.runnerName(job);
    this.touch(run);

    const log = new JobLog();
    const dir = await mkdtemp(path.join(await this.workRoot(), `job-${job.id}-`));
    const workspace = path.join(dir, run.repo.name);
    const home = path.join(dir, "home");
    const temp = path.join(dir, "tmp");
    let failed = false;
    try {
      const setup = steps[0]!;
      this.startStep(setup);
      log.add("Current runner version: '2.330.0'");
      log.add(`Runner name: '${job.runnerName}'`);
      log.add("##[group]Operating System\nUbuntu\n24.04\nLTS\n##[endgroup]");
      log.add(`##[group]Runner Image\nImage: ${spec.runsOn[0] ?? "ubuntu-latest"}\n##[endgroup]`);
      log.add("Prepare workflow directory\nPrepare all required actions");
      log.add(`Complete job name: ${job.name}`);
      try {
        await Promise.all([mkdir(workspace, { recursive: true }), mkdir(home, { recursive: true }), mkdir(temp, { recursive: true })]);
        await this.checkout(run.repo, run.headSha, workspace);
        this.endStep(setup, "success");
      } catch (error) {
        log.add(`##[error]${error instanceof Error ? error.message : String(error)}`);
        this.endStep(setup, "failure");
        failed = true;
      }

      const levelCounts = new Map<string, number>();
      for (const [i, stepSpec] of spec.steps.entries()) {
        const step = steps[i + 1]!;
        if (this.closed || !shouldRun(stepSpec.if, failed)) {
          this.skipStep(step);
          continue;
        }
        this.startStep(step);
        this.touch(run);
        const context = { run, workflow, spec, workspace, home, temp, log, job, stepNumber: step.number, levelCounts };
        const ok = stepSpec.run !== undefined ? await this.runStep(context, stepSpec) : this.usesStep(context, stepSpec);
        this.endStep(step, ok ? "success" : stepSpec.continueOnError ? "success" : "failure");
        if (!ok && !stepSpec.continueOnError) failed = true;
      }
      const complete = steps[steps.length - 1]!;
      this.startStep(complete);
      log.add("Cleaning up orphan processes");
      this.endStep(complete, "success");
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    job.conclusion = this.closed ? "cancelled" : failed ? "failure" : "success";
    job.status = "completed";
    job.completedAt = nowIso();
    job.logText = log.text();
    this.touch(run);
  }

  private async workRoot(): Promise<string> {
    await mkdir(this.deps.workRoot, { recursive: true });
    return this.deps.workRoot;
  }

  /** The tree of `sha` into `dir` with plumbing and a throw-away index: no clone, no .git. */
  private async checkout(repo: FakeRepo, sha: string, dir: string): Promise<void> {
    const env = { GIT_INDEX_FILE: path.join(path.dirname(dir), `index-${randomUUID()}`) };
    await git(repo.gitDir, ["--work-tree", dir, "read-tree", sha], { env });
    await git(repo.gitDir, ["--work-tree", dir, "checkout-index", "-a", "-f"], { env });
  }

  private startStep(step: FakeStep): void {
    step.status = "in_progress";
    step.startedAt = nowIso();
  }

  private endStep(step: FakeStep, conclusion: "success" | "failure"): void {
    step.status = "completed";
    step.conclusion = conclusion;
    step.completedAt = nowIso();
  }

  private skipStep(step: FakeStep): void {
    step.status = "completed";
    step.conclusion = "skipped";
    step.startedAt = step.completedAt = nowIso();
  }

  private usesStep(context: StepContext, step: StepSpec): boolean {
    const { log, run } = context;
    const expr = expressionValues(context);
    const withEntries = Object.entries(step.with);
    const lines = [`##[group]Run ${step.uses ?? ""}`];
    if (withEntries.length > 0) lines.push("with:", ...withEntries.map(([k, v]) => `  ${k}: ${substitute(v, expr)}`));
    lines.push("##[endgroup]");
    log.add(lines.join("\n"));
    if (/^actions\/checkout@/.test(step.uses ?? "")) {
      log.add(`Syncing repository: ${run.repo.fullName}`);
      log.add(`HEAD is now at ${run.headSha.slice(0, 7)} ${run.headCommit.message.split("\n")[0] ?? ""}`);
    }
    return true;
  }

  private async runStep(context: StepContext, step: StepSpec): Promise<boolean> {
    const { run, workflow, spec, workspace, home, temp, log, job } = context;
    const expr = expressionValues(context);
    const script = substitute(step.run ?? "", expr);
    const shellName = step.shell ?? spec.shell ?? workflow.shell ?? "sh";
    const shell =
      shellName === "bash"
        ? {
            argv: ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c"],
            shown: "/usr/bin/bash --noprofile --norc -e -o pipefail {0}",
          }
        : { argv: ["sh", "-e", "-c"], shown: "/usr/bin/sh -e {0}" };
    const stepEnv: Record<string, string> = {};
    for (const layer of [workflow.env, spec.env, step.env])
      for (const [k, v] of Object.entries(layer)) stepEnv[k] = substitute(v, { ...expr, env: { ...expr.env, ...stepEnv } });

    const scriptLines = script.replace(/\n+$/, "").split("\n");
    const header = [
      `##[group]Run ${scriptLines.find((l) => l.trim() !== "")?.trim() ?? ""}`,
      ...scriptLines.map((l) => `\u001b[36;1m${l}\u001b[0m`),
      `shell: ${shell.shown}`,
    ];
    const envEntries = Object.entries(stepEnv);
    if (envEntries.length > 0) header.push("env:", ...envEntries.map(([k, v]) => `  ${k}: ${v}`));
    header.push("##[endgroup]");
    log.add(header.join("\n"));

    const workingDirectory = step.workingDirectory ?? spec.workingDirectory ?? workflow.workingDirectory;
    const cwd = workingDirectory ? path.resolve(workspace, substitute(workingDirectory, expr)) : workspace;
    if (!(await stat(cwd).catch(() => undefined))?.isDirectory()) {
      const message = `An error occurred trying to start process '/usr/bin/${shellName}' with working directory '${cwd}'. No such file or directory`;
      log.add(`##[error]${message}`);
      this.annotate(job, context.levelCounts, context.stepNumber, exitCodeAnnotation(message));
      return false;
    }

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: home,
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_SHA: run.headSha,
      GITHUB_REF: `refs/heads/${run.headBranch}`,
      GITHUB_REF_NAME: run.headBranch,
      GITHUB_REF_TYPE: "branch",
      GITHUB_REPOSITORY: run.repo.fullName,
      GITHUB_REPOSITORY_OWNER: run.repo.owner,
      GITHUB_EVENT_NAME: run.event,
      GITHUB_WORKFLOW: run.workflow.name,
      GITHUB_WORKFLOW_REF: `${run.repo.fullName}/${run.workflow.path}@refs/heads/${run.headBranch}`,
      GITHUB_JOB: spec.key,
      GITHUB_RUN_ID: String(run.id),
      GITHUB_RUN_NUMBER: String(run.runNumber),
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_ACTOR: run.actor.login,
      GITHUB_WORKSPACE: workspace,
      GITHUB_SERVER_URL: this.deps.ctx.baseUrl,
      GITHUB_API_URL: this.deps.ctx.apiUrl,
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      RUNNER_TEMP: temp,
      ...stepEnv,
    };

    const { code, timedOut, spawnError } = await this.spawnStep(shell.argv, script, cwd, env, (line) => this.outputLine(context, line));
    if (spawnError !== undefined) {
      const message = `An error occurred trying to start process '/usr/bin/${shellName}' with working directory '${cwd}'. ${spawnError}`;
      log.add(`##[error]${message}`);
      this.annotate(job, context.levelCounts, context.stepNumber, exitCodeAnnotation(message));
      return false;
    }
    if (timedOut) {
      const message = `The action '${step.name}' has timed out after ${this.stepTimeoutMs / 1000} seconds.`;
      log.add(`##[error]${message}`);
      this.annotate(job, context.levelCounts, context.stepNumber, exitCodeAnnotation(message));
      return false;
    }
    if (code !== 0) {
      const message = `Process completed with exit code ${code}.`;
      log.add(`##[error]${message}`);
      this.annotate(job, context.levelCounts, context.stepNumber, exitCodeAnnotation(message));
      return false;
    }
    return true;
  }

  private outputLine(context: StepContext, raw: string): void {
    const line = raw.replace(/\r$/, "");
    const command = parseWorkflowCommand(line);
    if (command?.command === "add-mask") context.log.mask(command.message);
    const rendered = renderOutputLine(line, command);
    if (rendered !== undefined) context.log.add(rendered);
    const annotation = command ? annotationFromCommand(command) : undefined;
    if (annotation) this.annotate(context.job, context.levelCounts, context.stepNumber, annotation);
  }

  private annotate(job: FakeJob, counts: Map<string, number>, stepNumber: number, annotation: FakeAnnotation): void {
    const key = `${stepNumber}:${annotation.annotation_level}`;
    const count = counts.get(key) ?? 0;
    if (count >= ANNOTATIONS_PER_STEP_AND_LEVEL || job.annotations.length >= ANNOTATIONS_PER_JOB) return;
    counts.set(key, count + 1);
    job.annotations.push(annotation);
  }

  /** stdout and stderr merged in the child (`2>&1`) so their lines keep the order the program wrote them. */
  private spawnStep(
    argv: string[],
    script: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
    onLine: (line: string) => void,
  ): Promise<{ code: number; timedOut: boolean; spawnError?: string }> {
    return new Promise((resolve) => {
      const child = spawn("sh", ["-c", 'exec 2>&1; exec "$@"', "fake-runner", ...argv, script], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "ignore"],
        detached: true,
      });
      this.children.add(child);
      let pending = "";
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, this.stepTimeoutMs);
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf("\n");
        while (newline >= 0) {
          onLine(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf("\n");
        }
      });
      let spawnError: string | undefined;
      child.on("error", (error) => (spawnError = error.message));
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        if (pending !== "") onLine(pending);
        resolve({ code: code ?? (signal ? 128 + 9 : 1), timedOut, spawnError });
      });
    });
  }

  // ---- webhooks and logs ---------------------------------------------------------------------

  /** Payload built now (the run as it is at this moment), delivered in order after earlier ones. */
  private webhook(run: FakeWorkflowRun, action: ActionsDelivery["action"]): void {
    const url = this.webhookUrl;
    if (url === undefined || this.closed) return;
    const record: ActionsDelivery = { event: "workflow_run", action, runId: run.id, headSha: run.headSha, url };
    if (this.dropWebhooks) {
      this.deliveries.push({ ...record, dropped: true });
      return;
    }
    const payload = workflowRunPayload(this.deps.ctx, run, action);
    const delivery = this.deliveryChain.then(async () => {
      if (this.closed) return;
      try {
        const response = await this.deps.deliver(url, "workflow_run", payload, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS));
        this.deliveries.push({ ...record, status: response.status });
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
        this.deliveries.push({ ...record, error: `${error instanceof Error ? error.message : String(error)}${cause}` });
      }
    });
    this.deliveryChain = delivery;
    void this.track(delivery);
  }

  /** A signed, short-lived URL for a finished job's log (GitHub's answer to .../jobs/:id/logs). */
  logUrl(jobId: number): string | undefined {
    const found = this.jobIndex.get(jobId);
    if (found?.job.logText === undefined) return undefined;
    const sig = randomBytes(16).toString("hex");
    const now = Date.now();
    for (const [key, entry] of this.logUrls) if (entry.expires < now) this.logUrls.delete(key);
    this.logUrls.set(sig, { jobId, expires: now + LOG_URL_LIFETIME_MS });
    return `${this.deps.ctx.baseUrl}/_blobs/job-logs/${jobId}?sig=${sig}`;
  }

  /**
   * Serves `/_blobs/...` without auth, but only with a valid signature. Like Azure blob storage: a
   * Content-Length always, and `Range: bytes=N-` (or `x-ms-range`) answered 206 with the bytes from N.
   */
  serveBlob(method: string, url: URL, headers: IncomingHttpHeaders = {}): RestResponse {
    const match = /^\/_blobs\/job-logs\/(\d+)$/.exec(url.pathname);
    const found = match ? this.jobIndex.get(Number(match[1])) : undefined;
    if (method !== "GET" || !match || !found || found.job.logText === undefined) {
      return { status: 404, text: "The specified blob does not exist.", headers: { "content-type": "text/plain; charset=utf-8" } };
    }
    const entry = this.logUrls.get(url.searchParams.get("sig") ?? "");
    if (!entry || entry.jobId !== found.job.id || entry.expires < Date.now()) {
      return {
        status: 403,
        text: "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        headers: { "content-type": "text/plain; charset=utf-8" },
      };
    }
    const bytes = Buffer.from(found.job.logText, "utf8");
    const plain = { "content-type": "text/plain; charset=utf-8", "accept-ranges": "bytes" };
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(headers["x-ms-range"] ?? headers.range ?? ""));
    if (!range) return { status: 200, bytes, headers: { ...plain, "content-length": String(bytes.length) } };
    const start = Number(range[1]);
    const end = Math.min(bytes.length - 1, range[2] ? Number(range[2]) : bytes.length - 1);
    if (start >= bytes.length || end < start) {
      return { status: 416, text: "The range specified is invalid for the current size of the resource.", headers: plain };
    }
    const part = bytes.subarray(start, end + 1);
    return {
      status: 206,
      bytes: part,
      headers: { ...plain, "content-length": String(part.length), "content-range": `bytes ${start}-${end}/${bytes.length}` },
    };
  }

  /** Stops running steps and waits for the runner to settle (before the fake deletes its files). */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const child of this.children) killGroup(child);
    await Promise.race([this.idle(), sleep(5000)]);
  }
}

interface StepContext {
  run: FakeWorkflowRun;
  workflow: WorkflowSpec;
  spec: JobSpec;
  workspace: string;
  home: string;
  temp: string;
  log: JobLog;
  job: FakeJob;
  stepNumber: number;
  levelCounts: Map<string, number>;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** `if:` of a step, reduced to the status functions: after a failure only always()/failure() steps run. */
function shouldRun(condition: string | undefined, failed: boolean): boolean {
  if (condition === undefined || condition.trim() === "") return !failed;
  const expr = condition.replace(/^\s*\$\{\{([^]*)\}\}\s*$/, "$1");
  if (/\bcancelled\(\)/.test(expr)) return false;
  if (/\balways\(\)/.test(expr)) return true;
  if (/\bfailure\(\)/.test(expr)) return failed;
  return !failed;
}

interface ExpressionValues {
  github: Record<string, string>;
  runner: Record<string, string>;
  env: Record<string, string>;
}

function expressionValues(context: StepContext): ExpressionValues {
  const { run, workflow, spec, workspace, temp } = context;
  return {
    github: {
      sha: run.headSha,
      ref: `refs/heads/${run.headBranch}`,
      ref_name: run.headBranch,
      ref_type: "branch",
      head_ref: "",
      base_ref: "",
      repository: run.repo.fullName,
      repository_owner: run.repo.owner,
      event_name: run.event,
      workflow: run.workflow.name,
      job: spec.key,
      run_id: String(run.id),
      run_number: String(run.runNumber),
      run_attempt: "1",
      actor: run.actor.login,
      workspace,
      server_url: "",
    },
    runner: { os: "Linux", arch: "X64", temp, name: context.job.runnerName ?? "" },
    env: { ...workflow.env, ...spec.env },
  };
}

/** `${{ github.sha }}`, `${{ env.X }}`, `${{ runner.os }}` and string literals; anything else is "". */
function substitute(text: string, values: ExpressionValues): string {
  return text.replace(/\$\{\{\s*([^]*?)\s*\}\}/g, (_, expr: string) => {
    const literal = /^'([^]*)'$/.exec(expr);
    if (literal) return (literal[1] ?? "").replace(/''/g, "'");
    const ref = /^(github|runner|env)\.([\w-]+)$/.exec(expr);
    if (!ref) return "";
    return values[ref[1] as keyof ExpressionValues][ref[2]!] ?? "";
  });
}
