import { join } from "node:path";
import type { RepoConfig } from "../config.js";
import { Meter, type Budgets } from "../engine/budget.js";
import { executeInstruction } from "../engine/control-unit.js";
import type { LLM } from "../engine/llm.js";
import { PlanError, planProgram } from "../engine/planner.js";
import { newRunId, type Instruction } from "../engine/program.js";
import { defaultPrompts } from "../engine/prompts.js";
import { INSTRUCTION_TRAILER, RUN_TRAILER } from "../engine/run-program.js";
import { commitSubject, stripSkipCi } from "../engine/text.js";
import { addUsage, pricesFor, zeroUsage } from "../engine/usage.js";
import { PARTIAL_TRAILER } from "../git/git-file-store.js";
import { BranchStore } from "../github/branch-store.js";
import type { RenderContext } from "../github/checklist.js";
import type { IssueRef, Octokit } from "../github/octokit.js";
import { pathPolicy } from "../github/path-policy.js";
import { newPlan, nextPending, type Plan } from "../github/plan.js";
import { createPlanComment, findPlanComment, readPlan, savePlan } from "../github/plan-comment.js";
import { renderPullRequestBody, upsertPullRequest } from "../github/pull-request.js";
import { taskFromIssue } from "../github/sanitize.js";
import type { RunJob } from "./run-job.js";

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
  /** Fresh installation token for git. */
  token: () => Promise<string>;
  log: Logger;
  signal?: AbortSignal;
}

const TERMINAL = new Set<Plan["phase"]>(["done", "failed", "paused", "awaiting-approval"]);

/**
 * Advances an issue's run as far as it can go now: plan, then run instructions one by one (one commit
 * and push each), then open the pull request. All state is read from and written to GitHub (plan comment
 * and branch), so this can be called again at any time, by any worker, and picks up where the run is.
 */
export async function advanceRun(deps: RunDeps): Promise<Plan["phase"]> {
  const { octokit, job, config, log } = deps;
  const issue: IssueRef = { owner: job.owner, repo: job.repo, issue_number: job.issueNumber };
  const render: RenderContext = { repoUrl: job.htmlUrl };
  const branch = `${config.branch_prefix}issue-${job.issueNumber}`;
  const { data: issueData } = await octokit.rest.issues.get(issue);
  const { task } = taskFromIssue(issueData.title, issueData.body);

  let comment = await findPlanComment(octokit, issue, deps.botLogin);
  let plan = comment ? readPlan(comment) : undefined;
  if (!comment || !plan || plan.phase === "planning") {
    const planning: Plan = { ...(plan ?? newPlan(newRunId(), branch, [])), phase: "planning" };
    comment ??= await createPlanComment(octokit, issue, planning, render);
    const meter = new Meter(budgetsOf(config), pricesFor(deps.llm.model), planning.usage);
    try {
      const steps = await planProgram({ llm: deps.llm, prompts: defaultPrompts("codebase"), task, maxSteps: config.max_instructions, meter, signal: deps.signal });
      plan = { ...newPlan(planning.runId, branch, steps), usage: meter.total, phase: config.require_approval ? "awaiting-approval" : "running" };
    } catch (e) {
      const reason = e instanceof PlanError || e instanceof Error ? `planning failed: ${e.message}` : "planning failed";
      await savePlan(octokit, issue, comment.id, { ...planning, usage: meter.total, phase: "failed", reason }, render);
      return "failed";
    }
    plan = await savePlan(octokit, issue, comment.id, plan, render);
    log.info({ issue: job.issueNumber, instructions: plan.instructions.length }, "planned");
  }
  if (TERMINAL.has(plan.phase)) return plan.phase;
  const commentId = comment.id;
  const save = async (next: Plan) => (plan = await savePlan(octokit, issue, commentId, next, render));
  try {
    return await execute(deps, issue, task, plan, save);
  } catch (e) {
    // Whatever broke, the comment must not keep saying "running": record it, then let the queue log it.
    const message = (e as Error).message?.split("\n")[0] ?? String(e);
    await save({ ...plan, phase: "failed", current: undefined, reason: `unexpected error: ${message.slice(0, 300)}` }).catch(() => undefined);
    throw e;
  }
}

