import { DEFAULT_BUDGETS, Meter, type Budgets } from "./budget.js";
import type { Evaluator } from "./evaluator.js";
import type { RunEventListener } from "./events.js";
import { isVersioned, type FileStore } from "./file-store.js";
import { alreadyCommitted, runAndCommit, type StepContext } from "./instruction-step.js";
import { LlmError, type LLM } from "./llm.js";
import { PlanError, planProgram } from "./planner.js";
import { planningContext } from "./repo-context.js";
import { promptBudget } from "./context-budget.js";
import { createProgram, nextInstruction, position, updateInstruction, type Domain, type Program } from "./program.js";
import type { ProgramStore } from "./program-store.js";
import { defaultPrompts, type Prompts } from "./prompts.js";
import type { SyntaxChecker } from "./syntax-checker.js";
import { boundTask, MIN_TASK_TOKENS, taskTokenBudget } from "./task-budget.js";
import { pricesFor, type Prices } from "./usage.js";

export interface RunProgramOptions {
  task: string;
  domain?: Domain;
  llm: LLM;
  store: FileStore;
  programStore: ProgramStore;
  /** Most instructions the planner may produce (the reference's `steps`). */
  steps?: number;
  /** A user-supplied prompt program: planning is skipped. */
  instructions?: readonly string[];
  prompts?: Prompts;
  evaluator?: Evaluator;
  /** Run after every write and before completion; the front ends wire `src/checks`. */
  checkSyntax: SyntaxChecker;
  budgets?: Partial<Budgets>;
  /** USD per million tokens; defaults to the list price of known models. */
  prices?: Prices;
  temperature?: number;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
}

export interface RunResult {
  program: Program;
}

/**
 * Runs a prompt program to the end, or until a budget, an error or a stop pauses it. The program is
 * saved after every transition, so a later call with the same ProgramStore resumes at the first
 * unfinished instruction. A versioned store gets one commit per instruction.
 */
export async function runProgram(options: RunProgramOptions): Promise<RunResult> {
  const saved = await options.programStore.load();
  return new ProgramRun(options, saved).run(saved);
}

/** One call of runProgram: its budgets, meter and the program as it is now. */
class ProgramRun {
  private readonly budgets: Budgets;
  private readonly domain: Domain;
  private readonly prompts: Prompts;
  private readonly meter: Meter;
  /** Tokens the task may take in any request: every request carries it. */
  private readonly taskBudget: number;
  private program!: Program;

  constructor(
    private readonly options: RunProgramOptions,
    saved: Program | undefined,
  ) {
    this.budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
    this.domain = options.domain ?? "codebase";
    this.prompts = options.prompts ?? defaultPrompts(this.domain);
    this.meter = new Meter(this.budgets, pricesFor(options.llm.model, options.prices), saved?.usage);
    this.taskBudget = taskTokenBudget(options.llm, this.prompts);
  }

  async run(saved: Program | undefined): Promise<RunResult> {
    // 1. A window with no room for the task cannot run anything.
    if (this.taskBudget < MIN_TASK_TOKENS) {
      const reason = `the model's context window (${this.options.llm.contextWindow} tokens) leaves only ${this.taskBudget} tokens for the task; use a model with a larger window`;
      return this.refused({ ...(saved ?? createProgram(this.options.task, this.domain, [])), reason });
    }
    // 2. The program to run: the saved one, or a new one, planned or given.
    const planned = saved ? { program: saved } : await this.plan();
    if ("failed" in planned) return this.refused(planned.failed);
    // 3. An instruction already committed is not run again.
    this.program = { ...(await this.reconcile(planned.program)), status: "running", reason: undefined };
    // 4. The instructions, one fresh agent and one commit each.
    return this.execute();
  }

