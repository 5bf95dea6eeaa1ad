import type { Meter } from "../engine/budget.js";
import { CI_FEEDBACK_SHARE } from "../engine/context-budget.js";
import { errorMessage } from "../engine/error-message.js";
import { runAndCommit, type StepContext, type StepOutcome } from "../engine/instruction-step.js";
import { position } from "../engine/program.js";
import { defaultPrompts } from "../engine/prompts.js";
import { ATTEMPT_TRAILER } from "../engine/trailers.js";
import { baseline } from "../github/actions.js";
import type { BranchStore } from "../github/branch-store.js";
import { resumeRunBranch } from "./branch-checkout.js";
import { MAX_DETAIL_CHARS, nextPending, setInstruction, type CiEvaluation, type Plan, type PlanInstruction } from "../github/plan.js";
import type { PlanCommentStore } from "../github/plan-comment.js";
import { renderPullRequestBody, upsertPullRequest } from "../github/pull-request.js";
import { checkCi, type CiStep } from "./ci-step.js";
import { isEndReason, notes, reasons } from "./reasons.js";
import { evaluateHead, reconcile } from "./reconcile.js";
import { budgetsOf, type Advance, type RunDeps } from "./run-deps.js";
import { answerThreads, answerUnfinished, reviewContext } from "./review-replies.js";
import { SHUTDOWN_REASON } from "./run-queue.js";

export interface LoopInput {
  deps: RunDeps;
  comment: PlanCommentStore;
  meter: Meter;
  /** The task as every prompt carries it. */
  task: string;
  /** The issue's title, for the pull request. */
  title: string;
  plan: Plan;
  /** The branch already checked out by this call (for planning): not checked out a second time. */
  checkedOut?: BranchStore;
}

type Unfinished = Extract<StepOutcome, { status: "paused" | "failed" }>;

/**
 * Runs and evaluates instructions until the program is finished, paused, failed or waiting for CI. Each
 * turn of the loop writes the plan, then takes one step: evaluate the instruction under CI (and fix it),
 * or run the next one, or finish with the pull request. `plan` is the run as it is now; `saved` is what
 * the comment last said, which is what an unexpected error is recorded on.
 */
export class InstructionLoop {
  private plan: Plan;
  private saved: Plan;
  private store!: BranchStore;
  private readonly now: () => number;

  constructor(private readonly input: LoopInput) {
    this.plan = this.saved = input.plan;
    this.now = input.deps.now ?? Date.now;
  }

  async run(): Promise<Advance> {
    const { deps } = this.input;
    const resumed = await resumeRunBranch(deps, this.plan, this.input.checkedOut);
    if ("pause" in resumed) return this.stop("paused", resumed.pause);
    this.store = resumed.store;
    const commits = await this.store.instructionCommits(this.plan.runId);
    this.plan = reconcile(this.plan, commits, deps.config.ci.enabled, this.isoNow());
    await this.followNewerHead();
    // The plan is written when a step has something a maintainer needs to see (started, committed and
    // waiting for CI, paused, done); what happens in between (a verdict, a reconcile) goes with that write.
    for (;;) {
      // Items a writer added or unticked meanwhile count before the next step is chosen.
      this.plan = await this.input.comment.merged(this.plan);
      const advance = await this.step();
      if (!advance) continue;
      if (advance.pollInMs !== undefined) this.plan = await this.save(this.plan);
      return advance;
    }
  }

  /** Records an error nothing handled, so the comment does not keep saying "running" once no retry will come. */
  async recordFailure(error: unknown): Promise<void> {
    const reason = reasons.unexpectedError(errorMessage(error).split("\n")[0] ?? "");
    await this.save({ ...this.saved, phase: "failed", current: undefined, reason });
  }

  /** One step of the loop; undefined to go on. */
  private async step(): Promise<Advance | undefined> {
    const current = this.plan.instructions.find((i) => i.id === this.plan.current);
    if (this.plan.phase === "evaluating" && this.plan.evaluation && current) return this.evaluate(current, this.plan.evaluation);
    const next = nextPending(this.plan);
    if (!next) return this.finish();
    const { signal } = this.input.deps;
    const notStarted = { current: undefined };
    if (signal?.aborted) return this.stop("paused", typeof signal.reason === "string" ? signal.reason : "stopped", notStarted);
    const exceeded = this.input.meter.exceeded();
    if (exceeded) return this.stop("paused", exceeded, notStarted);
    return this.runNext(next);
  }

  /** The commit under evaluation: wait for CI, accept the instruction, pause, or fix it. */
  private async evaluate(current: PlanInstruction, evaluation: CiEvaluation): Promise<Advance | undefined> {
    const { deps } = this.input;
    const step = await checkCi({
      octokit: deps.octokit,
      repo: { owner: deps.job.owner, repo: deps.job.repo },
      plan: { ...this.plan, evaluation },
      config: deps.config,
      now: this.now(),
      pollBaseMs: deps.ciPollMs ?? 30_000,
      feedbackTokens: Math.floor(deps.llm.contextWindow * CI_FEEDBACK_SHARE),
      runsCache: deps.ciRuns,
      log: deps.log,
      baseFailing: () => this.recordBaseline(),
    });
    switch (step.action) {
      case "wait":
        return { phase: "evaluating", pollInMs: step.pollInMs };
      case "pause":
        this.plan = setInstruction(this.plan, current.id, step.ci ? { ci: step.ci } : {});
        return this.stop("paused", step.reason, { detail: step.detail });
      case "accept":
        this.accept(current, evaluation, step);
        return undefined;
      case "fix":
        return this.fix(current, evaluation, step.feedback);
    }
  }

