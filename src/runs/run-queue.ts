import type { RunJob } from "./run-job.js";
import type { Removal } from "./uninstalled.js";

/**
 * Where webhook handlers put work. In-process by default; BullMQ on Redis when REDIS_URL is set, with
 * `npm run worker` processes doing the work. One active job per issue either way.
 */
export interface RunQueue {
  /**
   * Wakes the run (with any commands the job carries). With `delayMs`, not before then: what
   * arrives meanwhile joins the same wake-up (line comments gathered into one batch).
   */
  enqueue(job: RunJob, options?: { delayMs?: number }): Promise<void>;
  /** Asks the run's active job, wherever it runs, to stop at its next safe point. */
  abort(job: RunJob, reason: string): Promise<void>;
  /** The app was removed (see Removal): the active runs it covers, wherever they run, stop with `reason`. */
  removed(removal: Removal, reason: string): Promise<void>;
  /** Stops taking work; running jobs stop at their next safe point and will resume. */
  close(): Promise<void>;
  /** What feeds the queue after acknowledging a delivery (the webhook handlers): waited for before closing or idling. */
  fedBy?(feeder: Feeder): void;
  /** Jobs by state (waiting, delayed, active); rejects when the queue's store (Redis) cannot be reached. */
  depth(): Promise<Record<string, number>>;
}

/** What feeds a queue after acknowledging deliveries (AckFirst): whether it still may enqueue, and when it is done. */
export interface Feeder {
  readonly busy: boolean;
  onIdle(): Promise<void>;
}

/** The abort reason of a shutdown: the run keeps its active state and is picked up again. */
export const SHUTDOWN_REASON = "interrupted because the worker shut down; it will resume";

/**
 * Advances a run; a number asks to be woken after that many milliseconds (waiting for CI). An error on a
 * `finalAttempt: false` call is retried by the queue, so the run is not marked failed for it.
 */
export type RunProcessor = (job: RunJob, signal: AbortSignal, attempt?: { finalAttempt: boolean }) => Promise<number | void>;