  /** Plans the program (or takes the one given) and saves it; the failed program, unsaved, when planning failed. */
  private async plan(): Promise<{ program: Program } | { failed: Program }> {
    const { options, meter } = this;
    const task = boundTask(options.task, this.taskBudget);
    if (task.cut) options.onEvent?.({ type: "task-cut", tokens: task.tokens, keptTokens: task.keptTokens });
    let steps: string[];
    let instructionFiles: string[] | undefined;
    if (options.instructions) {
      steps = options.instructions.map((s) => s.trim()).filter(Boolean);
    } else {
      try {
        const maxSteps = options.steps ?? 10;
        const codebase = await planningContext(options.store, promptBudget(options.llm));
        steps = await planProgram({
          llm: options.llm,
          prompts: this.prompts,
          task: task.text,
          maxSteps,
          meter,
          codebase: codebase?.text,
          signal: options.signal,
        });
        instructionFiles = codebase?.instructionFiles;
      } catch (e) {
        if (!(e instanceof PlanError) && !(e instanceof LlmError)) throw e;
        const reason = `planning failed: ${e.message}`;
        return { failed: { ...createProgram(options.task, this.domain, []), status: "failed", reason, usage: meter.total } };
      }
      options.onEvent?.({ type: "planned", steps, ...(instructionFiles?.length ? { instructionFiles } : {}) });
    }
    if (steps.length === 0) throw new PlanError("The prompt program has no instructions.");
    const program = { ...createProgram(options.task, this.domain, steps), usage: meter.total };
    await options.programStore.save(program);
    return { program };
  }

  private async reconcile(program: Program): Promise<Program> {
    const { store } = this.options;
    if (!isVersioned(store) || !store.instructionCommits) return program;
    let out = program;
    for (const { instruction, commit } of alreadyCommitted(program.instructions, await store.instructionCommits(program.runId))) {
      out = updateInstruction(out, instruction.id, { status: "done", commit: commit.sha, summary: commit.summary });
    }
    return out;
  }

  private async execute(): Promise<RunResult> {
    const { options, budgets } = this;
    const context: StepContext = {
      llm: options.llm,
      store: options.store,
      prompts: this.prompts,
      task: boundTask(this.program.task, this.taskBudget).text,
      checkSyntax: options.checkSyntax,
      evaluator: options.evaluator,
      meter: this.meter,
      budgets,
      temperature: options.temperature,
      signal: options.signal,
      onEvent: options.onEvent,
    };
    let executed = 0;
    for (let next = nextInstruction(this.program); next; next = nextInstruction(this.program)) {
      if (options.signal?.aborted) return this.stop("paused", "stopped on request");
      const exceeded = this.meter.exceeded();
      if (exceeded) return this.stop("paused", exceeded);
      if (budgets.maxInstructions !== undefined && executed >= budgets.maxInstructions) {
        return this.stop("paused", `the limit of ${budgets.maxInstructions} instructions per run is reached`);
      }
      const index = position(this.program, next.id);
      const total = this.program.instructions.length;
      options.onEvent?.({ type: "instruction-started", index, total, instruction: next });
      const outcome = await runAndCommit(context, { program: this.program, instruction: next });
      executed++;
      if (outcome.status !== "complete") {
        this.program = updateInstruction(this.program, next.id, { usage: outcome.usage });
        return this.stop(outcome.status, outcome.reason);
      }
      const done = { status: "done" as const, summary: outcome.summary, commit: outcome.commit, usage: outcome.usage, redo: undefined };
      this.program = { ...updateInstruction(this.program, next.id, done), usage: this.meter.total };
      await options.programStore.save(this.program);
      options.onEvent?.({ type: "instruction-finished", index, total, instruction: this.program.instructions[index - 1]! });
    }
    return this.stop("done");
  }

  private async stop(status: "paused" | "failed" | "done", reason?: string): Promise<RunResult> {
    this.program = { ...this.program, status, reason, usage: this.meter.total };
    await this.options.programStore.save(this.program);
    this.options.onEvent?.({ type: "run-stopped", program: this.program });
    return { program: this.program };
  }

  /** A run that could not start: said, not saved (a later call tries again). */
  private refused(program: Program): RunResult {
    const failed: Program = { ...program, status: "failed" };
    this.options.onEvent?.({ type: "run-stopped", program: failed });
    return { program: failed };
  }
}
