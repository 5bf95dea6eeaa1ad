import { join } from "node:path";
import type { RepoConfig } from "../config.js";
import { Meter, type Budgets } from "../engine/budget.js";
import { CI_FEEDBACK_SHARE } from "../engine/context-budget.js";
import { errorMessage } from "../engine/error-message.js";
import type { LLM } from "../engine/llm.js";
import { planProgram } from "../engine/planner.js";
import { newRunId, position, updateInstruction } from "../engine/program.js";
import { defaultPrompts } from "../engine/prompts.js";
import type { SyntaxChecker } from "../engine/syntax-checker.js";
import { boundTask, MIN_TASK_TOKENS, taskTokenBudget, type BoundedTask } from "../engine/task-budget.js";
import { alreadyCommitted, runAndCommit, type StepContext, type StepOutcome } from "../engine/instruction-step.js";
import { ATTEMPT_TRAILER } from "../engine/trailers.js";
import { pricesFor, type Prices } from "../engine/usage.js";
import { baseline } from "../github/actions.js";
import { BranchStore } from "../github/branch-store.js";
import { PlanTooLargeError } from "../github/checklist.js";
import { plainText } from "../github/markdown-text.js";
import type { IssueRef, Octokit } from "../github/octokit.js";
import { pathPolicy } from "../github/path-policy.js";
import { isStopped } from "../github/phase.js";
import {
  MAX_DETAIL_CHARS,
  MAX_ITEM_CHARS,
  newPlan,
  nextPending,
  normaliseItemText,
  taskHashOf,
  type Plan,
  type PlanInstruction,
} from "../github/plan.js";
import { createPlanComment, findPlanComment, readTrustedPlan, savePlan, type PlanContext } from "../github/plan-comment.js";
import type { PlanTrust } from "../github/plan-trust.js";
import { renderPullRequestBody, upsertPullRequest } from "../github/pull-request.js";
import { taskFromIssue } from "../github/sanitize.js";
import { checkCi } from "./ci-step.js";
import { replan } from "./replan.js";
import { applyRunCommand, type RunCommand } from "./run-commands.js";
import type { RunJob } from "./run-job.js";
import { SHUTDOWN_REASON } from "./run-queue.js";
import { notes, reasons, replies } from "./reasons.js";
import { checkTaskConsent } from "./task-consent.js";

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface RunDeps {
  octokit: Octokit;
  job: RunJob;
  config: RepoConfig;
  llm: LLM;
  /** Where working copies live. */
  workdir: string;
  /** The app's bot user, e.g. "l2mac[bot]": only its comments are trusted. */
  botLogin: string;
  /** Who wrote the plan comment's versions; its copies of the app's own (shared with the edit handler). */
  planTrust: PlanTrust;
  /** Run after every write of the agent (the app wires `src/checks`). */
  checkSyntax: SyntaxChecker;
  /** Fresh installation token for git. */
  token: () => Promise<string>;
  log: Logger;
  /** First interval between CI polls; later ones back off. */
  ciPollMs?: number;
  now?: () => number;
  signal?: AbortSignal;
  /** False when the queue will retry after an error: the run is then not marked failed for it. */
  finalAttempt?: boolean;
  /** Configured prices (USD per million tokens) for models without a known list price. */
  prices?: Prices;
}

/** Where a run stands after advancing it; `pollInMs` asks to be woken then (waiting for CI). */
export interface Advance {
  phase: Plan["phase"];
  pollInMs?: number;
}

/**
 * Advances an issue's run as far as it can go now: plan, run instructions one by one (one commit and
 * push each), wait for CI on each commit without holding a worker, then open the pull request. All state
 * is read from and written to GitHub (plan comment and branch), so this can be called again at any time,
 * by any worker, and picks up where the run is.
 */
