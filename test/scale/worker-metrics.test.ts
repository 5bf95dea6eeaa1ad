import { describe, expect, it } from "vitest";
import { freePort } from "../support/app-harness.js";
import { planPhase, taskAgent } from "../support/cluster.js";
import { eventually, reachableRedis } from "../support/processes.js";
import { useCluster } from "../support/scenario.js";

const REPO = "acme/demo";
const redisUrl = await reachableRedis();
const clusters = useCluster();

describe.skipIf(!redisUrl)("a worker process for operators", () => {
  it("serves /healthz, /readyz and /metrics with its own runs on L2MAC_METRICS_PORT", async () => {
    const c = await clusters.start({ llm: taskAgent(), redisUrl });
    await c.startServerHere();
    const port = await freePort();
    const worker = c.spawn("worker", { L2MAC_METRICS_PORT: String(port) });
    await worker.waitFor(/worker started/);
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    await c.label(issue);
    await eventually(() => planPhase(c.gh, REPO, issue) === "done", 60_000, "the run done");
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^l2mac_instructions_done_total 2$/m);
    expect(text).toMatch(/^l2mac_runs\{phase="done"\} 1$/m);
    expect(text).toMatch(/^l2mac_github_requests_total\{status="200",billable="true"\} \d+$/m);
  });
});
