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
 * request path, a few at a time, and those of one issue in the order they arrived. `skip` is a check that needs no request: an event it gives a reason
 * for is acknowledged, logged as skipped, and never queued.
 */
export class AckFirst {
  private readonly backlog: PQueue;
  /** The last handler queued per issue: events of one issue are handled in the order they arrived. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Deliveries acknowledged and not yet handled, queued or waiting behind an earlier one of their issue. */
  private waiting = 0;

  constructor(
    private readonly log: Log,
    concurrency = 8,
  ) {
    this.backlog = new PQueue({ concurrency });
  }

  later<C extends Pick<Context, "id" | "name" | "log" | "payload">>(
    handler: (context: C) => Promise<void>,
    skip?: (context: C) => string | undefined,
  ) {
    return async (context: C): Promise<void> => {
      const why = skip?.(context);
      if (why) return skipped(context, why);
      if (this.waiting >= MAX_BACKLOG) {
        this.log.warn(
          { delivery: context.id, event: context.name },
          "too many webhook deliveries waiting to be handled; this one is dropped",
        );
        return;
      }
      const key = orderKey(context);
      this.waiting += 1;
      const run = () => this.backlog.add(() => handler(context));
      const previous = key ? this.chains.get(key) : undefined;
      const done: Promise<void> = (previous ? previous.then(run) : run())
        .catch((e: unknown) => this.log.error({ err: e, delivery: context.id, event: context.name }, "a webhook delivery's handler failed"))
        .finally(() => {
          this.waiting -= 1;
          if (key && this.chains.get(key) === done) this.chains.delete(key);
        });
      if (key) this.chains.set(key, done);
    };
  }

  /** Deliveries acknowledged but not yet handled. */
  get busy(): boolean {
    return this.backlog.size > 0 || this.backlog.pending > 0 || this.chains.size > 0;
  }

  /** Resolves when every acknowledged delivery has been handled (shutdown, tests). */
  async onIdle(): Promise<void> {
    while (this.busy) await Promise.all([this.backlog.onIdle(), ...this.chains.values()]);
  }
}

/** The issue an event is about ("owner/repo#n"), or none (a workflow run, an installation): those need no order. */
function orderKey(context: { payload?: unknown }): string | undefined {
  const payload = context.payload as { repository?: { full_name?: string }; issue?: { number?: number } } | undefined;
  const repo = payload?.repository?.full_name;
  const issue = payload?.issue?.number;
  return repo && issue !== undefined ? `${repo}#${issue}`.toLowerCase() : undefined;
}
