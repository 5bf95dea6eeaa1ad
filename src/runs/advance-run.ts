import { Meter } from "../engine/budget.js";
import { errorMessage } from "../engine/error-message.js";
import { planProgram } from "../engine/planner.js";
import { planningContext } from "../engine/repo-context.js";
import { promptBudget } from "../engine/context-budget.js";
import { newRunId } from "../engine/program.js";
import { defaultPrompts } from "../engine/prompts.js";
import { modelsOf } from "../engine/role-llm.js";
import { pricesFor } from "../engine/usage.js";
import { PlanTooLargeError } from "../github/checklist.js";
import { plainText } from "../github/markdown-text.js";
import type { IssueRef } from "../github/octokit.js";
import { isStopped, type Phase } from "../github/phase.js";
import { newPlan, taskHashOf, type Plan } from "../github/plan.js";
import { PlanCommentStore } from "../github/plan-comment.js";
import { InstructionLoop } from "./instruction-loop.js";
import { carriedText, readIssueText, type IssueText } from "./issue-text.js";
import { checkoutRunBranch } from "./branch-checkout.js";
import type { BranchStore } from "../github/branch-store.js";
import { notes, reasons, replies } from "./reasons.js";
import { plannedNotes, promptedTask, type PromptedTask } from "./planned-task.js";
import { PLANNING_NOTICE_MS, withPlanningNotice } from "./planning-notice.js";
import { replan } from "./replan.js";
import { planWithReviews } from "./review-items.js";
import { planAtEnd } from "./run-end.js";
import { applied } from "./run-job.js";
import { applyRunCommand, type RunCommand } from "./run-commands.js";
import { budgetsOf, type Advance, type RunDeps } from "./run-deps.js";
import { SHUTDOWN_REASON } from "./run-queue.js";
import { checkTaskConsent } from "./task-consent.js";

/**
 * Advances an issue's run as far as it can go now: plan, run instructions one by one (one commit and
 * push each), wait for CI on each commit without holding a worker, then open the pull request. All state
 * is read from and written to GitHub (plan comment and branch), so this can be called again at any time,
 * by any worker, and picks up where the run is. Each step either hands over to the next or ends the call.
 */
export async function advanceRun(deps: RunDeps): Promise<Advance> {
  const run = await IssueRun.open(deps);
  const pipeline: Array<[string, () => Promise<Advance | undefined>]> = [
    // 1. Only a version of the plan comment this app or a writer wrote is acted on, on the run's own branch.
    ["reading the plan", () => run.readPlan()],
    // 2. The run's end (its pull request or issue closed) first: an ended run plans and spends nothing more.
    ["the end", () => run.applyEnd()],
    // 3. Only a task a writer approved is planned or run: a changed one waits for `/l2mac accept`.
    ["task consent", () => run.consent()],
    // 4. A cost budget that cannot be counted is no budget: say so instead of spending without a limit.
    ["the cost budget", () => run.refuseUncountableBudget()],
    // 5. A run without a program is planned.
    ["planning", () => run.planIfNeeded()],
    // 6. What reviews of its pull request ask for.
    ["the reviews", () => run.applyReviews()],
    // 7. The queued commands, in order.
    ["the commands", () => run.applyCommands()],
  ];
  for (const [name, step] of pipeline) {
    const stopped = await step();
    if (!stopped) continue;
    deps.log.debug({ phase: stopped.phase, pollInMs: stopped.pollInMs }, `the call ended at ${name}`);
    return stopped;
  }
  // 8. The instructions, until the program is done, paused or waiting for CI.
  return run.execute();
}

/** One call of advanceRun: the issue as read once (if at all), its plan comment bound once, one meter for what it spends. */
class IssueRun {
  private plan: Plan | undefined;
  private meter!: Meter;
  /** The issue's title and task as this call acts on them, from the task consent step on. */
  private text!: IssueText;
  private prompted!: PromptedTask;
  /** The branch as planning checked it out: the first instruction of the same call works on it. */
  private checkedOut: BranchStore | undefined;

  private constructor(
    private readonly deps: RunDeps,
    private readonly issue: IssueRef,
    private readonly comment: PlanCommentStore,
    /** The issue as read when opening, if it was. */
    private readonly read: IssueText | undefined,
  ) {}

  static async open(deps: RunDeps): Promise<IssueRun> {
    const { octokit, job } = deps;
    const issue: IssueRef = { owner: job.owner, repo: job.repo, issue_number: job.issueNumber };
    // Without a known plan comment, the issue says whether it has any comment to look through.
    const read = deps.planComment?.id === undefined ? await readIssueText(octokit, issue) : undefined;
    const render = { repoUrl: job.htmlUrl, trust: { guard: deps.planTrust, botLogin: deps.botLogin } };
    const comment = await PlanCommentStore.find(octokit, issue, render, deps.planComment, read?.comments);
    return new IssueRun(deps, issue, comment, read);
  }