  private accept(current: PlanInstruction, evaluation: CiEvaluation, step: Extract<CiStep, { action: "accept" }>): void {
    const notes = step.note ? [...(this.plan.notes ?? []), step.note] : this.plan.notes;
    const accepted: Plan = { ...this.plan, phase: "running", current: undefined, evaluation: undefined, detail: undefined, notes };
    this.plan = setInstruction(accepted, current.id, { status: "done", commit: evaluation.sha, ci: step.ci, redo: undefined });
    this.input.deps.log.info({ instruction: position(this.plan, current.id), ci: step.ci.result }, "instruction accepted");
    this.input.deps.metrics?.instructionDone();
  }

  /** The same instruction, a fresh agent, the failure as feedback; its commit is evaluated next. */
  private async fix(current: PlanInstruction, evaluation: CiEvaluation, feedback: string): Promise<Advance | undefined> {
    const attempt = evaluation.attempt + 1;
    await this.save({ ...this.plan, detail: feedback.slice(-MAX_DETAIL_CHARS) });
    const outcome = await this.runStep(current, { feedback, attempt });
    if (outcome.status !== "complete") return this.unfinished(current, outcome, true);
    const pushed = await this.push(current, outcome.commit);
    if (pushed.conflict) return this.stop("paused", pushed.conflict, { current: undefined });
    if (!pushed.sha) {
      const reason = reasons.fixChangedNothing(attempt, position(this.plan, current.id));
      return this.stop("paused", reason, { detail: feedback.slice(-MAX_DETAIL_CHARS) });
    }
    this.plan = { ...this.plan, evaluation: { sha: pushed.sha, attempt, since: this.isoNow() } };
    this.plan = setInstruction(this.plan, current.id, { commit: pushed.sha });
    return undefined;
  }

  /** The next pending instruction: run, commit, push; evaluated by CI next when CI is on, else done. */
  private async runNext(next: PlanInstruction): Promise<Advance | undefined> {
    const { deps } = this.input;
    this.plan = await this.save({ ...this.plan, phase: "running", current: next.id, reason: undefined });
    const outcome = await this.runStep(next);
    if (outcome.status !== "complete") return this.unfinished(next, outcome);
    const pushed = await this.push(next, outcome.commit);
    if (pushed.conflict) return this.stop("paused", pushed.conflict, { current: undefined });
    this.plan = setInstruction(this.plan, next.id, { summary: outcome.summary, ...(pushed.sha ? { commit: pushed.sha } : {}) });
    if (pushed.sha && deps.config.ci.enabled) {
      this.plan = { ...this.plan, phase: "evaluating", evaluation: { sha: pushed.sha, attempt: 0, since: this.isoNow() } };
      deps.log.info({ instruction: position(this.plan, next.id), commit: pushed.sha }, "instruction committed");
      // CI has not finished a moment after the push: the first look waits for its webhook or the first poll.
      return { phase: "evaluating", pollInMs: deps.ciPollMs ?? 30_000 };
    } else {
      this.plan = setInstruction({ ...this.plan, current: undefined }, next.id, { status: "done", redo: undefined });
      deps.metrics?.instructionDone();
    }
    deps.log.info({ instruction: position(this.plan, next.id), commit: pushed.sha }, "instruction committed");
    return undefined;
  }

  /** A fresh agent on the instruction (a fix attempt with CI's feedback); the plan counts what it used. */
  private async runStep(instruction: PlanInstruction, fix?: { feedback: string; attempt: number }): Promise<StepOutcome> {
    const { deps, meter, task } = this.input;
    const index = position(this.plan, instruction.id);
    deps.log.info({ instruction: index, of: this.plan.instructions.length, fix: Boolean(fix?.feedback) }, "instruction started");
    const context: StepContext = {
      llm: deps.llm,
      store: this.store,
      prompts: defaultPrompts("codebase"),
      task,
      checkSyntax: deps.checkSyntax,
      meter,
      budgets: budgetsOf(deps.config),
      signal: deps.signal,
    };
    const outcome = await runAndCommit(context, {
      program: this.plan,
      instruction,
      feedback: fix?.feedback,
      context: await reviewContext(deps.octokit, this.repo, instruction, deps.log),
      ...(fix ? { subjectPrefix: "Fix CI: ", trailers: { [ATTEMPT_TRAILER]: String(fix.attempt) } } : {}),
    });
    this.plan = { ...setInstruction(this.plan, instruction.id, { usage: outcome.usage }), usage: meter.total };
    return outcome;
  }

