import type { Redis } from "ioredis";

/**
 * Webhook deliveries already handled. By delivery id (GitHub keeps the id when it redelivers), and by
 * what the event is about: a signed body replayed under a new id is the same event, and does nothing
 * the second time either.
 */
export interface DeliveryLog {
  /** True the first time none of the keys (the delivery id, then what the event is about) was seen. */
  firstTime(id: string, ...about: string[]): Promise<boolean>;
}

/** The default: this process's memory, bounded (the oldest keys are forgotten first). */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 20_000) {}

  async firstTime(id: string, ...about: string[]): Promise<boolean> {
    const keys = [id, ...about];
    const first = keys.every((k) => !this.seen.has(k));
    for (const k of keys) {
      this.seen.delete(k);
      this.seen.add(k);
    }
    while (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value!);
    return first;
  }
}

/** Shared by every server process: `SET NX` with a TTL per key (GitHub redelivers for up to three days). */
export class RedisDeliveryLog implements DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 3 * 24 * 3600,
  ) {}

  async firstTime(id: string, ...about: string[]): Promise<boolean> {
    const multi = this.redis.multi();
    for (const k of [id, ...about]) multi.set(`${this.prefix}:delivery:${k}`, "1", "EX", this.ttlSeconds, "NX");
    const results = (await multi.exec()) ?? [];
    return results.every(([error, reply]) => !error && reply === "OK");
  }
}

/** What an event is about, for `firstTime`: the same comment, label or workflow run in a replayed body. */
export const eventKeys = {
  comment: (p: { action: string; comment: { id: number; updated_at: string } }) =>
    `comment:${p.comment.id}:${p.action}:${p.comment.updated_at}`,
  labeled: (p: {
    repository: { id: number };
    issue: { number: number; updated_at: string };
    label?: { name: string };
    sender: { id: number };
  }) => `labeled:${p.repository.id}#${p.issue.number}:${p.label?.name ?? ""}:${p.sender.id}:${p.issue.updated_at}`,
  issueEdited: (p: { repository: { id: number }; issue: { number: number; updated_at: string } }) =>
    `issue-edited:${p.repository.id}#${p.issue.number}:${p.issue.updated_at}`,
  review: (p: { review: { id: number } }) => `review:${p.review.id}:submitted`,
  reviewComment: (p: { comment: { id: number } }) => `review-comment:${p.comment.id}:created`,
  ended: (p: { repository: { id: number } }, number: number, what: string, at: string) =>
    `ended:${p.repository.id}#${number}:${what}:${at}`,
  workflowRun: (p: { action: string; workflow_run: { id: number; run_attempt?: number } }) =>
    `workflow-run:${p.workflow_run.id}:${p.workflow_run.run_attempt ?? 1}:${p.action}`,
};
