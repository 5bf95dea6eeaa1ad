import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { abortChannel, BullMqQueue, bullJobId } from "../../src/runs/bullmq-queue.js";
import { startBullWorker } from "../../src/runs/bullmq-worker.js";
import { applied, type RunJob } from "../../src/runs/run-job.js";
import { reachableRedis } from "../support/processes.js";
import { JOB } from "../runs/plans.js";

const redisUrl = await reachableRedis();

const base: RunJob = JOB;
const approvedTask = { hash: "approved", text: "Greeting\n\nWrite greet.txt.", by: "alice", title: "Greeting" };
/** The run's job as it waits for CI: applied, with the approved text it carries. */
const ciPoll = applied({ ...base, approvedTask, labelled: true, planCommentId: 7 });

describe.skipIf(!redisUrl)("BullMQ: what reaches a run waiting for CI goes with its job", () => {
  // A CI wake-up acts on the approved text it carries (no issue read): an edit's wake-up must not be lost in it.
  it.each<[string, RunJob, Partial<RunJob>]>([
    ["an edit of the issue", { ...base, taskEdit: { before: "old", by: "rita" } }, { taskEdit: { before: "old", by: "rita" } }],
    ["the label again", { ...base, approvedTask: { ...approvedTask, by: "bob" }, labelled: true }, { labelled: true }],
  ])("%s joins the delayed job and wakes it", async (_name, wakeUp, expected) => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: null });
    const queue = new BullMqQueue({ redis, prefix: `l2mac-test-${randomBytes(6).toString("hex")}` });
    try {
      await queue.enqueue(ciPoll, { delayMs: 60_000 });
      await queue.enqueue(wakeUp);
      const job = (await queue.queue.getJob(bullJobId(base)))!;
      expect(job.data).toMatchObject({ ...expected, planCommentId: 7 });
      expect(await job.getState()).toBe("waiting");
    } finally {
      await queue.queue.obliterate({ force: true });
      await queue.queue.close();
      redis.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)("BullMQ: shutdown", () => {
  it("does not wait forever for a delivery handler that never ends: it says so and closes", async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: null });
    const warnings: string[] = [];
    const queue = new BullMqQueue({
      redis,
      prefix: `l2mac-test-${randomBytes(6).toString("hex")}`,
      drainMs: 100,
      warn: (_w, m) => warnings.push(m),
    });
    // A handler waiting out an hour's rate limit, say.
    queue.fedBy({ busy: true, onIdle: () => new Promise<void>(() => undefined) });
    try {
      await queue.close();
      expect(warnings).toEqual(["shutting down before every acknowledged delivery reached Redis"]);
    } finally {
      redis.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)("BullMQ: the abort channel", () => {
  it("drops a message it cannot read, and still stops a run with the next one", async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: null });
    const prefix = `l2mac-test-${randomBytes(6).toString("hex")}`;
    const queue = new BullMqQueue({ redis, prefix });
    const warnings: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let stop!: (reason: string) => void;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const worker = startBullWorker({
      redis,
      prefix,
      concurrency: 1,
      lockMs: 30_000,
      warn: (_w, m) => warnings.push(m),
      process: (_job, signal) =>
        new Promise<void>((done) => {
          started();
          signal.addEventListener("abort", () => (stop(String(signal.reason)), done()));
        }),
    });
    try {
      await queue.enqueue(base);
      await running;
      for (const text of ["not json", "null", '{"reason":"x"}', '{"removal":{"installationId":"1"},"reason":"x"}'])
        await redis.publish(abortChannel(prefix), text);
      await queue.abort(base, "stopped by alice");
      expect(await stopped).toBe("stopped by alice");
      expect(warnings.filter((w) => w.includes("unreadable message"))).toHaveLength(4);
    } finally {
      await worker.close();
      await queue.queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });
});