export async function advanceRun(deps: RunDeps): Promise<Advance> {
  const { octokit, job, config, log } = deps;
  const issue: IssueRef = { owner: job.owner, repo: job.repo, issue_number: job.issueNumber };
  const render: PlanContext = { repoUrl: job.htmlUrl, trust: { guard: deps.planTrust, botLogin: deps.botLogin } };
  const { data: issueData } = await octokit.rest.issues.get(issue);
  const { task } = taskFromIssue(issueData.title, issueData.body);
  // What every prompt carries of the task: cut to the model's window before any request.
  const prompted = promptedTask(task, deps.llm);

  const unpriced = config.budgets.max_cost_usd !== undefined && !pricesFor(deps.llm.model, deps.prices);
  const branch = `${config.branch_prefix}issue-${job.issueNumber}`;
  let comment = await findPlanComment(octokit, issue, deps.botLogin);
  // Only a version of the comment this app or a writer wrote is acted on.
  const read = comment ? await readTrustedPlan(octokit, issue, comment, render.trust) : { plan: undefined };
  if (read.refused) {
    log.warn({ reason: read.refused }, "not advancing: the plan comment's last version cannot be trusted now");
    return { phase: "paused" };
  }
  let plan = read.plan;
  if (comment && plan && plan.branch !== branch) {
    // The branch comes from the config and the issue, never from the editable state block.
    const pinned = pinBranch(plan, branch);
    if (isStopped(plan.phase) || plan.phase === "planning") plan = pinned;
    else {
      await savePlan(octokit, issue, comment.id, { ...pinned, phase: "paused", reason: reasons.branchChanged(branch) }, render);
      return { phase: "paused" };
    }
  }
  if (comment && !plan && comment.body.includes("<!-- l2mac:state")) {
    // An edit left the comment unreadable (every item removed); the edit handler puts it back.
    log.warn("the plan comment holds no readable program; not advancing");
    return { phase: "paused" };
  }
  // Only a task a writer approved is planned or run: a changed one waits for `/l2mac accept`.
  const consent = await checkTaskConsent({
    octokit,
    job,
    issue,
    task,
    comment,
    plan,
    render,
    log,
    fresh: () => newPlan(newRunId(), branch, []),
  });
  if (!consent.ok) return { phase: consent.phase };
  ({ comment, plan } = consent);
  if (unpriced && (!plan || !isStopped(plan.phase))) {
    // A cost budget that cannot be counted is no budget: say so instead of spending without a limit.
    const reason = reasons.unpricedBudget(deps.llm.model);
    const base = plan ?? newPlan(newRunId(), branch, []);
    if (comment) await savePlan(octokit, issue, comment.id, { ...base, phase: "paused", reason }, render);
    else await createPlanComment(octokit, issue, { ...base, phase: "paused", reason }, render);
    return { phase: "paused" };
  }
  if (!comment || !plan || plan.phase === "planning") {
    const planning: Plan = { ...(plan ?? newPlan(newRunId(), branch, [])), phase: "planning" };
    // A queued `/l2mac stop` is applied before planning, not after a plan it did not want.
    const control = job.commands?.filter((c) => c.name === "stop" || c.name === "continue").at(-1);
    if (control?.name === "stop") {
      const stopped: Plan = { ...planning, phase: "paused", reason: reasons.stoppedBy(control.actor) };
      if (comment) await savePlan(octokit, issue, comment.id, stopped, render);
      else await createPlanComment(octokit, issue, stopped, render);
      return { phase: "paused" };
    }
    comment ??= await createPlanComment(octokit, issue, planning, render);
    const meter = new Meter(budgetsOf(config), pricesFor(deps.llm.model, deps.prices), planning.usage);
    const fail = async (reason: string, phase: Plan["phase"] = "failed"): Promise<Advance> => {
      await savePlan(octokit, issue, comment!.id, { ...planning, usage: meter.total, phase, reason }, render);
      return { phase };
    };
    if (!prompted.ok) return fail(prompted.reason);
    let steps: string[];
    try {
      steps = await planProgram({
        llm: deps.llm,
        prompts: defaultPrompts("codebase"),
        task: prompted.task.text,
        maxSteps: config.max_instructions,
        meter,
        signal: deps.signal,
      });
    } catch (e) {
      const aborted = deps.signal?.aborted ? String(deps.signal.reason) : undefined;
      // A shutdown leaves the run in planning (it is picked up again); a stop pauses it; anything else failed.
      if (aborted) return fail(aborted, aborted === SHUTDOWN_REASON ? "planning" : "paused");
      return fail(reasons.planningFailed(plainText(errorMessage(e), 500)));
    }
    plan = {
      ...newPlan(planning.runId, planning.branch, steps),
      usage: meter.total,
      phase: config.require_approval ? "awaiting-approval" : "running",
      taskHash: taskHashOf(task),
      notes: plannedNotes(prompted.task, steps),
    };
    try {
      plan = await savePlan(octokit, issue, comment.id, plan, render);
    } catch (e) {
      if (!(e instanceof PlanTooLargeError)) throw e;
      // Said once, with what it cost: a plan left at "planning" would be planned again on every event.
      return fail(reasons.planTooLong(steps.length));
    }
    log.info({ instructions: plan.instructions.length }, "planned");
  }
  const commentId = comment.id;
  for (const command of job.commands ?? []) {
    plan = await applyCommand(deps, issue, commentId, plan, command, prompted.task.text, render);
  }
  // `/l2mac continue` on a run stopped before it had a plan: plan it now.
  if (plan.phase === "planning") return advanceRun({ ...deps, job: { ...job, commands: undefined } });
  if (isStopped(plan.phase)) return { phase: plan.phase };

  let latest = plan;
  const save = async (next: Plan) => (latest = await savePlan(octokit, issue, commentId, next, render));
  try {
    return await execute(deps, issue, prompted.task.text, plan, save);
  } catch (e) {
    // Whatever broke, the comment must not keep saying "running" once no retry will come.
    if (deps.finalAttempt !== false) {
      const message = errorMessage(e).split("\n")[0] ?? "";
      await save({ ...latest, phase: "failed", current: undefined, reason: reasons.unexpectedError(message) }).catch(() => undefined);
    }
    throw e;
  }
}

