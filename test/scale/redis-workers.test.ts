import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { QUEUE_NAME } from "../../src/runs/bullmq-queue.js";
import { instructionStarts, planPhase, taskAgent, type Cluster } from "../support/cluster.js";
import { driver, useCluster } from "../support/scenario.js";
import { eventually, reachableRedis } from "../support/processes.js";
import { instructionText, kindOf } from "../support/scripted-agent.js";

const REPO = "acme/demo";
const redisUrl = await reachableRedis();

const clusters = useCluster();

async function commitsByInstruction(c: Cluster, repo: string, issue: number): Promise<string[]> {
  const log = await c.gh.log(repo, `l2mac/issue-${issue}`);
  return log
    .map((commit) => /L2MAC-Instruction: (\d+)/.exec(commit.message)?.[1])
    .filter((x): x is string => Boolean(x))
    .sort();
}

describe.skipIf(!redisUrl)("BullMQ on Redis", () => {
  it("lets two worker processes share five concurrent runs, each completing exactly once", async () => {
    const c = await clusters.start({ llm: taskAgent({ delayMs: 30 }), redisUrl });
    await c.startServerHere();
    const workers = [c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" }), c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" })];
    await Promise.all(workers.map((w) => w.waitFor(/worker started/)));
    const issues = Array.from(
      { length: 5 },
      (_, i) => c.gh.createIssue(REPO, { title: `Task ${i + 1}`, body: `Write the files for task ${i + 1}.` }).number,
    );
    await Promise.all(issues.map((n) => c.label(n)));
    await eventually(() => issues.every((n) => planPhase(c.gh, REPO, n) === "done"), 90_000, "all five runs done");

    for (const n of issues) expect(await commitsByInstruction(c, REPO, n)).toEqual(["1", "2"]);
    expect(c.gh.pulls(REPO)).toHaveLength(5);
    const starts = instructionStarts(c.llm.requests);
    expect(starts.size).toBe(10);
    expect([...starts.values()].every((count) => count === 1)).toBe(true);
    // Both processes did part of the work.
    for (const w of workers) expect(w.output).toMatch(/worker took a run/);
    expect(c.llm.violations).toEqual([]);
  });

  it("resumes a run on another worker after SIGKILL mid-instruction, without a duplicate commit", async () => {
    let killed = false;
    // Set once the worker is spawned; the LLM script reaches it through this holder.
    const first: { process?: ReturnType<Cluster["spawn"]> } = {};
    const c = await clusters.start({
      redisUrl,
      llm: taskAgent({
        onRequest: (r) => {
          if (!killed && kindOf(r) === "act" && instructionText(r).includes("task-1-b.txt")) {
            killed = true;
            first.process!.kill("SIGKILL");
            return { hang: true };
          }
          return undefined;
        },
      }),
    });
    await c.startServerHere();
    first.process = c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" });
    await first.process.waitFor(/worker started/);
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    await c.label(issue);
    await eventually(() => killed, 30_000, "the first worker to reach instruction 2");
    await first.process.exited;
    const second = c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" });
    await eventually(() => planPhase(c.gh, REPO, issue) === "done", 60_000, "the run to finish on the second worker");

    expect(second.output).toMatch(/worker took a run/);
    expect(await commitsByInstruction(c, REPO, issue)).toEqual(["1", "2"]);
    const starts = instructionStarts(c.llm.requests);
    expect(starts.get("out/task-1-a.txt")).toBe(1);
    expect(starts.get("out/task-1-b.txt")).toBe(2);
    expect(c.gh.pulls(REPO)).toHaveLength(1);
  });

  it("enqueues nothing new for a duplicate delivery, and collapses wake-ups of one issue", async () => {
    const c = await clusters.start({ llm: taskAgent(), redisUrl });
    await c.startServerHere();
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    const payload = c.gh.issueLabeledPayload(REPO, issue, "l2mac");
    // No worker runs: the jobs stay in Redis where they can be counted.
    for (let i = 0; i < 3; i++) expect((await c.deliver("issues", payload, "same-delivery")).status).toBe(200);
    await c.deliver("issues", payload, "another-delivery-same-issue");
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: null });
    try {
      const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: c.env.L2MAC_QUEUE_PREFIX });
      await eventually(async () => ((await queue.getJobCounts("waiting")).waiting ?? 0) > 0, 10_000, "the job");
      const counts = await queue.getJobCounts("waiting", "delayed", "active", "completed", "failed");
      expect(counts).toMatchObject({ waiting: 1, delayed: 0, active: 0, completed: 0, failed: 0 });
      expect(await redis.exists(`${c.env.L2MAC_QUEUE_PREFIX}:delivery:same-delivery`)).toBe(1);
      await queue.close();
    } finally {
      redis.disconnect();
    }
  });

  it("holds no worker while a run waits for CI", async () => {
    const slowCi = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 4\n";
    const c = await clusters.start({
      llm: taskAgent(),
      redisUrl,
      repos: [
        { name: "slow", files: { ".github/workflows/ci.yml": slowCi, ".github/l2mac.yml": "ci:\n  wait_for_runs_minutes: 1\n" } },
        { name: "fast" },
      ],
    });
    await c.startServerHere();
    const worker = c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" });
    await worker.waitFor(/worker started/);
    const a = c.gh.createIssue("acme/slow", { title: "Task 1", body: "Write the files for task 1." }).number;
    await driver(c, "acme/slow").label(a);
    await eventually(() => planPhase(c.gh, "acme/slow", a) === "evaluating", 30_000, "run A to wait for CI");
    const b = c.gh.createIssue("acme/fast", { title: "Task 2", body: "Write the files for task 2." }).number;
    await driver(c, "acme/fast").label(b);
    // With one slot, B can only finish now if A's wait holds no worker.
    await eventually(() => planPhase(c.gh, "acme/fast", b) === "done", 30_000, "run B to finish");
    expect(planPhase(c.gh, "acme/slow", a)).toBe("evaluating");
    await eventually(() => planPhase(c.gh, "acme/slow", a) === "done", 60_000, "run A to finish after its CI");
  });
});