  /** Pushes a commit of the agent's work; a reason to pause when someone pushed conflicting changes or deleted the branch. */
  private async push(instruction: PlanInstruction, commit: string | undefined): Promise<{ sha?: string; conflict?: string }> {
    if (!commit) return {};
    const pushed = await this.store.push();
    if (pushed.ok) return { sha: pushed.sha };
    if ("gone" in pushed) return { conflict: reasons.branchDeleted(this.plan.branch) };
    return { conflict: reasons.pushConflict(this.plan.branch, position(this.plan, instruction.id), pushed.conflict) };
  }

  /**
   * An agent that stopped early: its work is kept as a partial commit. An interrupted fix attempt keeps
   * its evaluation, so CI is looked at again rather than the instruction taken as done.
   */
  private async unfinished(instruction: PlanInstruction, outcome: Unfinished, fixing = false): Promise<Advance> {
    await this.push(instruction, outcome.partialCommit);
    const { deps } = this.input;
    if (!deps.signal?.aborted) await answerUnfinished(deps.octokit, this.repo, instruction, outcome.reason, deps.log);
    this.input.deps.log.warn({ instruction: position(this.plan, instruction.id), reason: outcome.reason }, `instruction ${outcome.status}`);
    return this.stop(outcome.status, outcome.reason, fixing ? {} : { current: undefined });
  }

  /** Pauses or fails the run with the reason; a shutdown instead leaves it active, to be picked up again. */
  private async stop(phase: "paused" | "failed", reason: string, extra: Partial<Plan> = {}): Promise<Advance> {
    const { signal } = this.input.deps;
    if (signal?.aborted && signal.reason === SHUTDOWN_REASON) {
      const evaluating = Boolean(this.plan.evaluation && this.plan.current !== undefined);
      const active = evaluating ? "evaluating" : "running";
      await this.save({
        ...this.plan,
        ...extra,
        phase: active,
        reason: SHUTDOWN_REASON,
        current: evaluating ? this.plan.current : undefined,
      });
      return { phase: active };
    }
    // The run's pull request or issue was closed meanwhile: stopped, not paused.
    const ended = signal?.aborted && isEndReason(signal.reason) ? "stopped" : phase;
    await this.save({ ...this.plan, phase: ended, reason: ended === "stopped" ? String(signal!.reason) : reason, ...extra });
    return { phase: ended };
  }

  /** Every instruction is done or skipped: open (or update) the pull request, unless nothing changed. */
  private async finish(): Promise<Advance> {
    const { deps, title } = this.input;
    // Not written: a call that stops before "done" finds no pending instruction and finishes again.
    this.plan = { ...this.plan, phase: "finishing", current: undefined };
    if ((await this.store.aheadOfBase()) === 0) {
      await this.save({ ...this.plan, phase: "done", reason: reasons.noChanges() });
      return { phase: "done" };
    }
    const pr = await upsertPullRequest(
      deps.octokit,
      { owner: deps.job.owner, repo: deps.job.repo },
      {
        branch: this.plan.branch,
        base: deps.job.defaultBranch,
        title: `L2MAC: ${title}`.slice(0, 250),
        body: renderPullRequestBody(this.plan, deps.job.issueNumber, deps.job.htmlUrl),
      },
      this.plan.pr,
    );
    await this.save({ ...this.plan, phase: "done", pr: pr.number });
    deps.log.info({ pr: pr.number }, "pull request ready");
    return { phase: "done" };
  }

  /** At the first failing verdict: which of the default branch's jobs already fail (learned once, noted in the plan). */
  private async recordBaseline(): Promise<readonly string[]> {
    const { deps } = this.input;
    if (this.plan.base) return this.plan.base.failingJobs;
    const base = await baseline(deps.octokit, { owner: deps.job.owner, repo: deps.job.repo }, deps.job.defaultBranch);
    const note = base.red ? notes.baseRed(base.failingJobs) : undefined;
    this.plan = { ...this.plan, base, notes: note ? [...(this.plan.notes ?? []), note] : this.plan.notes };
    return base.failingJobs;
  }

  /** A commit pushed on top of the one under evaluation (a human's fix, a partial commit): evaluate the newest. */
  private async followNewerHead(): Promise<void> {
    const head = await this.store.head();
    const evaluated = this.plan.evaluation?.sha;
    if (this.plan.phase !== "evaluating" || !evaluated || !head || head === evaluated) return;
    if (await this.store.isAncestor(evaluated, head)) this.plan = evaluateHead(this.plan, head, this.isoNow());
  }

  private async save(next: Plan): Promise<Plan> {
    const { deps } = this.input;
    // A line comment's thread is answered once its instruction is done or skipped.
    const answered = await answerThreads(deps.octokit, { ...this.repo, url: deps.job.htmlUrl }, next, deps.log);
    if (answered !== next) this.plan = answered;
    this.saved = await this.input.comment.save(answered);
    return this.saved;
  }

  private get repo(): { owner: string; repo: string } {
    return { owner: this.input.deps.job.owner, repo: this.input.deps.job.repo };
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}
