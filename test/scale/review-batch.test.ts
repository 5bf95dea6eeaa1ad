import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { QUEUE_NAME } from "../../src/runs/bullmq-queue.js";
import type { RunJob } from "../../src/runs/run-job.js";
import { planPhase, taskAgent } from "../support/cluster.js";
import { useCluster } from "../support/scenario.js";
import { eventually, reachableRedis } from "../support/processes.js";

const REPO = "acme/demo";
const redisUrl = await reachableRedis();
const clusters = useCluster();
const CONFIG = "ci:\n  wait_for_runs_minutes: 0.01\nreview:\n  batch_seconds: 3\n";

describe.skipIf(!redisUrl)("line comments batched on Redis", () => {
  it("keeps two line comments as one delayed wake-up in Redis, across a server restart, and runs them once", async () => {
    const c = await clusters.start({ llm: taskAgent(), redisUrl, repos: [{ name: "demo", files: { ".github/l2mac.yml": CONFIG } }] });
    let server = await c.startServerHere();
    const first = c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" });
    await first.waitFor(/worker started/);
    const issue = c.gh.createIssue(REPO, { title: "Task 1", body: "Write the files for task 1." }).number;
    await c.label(issue);
    await eventually(() => planPhase(c.gh, REPO, issue) === "done" && c.gh.pulls(REPO).length === 1, 60_000, "the run's pull request");
    // No worker while the comments arrive: the wake-up waits in Redis, where it can be looked at.
    first.kill("SIGKILL");
    await first.exited;
    const pr = c.gh.pulls(REPO)[0]!.number;
    const a = await c.lineComment(pr, "alice", { path: "out/task-1-a.txt", line: 1, body: "Write out/task-1-a.txt in capitals." });
    const b = await c.lineComment(pr, "alice", { path: "out/task-1-b.txt", line: 1, body: "Write out/task-1-b.txt in capitals." });

    // Shutting down hands every acknowledged delivery to Redis first: nothing is waited for by time.
    await server.shutdown();
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: null });
    try {
      const queue = new Queue<RunJob>(QUEUE_NAME, { connection: redis, prefix: c.env.L2MAC_QUEUE_PREFIX });
      const delayed = await queue.getDelayed();
      expect(delayed).toHaveLength(1);
      // Each line comment arrives twice (the comment, and the comment-only review holding it): the one
      // wake-up covers both comments, in whichever form.
      const comments = c.gh.reviewComments(REPO, pr);
      const covered = new Set(
        (delayed[0]!.data.reviews ?? []).flatMap((r) =>
          r.kind === "comment" ? [r.comment] : r.kind === "review" ? comments.filter((x) => x.reviewId === r.review).map((x) => x.id) : [],
        ),
      );
      expect([...covered].sort()).toEqual([a.id, b.id].sort());
      await queue.close();
    } finally {
      redis.disconnect();
    }
    server = await c.startServerHere();

    const second = c.spawn("worker", { L2MAC_WORKER_CONCURRENCY: "1" });
    await eventually(
      () => planPhase(c.gh, REPO, issue) === "done" && (c.planComment(issue)?.body.match(/^- \[x\]/gm)?.length ?? 0) === 4,
      60_000,
      "both comments run",
    );
    expect(second.output.match(/review requests added/g)).toHaveLength(1);
    const answered = c.gh.reviewComments(REPO, pr).filter((r) => r.inReplyTo !== undefined);
    expect(answered).toHaveLength(2);
  });
});
