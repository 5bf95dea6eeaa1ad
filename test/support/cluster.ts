import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunQueue } from "../../src/runs/run-queue.js";
import { startServer, type Started } from "../../src/server.js";
import { appEnv, freePort } from "./app-harness.js";
import { startFakeGitHub } from "./fake-github/index.js";
import { AppProcess } from "./processes.js";
import { kindOf, instructionText } from "./scripted-agent.js";
import { startScriptedLlm, type RecordedRequest, type Responder, type ScriptReply } from "./scripted-llm-server.js";

/**
 * The app as separate processes against one fake GitHub and one scripted LLM: a webhook server
 * (in this process or spawned) and any number of `src/worker.ts` processes sharing Redis.
 */
export async function startCluster(options: {
  llm: Responder;
  redisUrl?: string;
  repos?: Array<{ name: string; files?: Record<string, string> }>;
}) {
  const webhookSecret = `whsec-${randomBytes(8).toString("hex")}`;
  const gh = await startFakeGitHub({ webhookSecret });
  for (const repo of options.repos ?? [{ name: "demo" }]) {
    await gh.createRepo({
      owner: "acme",
      name: repo.name,
      files: { "README.md": "# demo\n", ".github/l2mac.yml": "ci:\n  wait_for_runs_minutes: 0.01\n", ...repo.files },
      permissions: { acme: "admin", alice: "write" },
    });
  }
  const llm = await startScriptedLlm(options.llm);
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const workdir = await mkdtemp(join(tmpdir(), "l2mac-cluster-"));
  const port = await freePort();
  const env: Record<string, string> = {
    ...appEnv({ gh, llm, privateKey, webhookSecret, port, workdir }),
    L2MAC_GITHUB_THROTTLE: "false",
    // A crashed worker's run is taken over within seconds, not the production 30 s.
    L2MAC_JOB_LOCK_MS: "2000",
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl, L2MAC_QUEUE_PREFIX: `l2mac-test-${randomBytes(6).toString("hex")}` } : {}),
  };
  const webhookUrl = `http://127.0.0.1:${port}/api/github/webhooks`;
  gh.setActionsWebhookUrl(webhookUrl);
  const processes: AppProcess[] = [];
  let inProcess: Started | undefined;

  return {
    gh,
    llm,
    env,
    webhookUrl,
    /** The webhook server in this process (with REDIS_URL it only enqueues). */
    async startServerHere(onQueue?: (q: RunQueue) => void): Promise<Started> {
      inProcess = await startServer({ env, onQueue });
      return inProcess;
    },
    spawn(entry: "server" | "worker", extra: Record<string, string> = {}, compiled = false): AppProcess {
      const p = new AppProcess(entry, { ...env, ...extra }, compiled);
      processes.push(p);
      return p;
    },
    deliver: (event: string, payload: object, id?: string) => gh.deliver(webhookUrl, event, payload, id ? { id } : undefined),
    async close() {
      for (const p of processes) p.kill("SIGKILL");
      await Promise.all(processes.map((p) => p.exited));
      await inProcess?.shutdown().catch(() => undefined);
      await llm.close();
      await gh.close();
      await rm(workdir, { recursive: true, force: true });
    },
  };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

/**
 * A scripted agent for many issues at once: issue "Task N" plans two instructions writing out/task-N-a.txt
 * and out/task-N-b.txt; each instruction writes its file, then completes. `delayMs` makes each reply slow.
 */
export function taskAgent(
  options: { delayMs?: number; onRequest?: (r: RecordedRequest) => ScriptReply | undefined | Promise<ScriptReply | undefined> } = {},
): Responder {
  return async (r) => {
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const override = await options.onRequest?.(r);
    if (override) return override;
    const kind = kindOf(r);
    if (kind === "plan") {
      const n = /Task (\d+)/.exec(String(r.body.messages.at(-1)?.content))?.[1] ?? "0";
      return {
        toolCalls: [
          {
            name: "provide_detailed_sub_task_steps_for_sub_agents",
            arguments: { steps: [`Write out/task-${n}-a.txt for task ${n}.`, `Write out/task-${n}-b.txt for task ${n}.`] },
          },
        ],
      };
    }
    if (kind === "summary" || kind === "progress-note") return { content: "Wrote the file." };
    const file = /out\/task-\d+-[ab]\.txt/.exec(instructionText(r))?.[0] ?? "out/unknown.txt";
    const acted = r.body.messages.some((m: { role: string }) => m.role === "tool");
    return acted
      ? { toolCalls: [{ name: "sub_task_step_complete", arguments: {} }] }
      : { toolCalls: [{ name: "write_files", arguments: { list_of_file_objects: [{ file_path: file, file_contents: `${file}\n` }] } }] };
  };
}

/** Act requests that start an agent's conversation for an instruction: how often each instruction ran. */
export function instructionStarts(requests: RecordedRequest[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const r of requests) {
    if (kindOf(r) !== "act" || r.body.messages.length !== 2) continue;
    const file = /out\/task-\d+-[ab]\.txt/.exec(instructionText(r))?.[0] ?? "?";
    starts.set(file, (starts.get(file) ?? 0) + 1);
  }
  return starts;
}

export const planPhase = (gh: Cluster["gh"], repo: string, issue: number): string | undefined => {
  const comment = gh.issue(repo, issue).comments.find((c) => c.user.type === "Bot" && c.body.includes("<!-- l2mac:program -->"));
  return comment && /"phase":"([a-z-]+)"/.exec(comment.body)?.[1];
};
