#!/usr/bin/env node
import { realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { run, type ProbotOctokit, type Server } from "probot";
import { readServerEnv } from "./config.js";
import { createApp } from "./index.js";
import type { InProcessQueue } from "./runs/in-process-queue.js";

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** Probot's logger (tests capture log lines through it). */
  log?: Logger;
  /** Probot's Octokit class (tests turn throttling and retries off). */
  Octokit?: typeof ProbotOctokit;
  onQueue?: (queue: InProcessQueue) => void;
}

/**
 * `npm start`: Probot's server with this app. Without APP_ID and PRIVATE_KEY it serves Probot's setup
 * page, which creates the GitHub App from app.yml and writes the credentials to .env.
 */
export async function startServer(options: StartOptions): Promise<Server> {
  const env = readServerEnv(options.env);
  return run(createApp({ env, onQueue: options.onQueue }), { env: options.env, log: options.log, Octokit: options.Octokit });
}

const entry = process.argv[1] ? await realpath(process.argv[1]).catch(() => process.argv[1]) : undefined;
if (entry === fileURLToPath(import.meta.url)) await startServer({ env: process.env });
