import type { RepoConfig } from "../config.js";
import type { Budgets } from "../engine/budget.js";
import type { LLM } from "../engine/llm.js";
import type { SyntaxChecker } from "../engine/syntax-checker.js";
import type { Prices } from "../engine/usage.js";
import type { WorkflowRunsCache } from "../github/actions.js";
import type { Octokit } from "../github/octokit.js";
import type { Phase } from "../github/phase.js";
import type { PlanTrust } from "../github/plan-trust.js";
import type { KnownComment } from "../github/plan-comment.js";
import type { RunJob } from "./run-job.js";
import type { RunMetrics } from "./run-metrics.js";

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** What advancing one issue's run needs; built per job by the run processor (worker.ts). */
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
  /** The app instance's conditional-request cache of commits' workflow runs. */
  ciRuns: WorkflowRunsCache;
  /** Fresh installation token for git. */
  token: (refused?: boolean) => Promise<string>;
  log: Logger;
  /** How long planning may take before a "planning" comment is written (default PLANNING_NOTICE_MS). */
  planningNoticeMs?: number;
  /** First interval between CI polls; later ones back off. */
  ciPollMs?: number;
  now?: () => number;
  signal?: AbortSignal;
  /** False when the queue will retry after an error: the run is then not marked failed for it. */
  finalAttempt?: boolean;
  /** Configured prices (USD per million tokens) for models without a known list price. */
  prices?: Prices;
  /** The plan comment's id when known (no listing of the comments), told the id once bound. */
  planComment?: KnownComment;
  /** For operators (instructions done); none in tests that do not look. */
  metrics?: RunMetrics;
}

/** Where a run stands after advancing it; `pollInMs` asks to be woken then (waiting for CI). */
export interface Advance {
  phase: Phase;
  pollInMs?: number;
}

/** The repository's budgets as the engine counts them. */
export function budgetsOf(config: RepoConfig): Budgets {
  return {
    maxTokens: config.budgets.max_tokens,
    maxCostUsd: config.budgets.max_cost_usd,
    maxTurnsPerInstruction: config.budgets.max_turns_per_instruction,
    maxContextRestarts: 30,
  };
}