  /** The branch comes from the config and the issue, never from the editable state block. */
  private get branch(): string {
    return `${this.deps.config.branch_prefix}issue-${this.deps.job.issueNumber}`;
  }

  async readPlan(): Promise<Advance | undefined> {
    const { log } = this.deps;
    const read = await this.comment.readTrusted();
    if (read.refused) {
      log.warn({ reason: read.refused }, "not advancing: the plan comment's last version cannot be trusted now");
      return { phase: "paused" };
    }
    this.plan = read.plan;
    if (this.comment.exists && this.plan && this.plan.branch !== this.branch) {
      const pinned = pinBranch(this.plan, this.branch);
      if (!isStopped(this.plan.phase) && this.plan.phase !== "planning") {
        await this.comment.save({ ...pinned, phase: "paused", reason: reasons.branchChanged(this.branch) });
        return { phase: "paused" };
      }
      this.plan = pinned;
    }
    if (!this.comment.exists && (this.deps.job.end || this.deps.job.reviews?.length)) {
      log.info("no run on this issue: nothing to end or review");
      return { phase: "stopped" };
    }
    if (this.comment.exists && !this.plan && this.comment.body?.includes("<!-- l2mac:state")) {
      // An edit left the comment unreadable (every item removed); the edit handler puts it back.
      log.warn("the plan comment holds no readable program; not advancing");
      return { phase: "paused" };
    }
    return undefined;
  }

  async consent(): Promise<Advance | undefined> {
    const { octokit, job, log } = this.deps;
    this.text = this.read ?? carriedText(job, this.plan) ?? (await readIssueText(octokit, this.issue));
    this.prompted = promptedTask(this.text.task, this.deps);
    const { issue, plan, comment } = this;
    const task = this.text.task;
    const consent = await checkTaskConsent({ octokit, job, issue, task, comment, plan, log, fresh: () => this.freshPlan() });
    if (!consent.ok) return { phase: consent.phase };
    this.plan = consent.plan;
    // What this call spends, from planning to the last instruction, is counted on from what the run has spent.
    this.meter = new Meter(budgetsOf(this.deps.config), pricesFor(this.deps.llm.model, this.deps.prices), consent.plan.usage);
    return undefined;
  }

  async refuseUncountableBudget(): Promise<Advance | undefined> {
    const { config, llm, prices } = this.deps;
    // Every model of a per-role setup must be priced for a cost budget to count.
    const unpriced = config.budgets.max_cost_usd !== undefined ? modelsOf(llm).find((m) => !pricesFor(m, prices)) : undefined;
    if (!unpriced || (this.plan && isStopped(this.plan.phase))) return undefined;
    await this.comment.save({ ...(this.plan ?? this.freshPlan()), phase: "paused", reason: reasons.unpricedBudget(unpriced) });
    return { phase: "paused" };
  }

  async planIfNeeded(): Promise<Advance | undefined> {
    if (this.comment.exists && this.plan && this.plan.phase !== "planning") return undefined;
    const planning: Plan = { ...(this.plan ?? this.freshPlan()), phase: "planning" };
    // A queued `/l2mac stop` is applied before planning, not after a plan it did not want.
    const control = this.deps.job.commands?.filter((c) => c.name === "stop" || c.name === "continue").at(-1);
    if (control?.name === "stop") {
      await this.comment.save({ ...planning, phase: "paused", reason: reasons.stoppedBy(control.actor) });
      return { phase: "paused" };
    }
    // A quick plan is written once, as the run's first write; a slow one is announced first.
    const delayMs = this.deps.planningNoticeMs ?? PLANNING_NOTICE_MS;
    return withPlanningNotice(this.comment, planning, delayMs, (save) => this.planFrom(planning, save));
  }

  async applyEnd(): Promise<Advance | undefined> {
    if (!this.deps.job.end || !this.plan) return undefined;
    const plan = await planAtEnd(this.deps, this.plan);
    if (plan !== this.plan) this.plan = await this.comment.save(plan);
    return undefined;
  }

  async applyReviews(): Promise<Advance | undefined> {
    const { job, octokit, log } = this.deps;
    if (!job.reviews?.length) return undefined;
    const now = new Date((this.deps.now ?? Date.now)());
    const plan = await planWithReviews(octokit, { owner: job.owner, repo: job.repo, url: job.htmlUrl }, this.plan!, job.reviews, now, log);
    if (plan !== this.plan) this.plan = await this.comment.save(plan);
    return undefined;
  }

  async applyCommands(): Promise<Advance | undefined> {
    for (const command of this.deps.job.commands ?? []) this.plan = await this.applyCommand(this.plan!, command);
    const plan = this.plan!;
    // `/l2mac continue` on a run stopped before it had a plan: plan it now.
    // What the job carried (its end, reviews, commands) is applied: the call again must not apply it twice.
    if (plan.phase === "planning") return advanceRun({ ...this.deps, job: applied(this.deps.job) });
    if (isStopped(plan.phase)) return { phase: plan.phase };
    return undefined;
  }

