import { Queue, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { carriesWork, jobKey, mergeJobs, type RunJob } from "./run-job.js";
import type { Feeder, RunQueue } from "./run-queue.js";
import type { Removal } from "./uninstalled.js";

export const QUEUE_NAME = "runs";

/** One BullMQ job per issue: its id is derived from the issue, so wake-ups of the same run collapse. */
export const bullJobId = (job: Pick<RunJob, "owner" | "repo" | "issueNumber">): string =>
  `run-${Buffer.from(jobKey(job)).toString("base64url")}`;

/** Wake-ups that arrive while the job is active, consumed by that job before it finishes. */
export const againKey = (prefix: string, id: string): string => `${prefix}:again:${id}`;
export const abortChannel = (prefix: string): string => `${prefix}:abort`;

/** What the abort channel carries: one job to stop, or a removal of the app whose runs all stop. */
export const AbortMessageSchema = z.union([
  z.object({ id: z.string(), reason: z.string() }),
  z.object({
    removal: z.object({ installationId: z.number().int(), repositories: z.array(z.string()).max(10_000).optional() }),
    reason: z.string(),
  }),
]);
export type AbortMessage = z.infer<typeof AbortMessageSchema>;

/** A job that moved between its read and the call on it: not an error, the next read of the loop sees its state. */
const alreadyMoved = (): undefined => undefined;

export interface BullMqOptions {
  /** A connection for commands; the queue duplicates what it needs. */
  redis: Redis;
  prefix: string;
  /** How long shutdown waits for acknowledged deliveries to reach Redis (default DRAIN_MS). */
  drainMs?: number;
  warn?: (what: object, message: string) => void;
}

/** Within a container's stop grace (Docker's is 10 s by default, Kubernetes' 30 s), with room for the rest. */
const DRAIN_MS = 8_000;

/**
 * The producer side (the webhook server): enqueue only. A waiting job takes the new commands, a delayed
 * one (waiting for CI) is promoted, and an active one is told to run once more when it ends.
 */
export class BullMqQueue implements RunQueue {
  readonly queue: Queue<RunJob>;
  /** Enqueues under way: a delivery already acknowledged to GitHub must reach Redis before shutdown. */
  private readonly inFlight = new Set<Promise<void>>();
  private feeder: Feeder | undefined;

  constructor(private readonly options: BullMqOptions) {
    this.queue = new Queue<RunJob>(QUEUE_NAME, { connection: options.redis, prefix: options.prefix });
  }

  /**
   * With `delayMs` (a batch of line comments) the wake-up is a delayed job: it survives restarts, and
   * what arrives before it is due joins it rather than waking the run again.
   */
  enqueue(job: RunJob, options: { delayMs?: number } = {}): Promise<void> {
    const added = this.add(job, options);
    const settled = added.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return added;
  }

  private async add(job: RunJob, options: { delayMs?: number }): Promise<void> {
    const id = bullJobId(job);
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.queue.getJob(id);
      const state = existing ? await existing.getState() : "missing";
      if (existing && (state === "waiting" || state === "prioritized" || state === "delayed")) {
        const batch = existing.data.reviews?.some((r) => r.kind === "comment") ?? false;
        // An edit's wake-up keeps the text before it: the worker then reads the issue (see IssueRun.issueText).
        if (carriesWork(job) || job.taskEdit) await existing.updateData(mergeJobs(existing.data, job));
        // It may have been promoted or taken since it was read: then it runs soon anyway.
        if (state === "delayed") await this.wakeSooner(existing, options.delayMs, batch);
        return;
      }
      if (existing && state === "active") {
        await this.options.redis.rpush(againKey(this.options.prefix, id), JSON.stringify(job));
        // The job may have finished between the two reads: then nobody would read the wake-up.
        if (await this.queue.getJob(id)) return;
      }
      // Removed by its own worker meanwhile, or taken again: the add below (and the retry) finds out which.
      if (existing && (state === "completed" || state === "failed")) await existing.remove().catch(alreadyMoved);
      const added = await this.queue.add("advance", job, {
        jobId: id,
        ...(options.delayMs ? { delay: options.delayMs } : {}),
        attempts: 5,
        backoff: { type: "exponential", delay: 5_000 },
        removeOnComplete: true,
        removeOnFail: 100,
      });
      if (added.id === id && (await added.getState()) !== "unknown") return;
    }
  }

  /**
   * A delayed job runs now; for a batch it runs `delayMs` from now, unless it already is a batch (the
   * first line comment set its time: the window is not pushed back by every comment).
   */
  private async wakeSooner(existing: Job<RunJob>, delayMs: number | undefined, batch: boolean): Promise<void> {
    if (!delayMs) return void (await existing.promote().catch(alreadyMoved));
    if (batch) return;
    await existing.changeDelay(delayMs).catch(alreadyMoved);
  }

  async abort(job: RunJob, reason: string): Promise<void> {
    await this.publish({ id: bullJobId(job), reason });
  }

  /** Every worker hears it: it stops the runs the removal covers and starts none of them any more. */
  async removed(removal: Removal, reason: string): Promise<void> {
    await this.publish({ removal, reason });
  }

  private async publish(message: AbortMessage): Promise<void> {
    await this.options.redis.publish(abortChannel(this.options.prefix), JSON.stringify(message));
  }

  async depth(): Promise<Record<string, number>> {
    const counts = await this.queue.getJobCounts("waiting", "prioritized", "delayed", "active");
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), delayed: counts.delayed ?? 0, active: counts.active ?? 0 };
  }

  /** The webhook handlers that enqueue after the acknowledgement: shutdown waits for them first. */
  fedBy(feeder: Feeder): void {
    this.feeder = feeder;
  }

  /**
   * Shutdown: what was acknowledged is handled and in Redis before the connection goes, unless that takes
   * longer than the drain time (a handler waiting out a rate limit, Redis gone): then what is left is said.
   */
  async close(): Promise<void> {
    const drained = (async () => {
      await this.feeder?.onIdle();
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.drainMs ?? DRAIN_MS)));
    if (!(await Promise.race([drained, late])))
      this.options.warn?.({ enqueuing: this.inFlight.size }, "shutting down before every acknowledged delivery reached Redis");
    clearTimeout(timer);
    await this.queue.close();
  }
}
