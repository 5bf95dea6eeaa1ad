import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { abortChannel, AbortMessageSchema, againKey, QUEUE_NAME } from "./bullmq-queue.js";
import { applied, carriesWork, mergeJobs, type RunJob } from "./run-job.js";
import { SHUTDOWN_REASON, type RunProcessor } from "./run-queue.js";
import { removedBy, type Removal } from "./uninstalled.js";

export interface BullWorkerOptions {
  redis: Redis;
  prefix: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken over after about this. */
  lockMs: number;
  process: RunProcessor;
  onError?: (job: RunJob, error: unknown) => void;
  /** Where problems that end no run are told (the abort channel closing badly at shutdown). */
  warn?: (what: object, message: string) => void;
  /** A server saw the app removed (see Removal): this worker's processor starts none of those runs any more. */
  onRemoved?: (removal: Removal) => void;
}

/** The jobs running here, each with what stops it. */
type Running = Map<string, { job: RunJob; controller: AbortController }>;

/**
 * A worker process's loop: takes runs from Redis, at most `concurrency` at once. A run waiting for CI is
 * moved back to "delayed" (the same job, so it holds no worker and stays the only job); a run
 * interrupted by shutdown is put back at once for another worker; a crashed worker's job is recovered by
 * BullMQ's stalled-job check when its lock expires.
 */
export function startBullWorker(options: BullWorkerOptions): { worker: Worker<RunJob>; close(): Promise<void> } {
  const { redis, prefix } = options;
  const running: Running = new Map();
  const shutdown = new AbortController();
  const subscriber = listenForAborts(options, running);
  const worker = new Worker<RunJob>(
    QUEUE_NAME,
    async (job: Job<RunJob>, token?: string) => {
      const id = job.id!;
      let data = job.data;
      const knownComment = data.planCommentId;
      const woken = await takeWakeUps(redis, prefix, id);
      for (const extra of woken) data = mergeJobs(data, extra);
      // Kept in the job itself before any work, so a crash or a retry does not lose these commands.
      if (woken.length > 0) await job.updateData(data);
      const controller = new AbortController();
      running.set(id, { job: data, controller });
      let later: number | void;
      try {
        const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        later = await options.process(data, AbortSignal.any([controller.signal, shutdown.signal]), { finalAttempt });
      } catch (e) {
        options.onError?.(data, e);
        throw e;
      } finally {
        running.delete(id);
      }
      // Commands and reviews were applied; they must not be applied again when the job comes back from "delayed".
      // The plan comment's id, once bound, goes with the job: its next wake-up, on any worker, reads it directly.
      if (carriesWork(data) || data.planCommentId !== knownComment) await job.updateData(applied(data));
      const wokenMeanwhile = (await redis.llen(againKey(prefix, id))) > 0;
      if (shutdown.signal.aborted || wokenMeanwhile) later = 0;
      if (typeof later === "number") {
        await job.moveToDelayed(Date.now() + later, token);
        throw new DelayedError();
      }
    },
    {
      connection: redis,
      prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      // A run may be interrupted by several crashes in a row; it resumes from GitHub every time.
      maxStalledCount: 10,
    },
  );
  return {
    worker,
    async close() {
      shutdown.abort(SHUTDOWN_REASON);
      await worker.close();
      await subscriber.quit().catch((e: unknown) => options.warn?.({ err: e }, "could not close the abort channel's Redis connection"));
    },
  };
}

/**
 * Stops asked for by any server process (`/l2mac stop`, the app removed) reach the jobs' controllers
 * here, if they run here.
 */
function listenForAborts(options: Pick<BullWorkerOptions, "redis" | "prefix" | "onRemoved" | "warn">, running: Running): Redis {
  const subscriber = options.redis.duplicate();
  void subscriber.subscribe(abortChannel(options.prefix));
  subscriber.on("message", (_channel, text: string) => {
    // Only the app's own server processes publish here; still, a message it cannot read stops nothing and crashes nothing.
    const parsed = AbortMessageSchema.safeParse(parseJson(text));
    if (!parsed.success) return options.warn?.({ message: text.slice(0, 200) }, "an unreadable message on the abort channel was dropped");
    const message = parsed.data;
    if ("id" in message) return running.get(message.id)?.controller.abort(message.reason);
    options.onRemoved?.(message.removal);
    for (const { job, controller } of running.values()) if (removedBy(message.removal, job)) controller.abort(message.reason);
  });
  return subscriber;
}

/** The wake-ups queued for a job while it was active, taken (read and removed) at once. */
async function takeWakeUps(redis: Redis, prefix: string, id: string): Promise<RunJob[]> {
  const [[, items]] = (await redis.multi().lrange(againKey(prefix, id), 0, -1).del(againKey(prefix, id)).exec()) as [[unknown, string[]]];
  return items.map((s) => JSON.parse(s) as RunJob);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
