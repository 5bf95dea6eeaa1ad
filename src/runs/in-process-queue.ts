import PQueue from "p-queue";
import { jobKey, type RunJob } from "./run-job.js";

/**
 * The default queue: runs in this process, a bounded number at once, at most one per issue. A job for
 * an issue that is already running is remembered and runs once more when the current one ends, so a
 * steering event during a run is never lost and never runs concurrently with it.
 */
export class InProcessQueue {
  private readonly queue: PQueue;
  private readonly active = new Set<string>();
  private readonly again = new Map<string, RunJob>();

  constructor(
    private readonly process: (job: RunJob) => Promise<void>,
    concurrency = 2,
    private readonly onError: (job: RunJob, error: unknown) => void = () => undefined,
  ) {
    this.queue = new PQueue({ concurrency });
  }

  /** Queues a run of the job's issue; false when one is already queued or running (it will run again). */
  enqueue(job: RunJob): boolean {
    const key = jobKey(job);
    if (this.active.has(key)) {
      this.again.set(key, job);
      return false;
    }
    this.active.add(key);
    void this.queue.add(async () => {
      try {
        await this.process(job);
      } catch (e) {
        this.onError(job, e);
      } finally {
        this.active.delete(key);
        const next = this.again.get(key);
        if (next) {
          this.again.delete(key);
          this.enqueue(next);
        }
      }
    });
    return true;
  }

  /** Resolves when nothing is queued or running. */
  async onIdle(): Promise<void> {
    while (this.active.size > 0 || this.queue.size > 0 || this.queue.pending > 0) await this.queue.onIdle();
  }
}
