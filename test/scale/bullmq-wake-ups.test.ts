import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { BullMqQueue, bullJobId } from "../../src/runs/bullmq-queue.js";
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