/** Runs pending instructions one by one until the program is finished, paused or failed. */
async function execute(deps: RunDeps, issue: IssueRef, task: string, initial: Plan, save: (p: Plan) => Promise<Plan>): Promise<Plan["phase"]> {
  const { job, config, log } = deps;
  let plan = initial;
  const saveAndTrack = async (next: Plan) => (plan = await save(next));
  const store = await BranchStore.checkout({
    cloneUrl: job.cloneUrl,
    dir: join(deps.workdir, job.owner, job.repo, `issue-${job.issueNumber}`),
    branch: plan.branch,
    baseBranch: job.defaultBranch,
    token: deps.token,
    author: { name: deps.botLogin, email: `${deps.botLogin}@users.noreply.github.com` },
    deny: pathPolicy(config),
  });
  plan = await reconcile(plan, store);

  const meter = new Meter(budgetsOf(config), pricesFor(deps.llm.model), plan.usage);
  for (;;) {
    await saveAndTrack(plan);
    const next = nextPending(plan);
    if (!next) return finish(deps, issue, store, plan, saveAndTrack);
    if (deps.signal?.aborted) return stop(saveAndTrack, plan, "paused", "the server is shutting down; the run will resume");
    const exceeded = meter.exceeded();
    if (exceeded) return stop(saveAndTrack, plan, "paused", exceeded);

    await saveAndTrack({ ...plan, phase: "running", current: next.id, reason: undefined });
    const index = plan.instructions.findIndex((i) => i.id === next.id) + 1;
    log.info({ issue: job.issueNumber, instruction: index, of: plan.instructions.length }, "instruction started");
    const outcome = await executeInstruction({
      llm: deps.llm,
      store,
      prompts: defaultPrompts("codebase"),
      task,
      instruction: next,
      index,
      total: plan.instructions.length,
      earlierSummaries: summariesBefore(plan, next.id),
      meter,
      budgets: budgetsOf(config),
      signal: deps.signal,
    });
    const usage = addUsage(next.usage ?? zeroUsage(), outcome.usage);
    plan = { ...plan, usage: meter.total, instructions: plan.instructions.map((i) => (i.id === next.id ? { ...i, usage } : i)) };

    const subject = commitSubject(next.text);
    if (outcome.status !== "complete") {
      if (outcome.touched.length > 0) {
        await store.commit(`${subject} (partial)\n\n${stripSkipCi(outcome.reason)}`, trailers(plan, next, { [PARTIAL_TRAILER]: "true" }));
        await store.push();
      }
      log.warn({ issue: job.issueNumber, instruction: index, reason: outcome.reason }, `instruction ${outcome.status}`);
      return stop(saveAndTrack, plan, outcome.status, outcome.reason);
    }
    const committed = await store.commit(`${subject}\n\n${stripSkipCi(outcome.summary)}`, trailers(plan, next));
    let sha: string | undefined;
    if (committed) {
      const pushed = await store.push();
      if (!pushed.ok) {
        return stop(saveAndTrack, plan, "paused", `someone pushed to \`${plan.branch}\` changes that conflict with instruction ${index} (${pushed.conflict.join(", ") || "unknown files"}); resolve it on the branch, then comment \`/l2mac continue\` to redo the instruction`);
      }
      sha = pushed.sha;
    }
    plan = {
      ...plan,
      instructions: plan.instructions.map((i) => (i.id === next.id ? { ...i, status: "done" as const, summary: outcome.summary, ...(sha ? { commit: sha } : {}), redo: undefined } : i)),
    };
    log.info({ issue: job.issueNumber, instruction: index, commit: sha }, "instruction done");
  }
}

function budgetsOf(config: RepoConfig): Budgets {
  return {
    maxTokens: config.budgets.max_tokens,
    maxCostUsd: config.budgets.max_cost_usd,
    maxTurnsPerInstruction: config.budgets.max_turns_per_instruction,
    maxContextRestarts: 30,
  };
}

const trailers = (plan: Plan, instruction: Instruction, extra: Record<string, string> = {}) => ({
  [RUN_TRAILER]: plan.runId,
  [INSTRUCTION_TRAILER]: String(instruction.id),
  ...extra,
});

function summariesBefore(plan: Plan, id: number): string[] {
  const out: string[] = [];
  for (const i of plan.instructions) {
    if (i.id === id) break;
    if (i.status === "done" && i.summary) out.push(i.summary);
  }
  return out;
}

async function stop(save: (p: Plan) => Promise<Plan>, plan: Plan, phase: "paused" | "failed", reason: string): Promise<Plan["phase"]> {
  await save({ ...plan, phase, reason, current: undefined });
  return phase;
}

/** An instruction already committed on the branch (the worker died before saving) is not redone. */
async function reconcile(plan: Plan, store: BranchStore): Promise<Plan> {
  const commits = await store.instructionCommits(plan.runId);
  return {
    ...plan,
    instructions: plan.instructions.map((i) => {
      const found = commits.get(i.id);
      return i.status === "pending" && !i.redo && found ? { ...i, status: "done" as const, commit: found.sha, summary: i.summary ?? found.summary } : i;
    }),
  };
}

async function finish(deps: RunDeps, issue: IssueRef, store: BranchStore, plan: Plan, save: (p: Plan) => Promise<Plan>): Promise<Plan["phase"]> {
  const { octokit, job } = deps;
  plan = await save({ ...plan, phase: "finishing", current: undefined });
  if ((await store.aheadOfBase()) === 0) {
    await save({ ...plan, phase: "done", reason: "the instructions made no changes, so there is no pull request" });
    return "done";
  }
  const { data: issueData } = await octokit.rest.issues.get(issue);
  const pr = await upsertPullRequest(octokit, issue, {
    branch: plan.branch,
    base: job.defaultBranch,
    title: `L2MAC: ${issueData.title}`.slice(0, 250),
    body: renderPullRequestBody(plan, job.issueNumber, job.htmlUrl),
  });
  await save({ ...plan, phase: "done", pr: pr.number });
  deps.log.info({ issue: job.issueNumber, pr: pr.number }, "pull request ready");
  return "done";
}