/** Runs and evaluates instructions until the program is finished, paused, failed or waiting for CI. */
async function execute(deps: RunDeps, issue: IssueRef, task: string, initial: Plan, save: (p: Plan) => Promise<Plan>): Promise<Advance> {
  const { octokit, job, config, log } = deps;
  const repo = { owner: job.owner, repo: job.repo };
  const now = deps.now ?? Date.now;
  let plan = initial;
  const store = await BranchStore.checkout({
    cloneUrl: job.cloneUrl,
    dir: join(deps.workdir, job.owner, job.repo, `issue-${job.issueNumber}`),
    branch: plan.branch,
    baseBranch: job.defaultBranch,
    token: deps.token,
    author: { name: deps.botLogin, email: `${deps.botLogin}@users.noreply.github.com` },
    deny: pathPolicy(config),
  });
  const meter = new Meter(budgetsOf(config), pricesFor(deps.llm.model, deps.prices), plan.usage);
  const stop = async (phase: "paused" | "failed", reason: string, extra: Partial<Plan> = {}): Promise<Advance> => {
    // A shutdown is not a pause: the run stays active, says so, and is picked up again by the next worker.
    if (deps.signal?.aborted && deps.signal.reason === SHUTDOWN_REASON) {
      const evaluating = Boolean(plan.evaluation && plan.current !== undefined);
      await save({
        ...plan,
        ...extra,
        phase: evaluating ? "evaluating" : "running",
        reason: SHUTDOWN_REASON,
        current: evaluating ? plan.current : undefined,
      });
      return { phase: evaluating ? "evaluating" : "running" };
    }
    await save({ ...plan, phase, reason, ...extra });
    return { phase };
  };
  const unpushed = await store.pushIfAhead();
  if (unpushed && !unpushed.ok) {
    return stop("paused", reasons.unpushed(plan.branch, unpushed.conflict));
  }
  plan = await reconcile(plan, store, config.ci.enabled, new Date(now()).toISOString());
  // A commit pushed on top of the one under evaluation (a human's fix, a partial commit): evaluate the newest.
  const head = await store.head();
  if (
    plan.phase === "evaluating" &&
    plan.evaluation &&
    head &&
    head !== plan.evaluation.sha &&
    (await store.isAncestor(plan.evaluation.sha, head))
  ) {
    plan = { ...plan, evaluation: { ...plan.evaluation, sha: head, since: new Date(now()).toISOString() } };
    if (plan.current !== undefined) plan = setInstruction(plan, plan.current, { commit: head });
  }
  const stepContext: StepContext = {
    llm: deps.llm,
    store,
    prompts: defaultPrompts("codebase"),
    task,
    checkSyntax: deps.checkSyntax,
    meter,
    budgets: budgetsOf(config),
    signal: deps.signal,
  };
  const runStep = (instruction: PlanInstruction, fix?: { feedback: string; attempt: number }): Promise<StepOutcome> => {
    const index = position(plan, instruction.id);
    log.info({ instruction: index, of: plan.instructions.length, fix: Boolean(fix?.feedback) }, "instruction started");
    return runAndCommit(stepContext, {
      program: plan,
      instruction,
      feedback: fix?.feedback,
      ...(fix ? { subjectPrefix: "Fix CI: ", trailers: { [ATTEMPT_TRAILER]: String(fix.attempt) } } : {}),
    });
  };
  /** Pushes a commit of the agent's work; a reason to pause when someone pushed conflicting changes. */
  const push = async (instruction: PlanInstruction, commit: string | undefined): Promise<{ sha?: string; conflict?: string }> => {
    if (!commit) return {};
    const pushed = await store.push();
    if (!pushed.ok) {
      return { conflict: reasons.pushConflict(plan.branch, position(plan, instruction.id), pushed.conflict) };
    }
    return { sha: pushed.sha };
  };
  const withUsage = (instruction: PlanInstruction, outcome: StepOutcome): Plan => ({
    ...setInstruction(plan, instruction.id, { usage: outcome.usage }),
    usage: meter.total,
  });
  /** An agent that stopped early: its work is kept as a partial commit. An interrupted fix attempt keeps its evaluation, so CI is looked at again rather than the instruction taken as done. */
  const unfinished = async (
    instruction: PlanInstruction,
    outcome: Extract<StepOutcome, { status: "paused" | "failed" }>,
    fixing = false,
  ): Promise<Advance> => {
    await push(instruction, outcome.partialCommit);
    log.warn({ instruction: position(plan, instruction.id), reason: outcome.reason }, `instruction ${outcome.status}`);
    return stop(outcome.status, outcome.reason, fixing ? {} : { current: undefined });
  };

  for (;;) {
    plan = await save(plan);
    const current = plan.instructions.find((i) => i.id === plan.current);
    if (plan.phase === "evaluating" && plan.evaluation && current) {
      const step = await checkCi({
        octokit,
        repo,
        plan: { ...plan, evaluation: plan.evaluation },
        config,
        now: now(),
        pollBaseMs: deps.ciPollMs ?? 30_000,
        feedbackTokens: Math.floor(deps.llm.contextWindow * CI_FEEDBACK_SHARE),
      });
      if (step.action === "wait") return { phase: "evaluating", pollInMs: step.pollInMs };
      if (step.action === "pause") {
        plan = setInstruction(plan, current.id, step.ci ? { ci: step.ci } : {});
        return stop("paused", step.reason, { detail: step.detail });
      }
      if (step.action === "accept") {
        plan = setInstruction(
          {
            ...plan,
            phase: "running",
            current: undefined,
            evaluation: undefined,
            detail: undefined,
            notes: step.note ? [...(plan.notes ?? []), step.note] : plan.notes,
          },
          current.id,
          { status: "done", commit: plan.evaluation.sha, ci: step.ci, redo: undefined },
        );
        log.info({ instruction: position(plan, current.id), ci: step.ci.result }, "instruction accepted");
        continue;
      }
      // The same instruction, a fresh agent, the failure as feedback.
      const attempt = plan.evaluation.attempt + 1;
      await save({ ...plan, detail: step.feedback.slice(-MAX_DETAIL_CHARS) });
      const outcome = await runStep(current, { feedback: step.feedback, attempt });
      plan = withUsage(current, outcome);
      if (outcome.status !== "complete") return unfinished(current, outcome, true);
      const pushed = await push(current, outcome.commit);
      if (pushed.conflict) return stop("paused", pushed.conflict, { current: undefined });
      if (!pushed.sha)
        return stop("paused", reasons.fixChangedNothing(attempt, position(plan, current.id)), {
          detail: step.feedback.slice(-MAX_DETAIL_CHARS),
        });
      plan = { ...plan, evaluation: { sha: pushed.sha, attempt, since: new Date(now()).toISOString() } };
      plan = setInstruction(plan, current.id, { commit: pushed.sha });
      continue;
    }

    const next = nextPending(plan);
    if (!next) return finish(deps, issue, store, plan, save);
    if (deps.signal?.aborted) return stop("paused", typeof deps.signal.reason === "string" ? deps.signal.reason : "stopped");
    const exceeded = meter.exceeded();
    if (exceeded) return stop("paused", exceeded);
    if (config.ci.enabled && !plan.base) {
      const base = await baseline(octokit, repo, job.defaultBranch);
      const note = base.red ? notes.baseRed(base.failingJobs) : undefined;
      plan = { ...plan, base, notes: note ? [...(plan.notes ?? []), note] : plan.notes };
    }

    plan = await save({ ...plan, phase: "running", current: next.id, reason: undefined });
    const outcome = await runStep(next);
    plan = withUsage(next, outcome);
    if (outcome.status !== "complete") return unfinished(next, outcome);
    const pushed = await push(next, outcome.commit);
    if (pushed.conflict) return stop("paused", pushed.conflict, { current: undefined });
    plan = setInstruction(plan, next.id, { summary: outcome.summary, ...(pushed.sha ? { commit: pushed.sha } : {}) });
    if (pushed.sha && config.ci.enabled) {
      plan = { ...plan, phase: "evaluating", evaluation: { sha: pushed.sha, attempt: 0, since: new Date(now()).toISOString() } };
    } else {
      plan = setInstruction({ ...plan, current: undefined }, next.id, { status: "done", redo: undefined });
    }
    log.info({ instruction: position(plan, next.id), commit: pushed.sha }, "instruction committed");
  }
}

