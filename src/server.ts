#!/usr/bin/env node
import { realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { ProbotOctokit, run, type Server } from "probot";
import { readServerEnv } from "./config.js";
import { RedisDeliveryLog } from "./handlers/delivery-log.js";
import { countingOctokit } from "./github/instrumented-octokit.js";
import { octokitClass } from "./github/octokit-class.js";
import { resilientOctokit } from "./github/resilient-octokit.js";
import { createApp } from "./index.js";
import { AppMetrics } from "./ops/metrics.js";
import { BullMqQueue } from "./runs/bullmq-queue.js";
import type { RunQueue } from "./runs/run-queue.js";

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** Probot's logger (tests capture log lines through it). */
  log?: Logger;
  /** Probot's Octokit class (tests turn throttling and retries off). */
  Octokit?: typeof ProbotOctokit;
  onQueue?: (queue: RunQueue) => void;
}

export interface Started {
  server: Server;
  /** Stops taking deliveries, hands what was acknowledged to the queue, lets running jobs stop at a safe point. */
  shutdown(): Promise<void>;
}

/**
 * `npm start`: Probot's server with this app. Without APP_ID and PRIVATE_KEY it serves Probot's setup
 * page, which creates the GitHub App from app.yml and writes the credentials to .env. With REDIS_URL
 * it only enqueues: `npm run worker` processes do the runs.
 */
export async function startServer(options: StartOptions): Promise<Started> {
  const env = readServerEnv(options.env);
  const redis = env.REDIS_URL ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: null }) : undefined;
  let queue: RunQueue | undefined = redis
    ? new BullMqQueue({ redis, prefix: env.L2MAC_QUEUE_PREFIX, warn: (what, message) => (options.log ?? console).warn(what, message) })
    : undefined;
  const deliveries = redis ? new RedisDeliveryLog(redis, env.L2MAC_QUEUE_PREFIX) : undefined;
  const metrics = new AppMetrics();
  const Octokit = countingOctokit(resilientOctokit(options.Octokit ?? octokitClass(env) ?? ProbotOctokit), (status) =>
    metrics.githubRequest(status),
  );
  const server = await run(
    createApp({
      env,
      queue,
      deliveries,
      metrics,
      webhookPath: options.env.WEBHOOK_PATH,
      onQueue: (q) => {
        queue = q;
        options.onQueue?.(q);
      },
    }),
    { env: options.env, log: options.log, Octokit },
  );
  return {
    server,
    async shutdown() {
      // No new deliveries first; then what was acknowledged reaches the queue before it closes.
      await server.stop();
      await queue?.close();
      await redis?.quit().catch((e: unknown) => (options.log ?? console).warn({ err: e }, "could not close the Redis connection"));
    },
  };
}

const entry = process.argv[1] ? await realpath(process.argv[1]).catch(() => process.argv[1]) : undefined;
if (entry === fileURLToPath(import.meta.url)) {
  const started = await startServer({ env: process.env });
  process.once("SIGTERM", () => {
    console.info("SIGTERM: stopping after the current turns; runs will resume");
    void started.shutdown().finally(() => process.exit(0));
  });
}
