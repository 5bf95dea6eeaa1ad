import PQueue from "p-queue";
import type { Context } from "probot";
import { skipped } from "./skipped.js";

/** Decisions waiting to be made, at most; beyond that a delivery is dropped with a warning (memory stays bounded). */
const MAX_BACKLOG = 10_000;

type Log = { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

/**
 * Webhook handlers acknowledge first and decide later: GitHub gives up on a delivery after 10 s, and a
 * decision may need GitHub (the config, the sender's permission), which at a burst of deliveries queues
 * behind the installation's rate limit. `later(handler)` returns at once; the handler runs off the
 * request path, a few at a time. `skip` is a check that needs no request: an event it gives a reason
 * for is acknowledged, logged as skipped, and never queued.
 */
export class AckFirst {
  private readonly backlog: PQueue;

  constructor(
    private readonly log: Log,
    concurrency = 8,
  ) {
    this.backlog = new PQueue({ concurrency });
  }

  later<C extends Pick<Context, "id" | "name" | "log">>(handler: (context: C) => Promise<void>, skip?: (context: C) => string | undefined) {
    return async (context: C): Promise<void> => {
      const why = skip?.(context);
      if (why) return skipped(context, why);
      if (this.backlog.size >= MAX_BACKLOG) {
        this.log.warn(
          { delivery: context.id, event: context.name },
          "too many webhook deliveries waiting to be handled; this one is dropped",
        );
        return;
      }
      void this.backlog
        .add(() => handler(context))
        .catch((e: unknown) =>
          this.log.error({ err: e, delivery: context.id, event: context.name }, "a webhook delivery's handler failed"),
        );
    };
  }

  /** Deliveries acknowledged but not yet handled. */
  get busy(): boolean {
    return this.backlog.size > 0 || this.backlog.pending > 0;
  }

  /** Resolves when every acknowledged delivery has been handled (shutdown, tests). */
  async onIdle(): Promise<void> {
    await this.backlog.onIdle();
  }
}
