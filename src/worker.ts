#!/usr/bin/env node
import { Redis } from "ioredis";
import { createProbot, ProbotOctokit } from "probot";
import { createSyntaxChecker } from "./checks/syntax.js";
import { readServerEnv } from "./config.js";
import { octokitClass } from "./github/octokit-class.js";
import { resilientOctokit } from "./github/resilient-octokit.js";
import { EndpointMemory } from "./engine/endpoint-memory.js";
import { WorkflowRunsCache } from "./github/actions.js";
import { ConditionalCache } from "./github/conditional-requests.js";
import { Permissions } from "./github/permissions.js";
import { PlanTrust } from "./github/plan-trust.js";
import { startBullWorker } from "./runs/bullmq-worker.js";
import { BullMqQueue } from "./runs/bullmq-queue.js";
import { countingOctokit } from "./github/instrumented-octokit.js";
import { AppMetrics } from "./ops/metrics.js";
import { opsHandler, serveOps } from "./ops/routes.js";
import { Uninstalled } from "./runs/uninstalled.js";
import { logStartupVerdict } from "./local/doctor.js";
import { botLoginOf, createRunProcessor } from "./runs/worker.js";

/**
 * `npm run worker`: takes runs from Redis (REDIS_URL) and advances them. Start any number, on any
 * machine with the app's credentials; each works on L2MAC_WORKER_CONCURRENCY runs at once.
 */
const env = readServerEnv(process.env);
if (!env.REDIS_URL) {
  console.error("npm run worker needs REDIS_URL: workers take their runs from Redis. Without it, `npm start` runs them in-process.");
  process.exit(1);
}
const metrics = new AppMetrics();
const Octokit = countingOctokit(resilientOctokit(octokitClass(env) ?? ProbotOctokit), (status) => metrics.githubRequest(status));
const probot = createProbot({ env: process.env, overrides: { Octokit } });
// Probot sets itself up (logger included) asynchronously; auth() waits for that.
await probot.auth();
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
const llmMemory = new EndpointMemory();
if (env.L2MAC_STARTUP_CHECK === "true") logStartupVerdict(env, probot.log, llmMemory);
const uninstalled = new Uninstalled();
const process_ = createRunProcessor(probot, env, {
  botLogin: botLoginOf(probot),
  planTrust: new PlanTrust(new Permissions()),
  checkSyntax: createSyntaxChecker({ warn: (what, message) => probot.log.warn(what, message) }),
  ciRuns: new WorkflowRunsCache(),
  conditional: new ConditionalCache(),
  llmMemory,
  uninstalled,
  metrics,
});
const running = startBullWorker({
  redis,
  prefix: env.L2MAC_QUEUE_PREFIX,
  concurrency: env.L2MAC_WORKER_CONCURRENCY,
  lockMs: env.L2MAC_JOB_LOCK_MS,
  process: process_,
  onError: (job, error) => probot.log.error({ err: error, repo: `${job.owner}/${job.repo}`, issue: job.issueNumber }, "run attempt failed"),
  warn: (what, message) => probot.log.warn(what, message),
  onRemoved: (removal) => uninstalled.remove(removal),
});
running.worker.on("active", (job) =>
  probot.log.info({ repo: `${job.data.owner}/${job.data.repo}`, issue: job.data.issueNumber, pid: process.pid }, "worker took a run"),
);
probot.log.info({ concurrency: env.L2MAC_WORKER_CONCURRENCY, pid: process.pid }, "worker started");
// The worker's own figures (runs, instructions, LLM, GitHub requests) for Prometheus, when asked for.
const counts = new BullMqQueue({ redis, prefix: env.L2MAC_QUEUE_PREFIX });
const depth = () => counts.depth();
metrics.watchQueue(depth);
const opsServer = env.L2MAC_METRICS_PORT ? serveOps(env.L2MAC_METRICS_PORT, opsHandler({ metrics, ready: depth })) : undefined;

const stop = (signal: string) => {
  probot.log.info(`${signal}: taking no more runs; active runs stop after their current turn and will resume`);
  opsServer?.close();
  void counts.close();
  void running.close().finally(async () => {
    await redis.quit().catch((e: unknown) => probot.log.warn({ err: e }, "could not close the Redis connection"));
    process.exit(0);
  });
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
