import { tmpdir } from "node:os";
import { join } from "node:path";
import { LRUCache } from "lru-cache";
import type { Probot } from "probot";
import type { RepoConfig, ServerEnv } from "../config.js";
import type { LLM } from "../engine/llm.js";
import type { Prices } from "../engine/usage.js";
import type { EndpointMemory } from "../engine/endpoint-memory.js";
import { connectLlm } from "../engine/llm-connection.js";
import type { SyntaxChecker } from "../engine/syntax-checker.js";
import type { WorkflowRunsCache } from "../github/actions.js";
import type { Octokit } from "../github/octokit.js";
import { installationScope, useConditionalRequests, type ConditionalCache } from "../github/conditional-requests.js";
import type { PlanTrust } from "../github/plan-trust.js";
import { loadRepoConfig } from "../github/repo-config.js";
import { gitToken } from "../github/token-refresh.js";
import { connectOptionsFromEnv } from "../llm-env.js";
import { advanceRun } from "./advance-run.js";
import type { RunProcessor } from "./run-queue.js";
import { meteredLlm } from "./metered-llm.js";
import { jobKey } from "./run-job.js";
import { noMetrics, type RunMetrics } from "./run-metrics.js";
import { isInstallationGone, Uninstalled, UNINSTALLED_REASON } from "./uninstalled.js";

/** The app's bot login ("<slug>[bot]"), asked of GitHub once: only its comments are trusted. */
export function botLoginOf(app: Probot): () => Promise<string> {
  let login: Promise<string> | undefined;
  return () =>
    (login ??= app.auth().then(async (appOctokit) => {
      const { data } = await appOctokit.rest.apps.getAuthenticated();
      return `${data!.slug}[bot]`;
    }));
}

/** What every run of one app instance shares: created once in createApp (or the worker process), passed down. */
export interface RunShared {
  /** The app's bot login, asked of GitHub once. */
  botLogin: () => Promise<string>;
  planTrust: PlanTrust;
  checkSyntax: SyntaxChecker;
  ciRuns: WorkflowRunsCache;
  /** Each run's ETags and answers: a re-read of something unchanged is a free 304. */
  conditional?: ConditionalCache;
  /** What the process has learned of the LLM endpoint (shared with the start-up check). */
  llmMemory: EndpointMemory;
  /** Installations and repositories the app was removed from: their runs end quietly. */
  uninstalled?: Uninstalled;
  /** For operators: runs by phase, instructions, LLM tokens and cost. */
  metrics?: RunMetrics;
}

/** Builds what a run needs from a job (installation client, config, LLM, git token) and advances it. */
export function createRunProcessor(app: Probot, env: ServerEnv, shared: RunShared): RunProcessor {
  // An assumed window is said once per model, not on every advance of every run.
  const warned = new LRUCache<string, true>({ max: 100 });
  const warnOnce = (warning: string, say: () => void) => void (warned.has(warning) || (warned.set(warning, true), say()));
  // Each run's plan comment id, so a wake-up reads the comment instead of listing the issue's comments.
  const planComments = new LRUCache<string, number>({ max: 10_000 });
  const advance: RunProcessor = async (job, signal, attempt) => {
    const log = app.log.child({ repo: `${job.owner}/${job.repo}`, issue: job.issueNumber });
    const octokit = (await app.auth(job.installationId)) as Octokit;
    if (shared.conditional) useConditionalRequests(octokit, shared.conditional.forRun(installationScope(job.installationId)));
    const config = await loadRepoConfig(octokit, { owner: job.owner, repo: job.repo });
    if (!config.ok) {
      log.warn({ problems: config.problems }, "configuration became invalid; run not advanced");
      return;
    }
    const prices =
      env.L2MAC_PRICE_INPUT !== undefined && env.L2MAC_PRICE_OUTPUT !== undefined
        ? { input: env.L2MAC_PRICE_INPUT, output: env.L2MAC_PRICE_OUTPUT }
        : undefined;
    const metrics = shared.metrics ?? noMetrics;
    const llm = await runLlm(env, config.config, {
      prices,
      memory: shared.llmMemory,
      metrics,
      warn: (w) => warnOnce(w, () => log.warn(w)),
    });
    const { phase, pollInMs } = await advanceRun({
      octokit,
      job,
      config: config.config,
      llm,
      workdir: env.L2MAC_WORKDIR ?? join(tmpdir(), "l2mac-work"),
      botLogin: await shared.botLogin(),
      planTrust: shared.planTrust,
      checkSyntax: shared.checkSyntax,
      ciRuns: shared.ciRuns,
      token: (refused) => gitToken(octokit, { refused }),
      log,
      ciPollMs: env.L2MAC_CI_POLL_SECONDS * 1000,
      planningNoticeMs: env.L2MAC_PLANNING_NOTICE_SECONDS * 1000,
      signal,
      finalAttempt: attempt?.finalAttempt ?? true,
      prices,
      metrics,
      planComment: {
        id: job.planCommentId ?? planComments.get(jobKey(job)),
        bound: (id) => {
          planComments.set(jobKey(job), id);
          // The job goes on to its next wake-up (a CI poll) with it, on this worker or another.
          job.planCommentId = id;
        },
      },
    });
    metrics.runAdvanced(jobKey(job), phase);
    log.info({ phase, pollInMs }, "run advanced");
    return pollInMs;
  };
  return endsQuietlyWhenUninstalled(app, advance, shared.uninstalled);
}

/** A run of an installation the app was removed from ends, said once at info level: no error, no retry, no poll. */
function endsQuietlyWhenUninstalled(app: Probot, advance: RunProcessor, uninstalled = new Uninstalled()): RunProcessor {
  return async (job, signal, attempt) => {
    const quietly = () =>
      void app.log.info({ repo: `${job.owner}/${job.repo}`, issue: job.issueNumber }, `run ended: ${UNINSTALLED_REASON}`);
    if (uninstalled.covers(job)) return quietly();
    try {
      return await advance(job, signal, attempt);
    } catch (e) {
      if (isInstallationGone(e)) uninstalled.installation(job.installationId);
      if (uninstalled.covers(job)) return quietly();
      throw e;
    }
  };
}

/** The LLM a repository's run talks to (its models, the server's endpoint), its calls counted for operators. */
async function runLlm(
  env: ServerEnv,
  config: RepoConfig,
  options: { prices?: Prices; memory: EndpointMemory; metrics: RunMetrics; warn: (warning: string) => void },
): Promise<LLM> {
  const models = config.models;
  const connection = connectOptionsFromEnv(env, {
    model: models?.executor ?? config.model,
    plannerModel: models?.planner,
    summaryModel: models?.summary,
  });
  const { llm } = await connectLlm({
    ...connection,
    apiKey: connection.apiKey ?? "",
    prices: options.prices,
    memory: options.memory,
    warn: options.warn,
  });
  return meteredLlm(llm, options.metrics, options.prices);
}