  async execute(): Promise<Advance> {
    const { deps, comment, meter, text } = this;
    const task = this.prompted.task.text;
    const loop = new InstructionLoop({ deps, comment, meter, title: text.title, task, plan: this.plan!, checkedOut: this.checkedOut });
    try {
      return await loop.run();
    } catch (e) {
      // Whatever broke, the comment must not keep saying "running" once no retry will come.
      if (deps.finalAttempt !== false) {
        await loop
          .recordFailure(e)
          .catch((saveError: unknown) =>
            deps.log.warn({ err: saveError }, "could not record the unexpected error on the plan comment; it may still say running"),
          );
      }
      throw e;
    }
  }

  /** Plans the program from the task; the plan is written once (by `save`), with what planning cost and cut. */
  private async planFrom(planning: Plan, save: (plan: Plan) => Promise<Plan>): Promise<Advance | undefined> {
    const { config, llm, signal, log } = this.deps;
    const meter = this.meter;
    const fail = async (reason: string, phase: Phase = "failed"): Promise<Advance> => {
      await save({ ...planning, usage: meter.total, phase, reason });
      return { phase };
    };
    if (!this.prompted.ok) return fail(this.prompted.reason);
    let steps: string[];
    // The branch is read before planning: the planner sees the repository it changes (a failed checkout is retried).
    this.checkedOut = await checkoutRunBranch(this.deps, planning.branch);
    const codebase = await planningContext(this.checkedOut, promptBudget(llm));
    try {
      const task = this.prompted.task.text;
      const prompts = defaultPrompts("codebase");
      steps = await planProgram({ llm, prompts, task, maxSteps: config.max_instructions, meter, codebase: codebase?.text, signal });
    } catch (e) {
      const aborted = signal?.aborted ? String(signal.reason) : undefined;
      // A shutdown leaves the run in planning (it is picked up again); a stop pauses it; anything else failed.
      if (aborted) return fail(aborted, aborted === SHUTDOWN_REASON ? "planning" : "paused");
      return fail(reasons.planningFailed(plainText(errorMessage(e), 500)));
    }
    const fresh = newPlan(planning.runId, planning.branch, steps);
    const plan: Plan = {
      ...fresh,
      usage: meter.total,
      phase: config.require_approval ? "awaiting-approval" : "running",
      // Planned and started in one write: the first instruction runs next (see startedWithPlan).
      current: config.require_approval ? undefined : fresh.instructions[0]?.id,
      taskHash: taskHashOf(this.text.task),
      notes: plannedNotes(this.prompted.task, steps, codebase?.instructionFiles ?? []),
    };
    try {
      this.plan = await save(plan);
    } catch (e) {
      if (!(e instanceof PlanTooLargeError)) throw e;
      // Said once, with what it cost: a plan left at "planning" would be planned again on every event.
      return fail(reasons.planTooLong(steps.length));
    }
    log.info({ instructions: this.plan.instructions.length }, "planned");
    return undefined;
  }

  /** Applies one queued command to the run's state and writes it; replies when there is something to say. */
  private async applyCommand(plan: Plan, command: RunCommand): Promise<Plan> {
    if (command.name === "replan") return this.replan(plan, command.actor);
    if (command.name === "status") {
      const saved = await this.comment.save(plan);
      if (saved.phase === "paused" || saved.phase === "failed") await this.reply(replies.status(saved.phase, saved.reason));
      return saved;
    }
    const { plan: next, reply } = applyRunCommand(plan, command, new Date((this.deps.now ?? Date.now)()));
    if (reply) await this.reply(reply);
    return next === plan ? plan : this.comment.save(next);
  }

  private async replan(plan: Plan, actor: string): Promise<Plan> {
    const { llm, config, signal } = this.deps;
    const { meter, prompted } = this;
    try {
      const prompts = defaultPrompts("codebase");
      const next = await replan({ plan, task: prompted.task.text, llm, prompts, maxInstructions: config.max_instructions, meter, signal });
      // A failed write is not a failed re-plan: it is not answered as one.
      return this.comment.save({ ...next, notes: [...(plan.notes ?? []), notes.replanned(actor)] });
    } catch (e) {
      await this.reply(replies.replanFailed(actor, errorMessage(e)));
      return plan;
    }
  }

  private async reply(body: string): Promise<void> {
    await this.deps.octokit.rest.issues.createComment({ ...this.issue, body });
  }

  private freshPlan(): Plan {
    return newPlan(newRunId(), this.branch, []);
  }
}

/** The plan on its own branch, with a note of the branch its state block named instead. */
const pinBranch = (plan: Plan, branch: string): Plan => ({
  ...plan,
  branch,
  notes: [...(plan.notes ?? []), notes.branchPinned(plan.branch, branch)],
});
