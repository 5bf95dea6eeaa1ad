import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { ProbotOctokit } from "probot";
import { InProcessQueue } from "../../src/runs/in-process-queue.js";
import { startServer, type Started } from "../../src/server.js";
import type { FileContent } from "./fake-github/bare-repo.js";
import { startFakeGitHub, type RepoPermission } from "./fake-github/index.js";
import { startScriptedLlm, type Responder, type ScriptedLlm, type ScriptedServerOptions } from "./scripted-llm-server.js";

export const REPO = "acme/demo";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The app's environment against a fake GitHub (as GitHub Enterprise) and a scripted LLM. */
export function appEnv(input: {
  gh: { host: string };
  llm: { baseURL: string };
  privateKey: string;
  webhookSecret: string;
  port: number;
  workdir: string;
}) {
  return {
    APP_ID: "1",
    PRIVATE_KEY: input.privateKey,
    WEBHOOK_SECRET: input.webhookSecret,
    PORT: String(input.port),
    HOST: "127.0.0.1",
    GHE_HOST: input.gh.host,
    GHE_PROTOCOL: "http",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: input.llm.baseURL,
    L2MAC_MODEL: "gpt-4o-mini",
    L2MAC_MAX_RETRIES: "1",
    L2MAC_WORKDIR: input.workdir,
    // Fast CI polls: the fake's runs take seconds, not minutes.
    L2MAC_CI_POLL_SECONDS: "0.1",
    // The start-up check's probe calls would be answered by each test's script; its own tests turn it on.
    L2MAC_STARTUP_CHECK: "false",
  };
}

export interface HarnessOptions {
  llm: Responder;
  files?: Record<string, FileContent>;
  /** Contents of .github/l2mac.yml; by default a short wait for CI runs (these repositories have no workflows). */
  config?: string | null;
  permissions?: Record<string, RepoPermission>;
  /** Extra server environment, e.g. L2MAC_CONTEXT_WINDOW. */
  env?: Record<string, string>;
  /** How the scripted LLM server behaves beyond OpenAI's API (a personality of docs/providers.md). */
  llmServer?: ScriptedServerOptions;
  /** The app's Octokit class (default: Probot's with throttling and retries off, so tests do not wait). */
  octokit?: typeof ProbotOctokit;
  /** The app's logger (default: every line captured, at trace; `logLines` is then empty). */
  log?: Logger;
  /** The base URL the app is given, from the scripted server's (default: its baseURL). */
  llmBaseURL?: (server: ScriptedLlm) => string;
}

/**
 * The whole app over loopback: the real Probot HTTP server started the way `npm start` starts it, the
 * fake GitHub it talks to as GitHub Enterprise (REST + git over HTTP), signed webhook deliveries, and
 * a scripted OpenAI-compatible LLM. Every log line is captured.
 */
export async function startHarness(options: HarnessOptions) {
  const webhookSecret = `whsec-${randomBytes(12).toString("hex")}`;
  const gh = await startFakeGitHub({ webhookSecret });
  await gh.createRepo({
    owner: "acme",
    name: "demo",
    files: {
      "README.md": "# demo\n",
      ...options.files,
      ...(options.config === null ? {} : { ".github/l2mac.yml": options.config ?? "ci:\n  wait_for_runs_minutes: 0.01\n" }),
    },
    permissions: options.permissions ?? { acme: "admin", alice: "write", rita: "read" },
  });
  const llm: ScriptedLlm = await startScriptedLlm(options.llm, options.llmServer);
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const workdir = await mkdtemp(join(tmpdir(), "l2mac-app-"));
  const logLines: string[] = [];
  const log =
    options.log ??
    pino(
      { level: "trace" },
      new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
  const port = await freePort();
  const env = {
    ...appEnv({ gh, llm: { baseURL: options.llmBaseURL?.(llm) ?? llm.baseURL }, privateKey, webhookSecret, port, workdir }),
    OPENAI_API_KEY: `sk-llm-${randomBytes(12).toString("hex")}`,
    LOG_LEVEL: "trace" as const,
    ...options.env,
  };
  let queue: InProcessQueue | undefined;
  const started: Started = await startServer({
    env,
    log,
    // Production keeps Probot's throttling and retries; tests must not wait seconds between writes.
    Octokit: options.octokit ?? ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    onQueue: (q) => (queue = q instanceof InProcessQueue ? q : undefined),
  });
  const webhookUrl = `http://127.0.0.1:${port}/api/github/webhooks`;
  // Finished workflow runs are announced to the app, as GitHub does for installed apps.
  gh.setActionsWebhookUrl(webhookUrl);

  return {
    gh,
    llm,
    env,
    logLines,
    webhookUrl,
    deliver: (event: string, payload: object, id?: string) => gh.deliver(webhookUrl, event, payload, id ? { id } : undefined),
    /** Resolves when no run is queued or running. */
    idle: () => queue!.onIdle(),
    /** The app's plan comment on an issue, if any. */
    planComment: (issue: number) =>
      gh.issue(REPO, issue).comments.find((c) => c.user.type === "Bot" && c.body.includes("<!-- l2mac:program -->")),
    /** Every secret the app holds: none may appear in what it sends or logs. */
    secrets: () => [...gh.issuedTokens, webhookSecret, env.OPENAI_API_KEY, ...privateKey.split("\n").filter((l) => l.length > 40)],
    async close() {
      await started.shutdown();
      await llm.close();
      await gh.close();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
