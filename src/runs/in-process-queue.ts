import PQueue from "p-queue";
import { applied, jobKey, mergeJobs, type RunJob } from "./run-job.js";
import { SHUTDOWN_REASON, type Feeder, type RunProcessor, type RunQueue } from "./run-queue.js";
import { removedBy, type Removal } from "./uninstalled.js";

/**
 * The default queue: runs in this process, a bounded number at once, at most one per issue. A job for
 * an issue that is already running is remembered and runs once more when the current one ends, so a
 * steering event during a run is never lost and never runs concurrently with it.
 */
export class InProcessQueue implements RunQueue {
  private readonly queue: PQueue;
  private readonly active = new Set<string>();
  private readonly again = new Map<string, RunJob>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; job: RunJob }>();
  /** Each running run: the job it was started with (to find runs by installation) and what stops it. */
  private readonly running = new Map<string, { job: RunJob; controller: AbortController }>();
  private closed = false;
  /** Work that may still enqueue (webhook handlers running after their acknowledgement): idle waits for it. */
  private feeder: Feeder | undefined;
  /** Stops asked for while the run's job was still queued: applied the moment it starts. */
  private readonly pendingAborts = new Map<string, string>();

  constructor(
    private readonly process: RunProcessor,
    concurrency = 2,
    private readonly onError: (job: RunJob, error: unknown) => void = () => undefined,
  ) {
    this.queue = new PQueue({ concurrency });
  }

  async enqueue(job: RunJob, options: { delayMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    const key = jobKey(job);
    const scheduled = this.timers.get(key);
    // A batch joins the batch already scheduled (keeping its time); a scheduled CI poll becomes the batch.
    if (options.delayMs && !this.active.has(key)) {
      if (scheduled?.job.reviews?.some((r) => r.kind === "comment")) scheduled.job = mergeJobs(scheduled.job, job);
      else this.enqueueLater(job, options.delayMs);
      return;
    }
    this.add(job);
  }

  /** Queues a run of the job's issue; false when one is already queued or running (it will run again). */
  add(job: RunJob): boolean {
    const key = jobKey(job);
    // An event arriving first makes a scheduled wake-up pointless; what it carried comes along.
    const scheduled = this.timers.get(key);
    clearTimeout(scheduled?.timer);
    this.timers.delete(key);
    if (scheduled) job = mergeJobs(scheduled.job, job);
    if (this.active.has(key)) {
      const waiting = this.again.get(key);
      this.again.set(key, waiting ? mergeJobs(waiting, job) : job);
      return false;
    }
    this.active.add(key);
    void this.queue.add(async () => {
      const controller = new AbortController();
      this.running.set(key, { job, controller });
      const pending = this.pendingAborts.get(key);
      this.pendingAborts.delete(key);
      if (pending) controller.abort(pending);
      try {
        // A re-enqueued job carries no commands or reviews: they were applied by this run.
        const later = await this.process(job, controller.signal);
        if (typeof later === "number") this.enqueueLater(applied(job), later);
      } catch (e) {
        this.onError(job, e);
      } finally {
        this.running.delete(key);
        this.active.delete(key);
        const next = this.again.get(key);
        if (next) {
          this.again.delete(key);
          if (!this.closed) this.add(next);
        }
      }
    });
    return true;
  }

  /** Runs the job after `delayMs`, holding no worker meanwhile; a sooner event replaces it. */
  enqueueLater(job: RunJob, delayMs: number): void {
    const key = jobKey(job);
    const scheduled = this.timers.get(key);
    clearTimeout(scheduled?.timer);
    const entry = { job: scheduled ? mergeJobs(scheduled.job, job) : job, timer: undefined as unknown as NodeJS.Timeout };
    entry.timer = setTimeout(() => {
      this.timers.delete(key);
      if (!this.closed) this.add(entry.job);
    }, delayMs);
    entry.timer.unref();
    this.timers.set(key, entry);
  }

  /** Stops every running run whose job matches (an installation removed); their later polls end at once (see Uninstalled). */
  async removed(removal: Removal, reason: string): Promise<void> {
    for (const { job, controller } of this.running.values()) if (removedBy(removal, job)) controller.abort(reason);
  }

  async abort(job: Pick<RunJob, "owner" | "repo" | "issueNumber">, reason: string): Promise<void> {
    const key = jobKey(job);
    const controller = this.running.get(key)?.controller;
    if (controller) controller.abort(reason);
    else if (this.active.has(key)) this.pendingAborts.set(key, reason);
  }

  async depth(): Promise<Record<string, number>> {
    return { waiting: this.queue.size, active: this.queue.pending, delayed: this.timers.size };
  }

  /** What else feeds this queue: `onIdle` then also waits until it is done. */
  fedBy(feeder: Feeder): void {
    this.feeder = feeder;
  }

  /** Resolves when nothing is queued, running or scheduled, and nothing that feeds the queue is busy. */
  async onIdle(): Promise<void> {
    const busy = () => this.active.size > 0 || this.queue.size > 0 || this.queue.pending > 0 || this.timers.size > 0 || this.feeder?.busy;
    while (busy()) {
      if (this.feeder?.busy) await this.feeder.onIdle();
      else await (this.active.size > 0 || this.queue.size > 0 ? this.queue.onIdle() : new Promise((r) => setTimeout(r, 20)));
    }
  }

  /**
   * Shutdown: takes no more work, drops scheduled polls (a restart finds those runs again), and stops
   * running jobs at their next safe point, then waits for them.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const { controller } of this.running.values()) controller.abort(SHUTDOWN_REASON);
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.again.clear();
    await this.queue.onIdle();
  }
}