/** Applies one queued command to the run's state and writes it; replies when there is something to say. */
async function applyCommand(
  deps: RunDeps,
  issue: IssueRef,
  commentId: number,
  plan: Plan,
  command: RunCommand,
  task: string,
  render: PlanContext,
): Promise<Plan> {
  const reply = (body: string) => deps.octokit.rest.issues.createComment({ ...issue, body });
  if (command.name === "replan") {
    const meter = new Meter(budgetsOf(deps.config), pricesFor(deps.llm.model, deps.prices), plan.usage);
    try {
      const next = await replan({
        plan,
        task,
        llm: deps.llm,
        prompts: defaultPrompts("codebase"),
        maxInstructions: deps.config.max_instructions,
        meter,
        signal: deps.signal,
      });
      return savePlan(deps.octokit, issue, commentId, { ...next, notes: [...(plan.notes ?? []), notes.replanned(command.actor)] }, render);
    } catch (e) {
      await reply(replies.replanFailed(command.actor, errorMessage(e)));
      return plan;
    }
  }
  if (command.name === "status") {
    plan = await savePlan(deps.octokit, issue, commentId, plan, render);
    if (plan.phase === "paused" || plan.phase === "failed") {
      await reply(replies.status(plan.phase, plan.reason));
    }
    return plan;
  }
  const { plan: next, reply: answer } = applyRunCommand(plan, command, new Date((deps.now ?? Date.now)()));
  if (answer) await reply(answer);
  return next === plan ? plan : savePlan(deps.octokit, issue, commentId, next, render);
}

const setInstruction = (plan: Plan, id: number, patch: Partial<PlanInstruction>): Plan => updateInstruction(plan, id, patch);

/** The task as prompts carry it, or why there is no room for it. */
function promptedTask(task: string, llm: LLM): { ok: true; task: BoundedTask } | { ok: false; reason: string; task: BoundedTask } {
  const budget = taskTokenBudget(llm, defaultPrompts("codebase"));
  const bounded = boundTask(task, Math.max(budget, 0));
  if (budget >= MIN_TASK_TOKENS) return { ok: true, task: bounded };
  return {
    ok: false,
    task: bounded,
    reason: reasons.windowTooSmall(llm.contextWindow, budget),
  };
}

/** Notes on what planning cut: the issue's description to the window, instructions to the comment's bounds. */
function plannedNotes(task: BoundedTask, steps: readonly string[]): string[] | undefined {
  const out: string[] = [];
  if (task.cut) out.push(notes.taskCut(task.tokens, task.keptTokens));
  const long = steps.filter((s) => normaliseItemText(s).length > MAX_ITEM_CHARS).length;
  if (long > 0) out.push(notes.instructionsCut(long));
  return out.length > 0 ? out : undefined;
}

/** The plan on its own branch, with a note of the branch its state block named instead. */
const pinBranch = (plan: Plan, branch: string): Plan => ({
  ...plan,
  branch,
  notes: [...(plan.notes ?? []), notes.branchPinned(plan.branch, branch)],
});

function budgetsOf(config: RepoConfig): Budgets {
  return {
    maxTokens: config.budgets.max_tokens,
    maxCostUsd: config.budgets.max_cost_usd,
    maxTurnsPerInstruction: config.budgets.max_turns_per_instruction,
    maxContextRestarts: 30,
  };
}

/**
 * An instruction already committed on the branch (the worker died before saving) is not redone. The
 * instruction under evaluation is left alone: its commit is there, but CI has not accepted it yet.
 */
async function reconcile(plan: Plan, store: BranchStore, ciEnabled: boolean, now: string): Promise<Plan> {
  let out = plan;
  for (const { instruction: i, commit: found } of alreadyCommitted(plan.instructions, await store.instructionCommits(plan.runId))) {
    if (i.ci?.result === "failed") continue;
    if (i.id === plan.current) {
      if (plan.evaluation) continue;
      // Pushed, then the worker died before saving: CI has not looked at it yet.
      if (ciEnabled) {
        out = setInstruction({ ...out, phase: "evaluating", evaluation: { sha: found.sha, attempt: 0, since: now } }, i.id, {
          commit: found.sha,
          summary: i.summary ?? found.summary,
        });
        continue;
      }
    }
    out = setInstruction(out, i.id, { status: "done", commit: found.sha, summary: i.summary ?? found.summary });
  }
  return out;
}

async function finish(deps: RunDeps, issue: IssueRef, store: BranchStore, plan: Plan, save: (p: Plan) => Promise<Plan>): Promise<Advance> {
  const { octokit, job } = deps;
  plan = await save({ ...plan, phase: "finishing", current: undefined });
  if ((await store.aheadOfBase()) === 0) {
    await save({ ...plan, phase: "done", reason: reasons.noChanges() });
    return { phase: "done" };
  }
  const { data: issueData } = await octokit.rest.issues.get(issue);
  const pr = await upsertPullRequest(
    octokit,
    { owner: job.owner, repo: job.repo },
    {
      branch: plan.branch,
      base: job.defaultBranch,
      title: `L2MAC: ${issueData.title}`.slice(0, 250),
      body: renderPullRequestBody(plan, job.issueNumber, job.htmlUrl),
    },
  );
  await save({ ...plan, phase: "done", pr: pr.number });
  deps.log.info({ pr: pr.number }, "pull request ready");
  return { phase: "done" };
}
