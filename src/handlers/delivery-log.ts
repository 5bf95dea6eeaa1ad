import type { Redis } from "ioredis";

/**
 * Webhook deliveries already handled, by delivery id (GitHub keeps the id when it redelivers): a
 * redelivered or duplicated event does nothing the second time.
 */
export interface DeliveryLog {
  /** True the first time an id is seen. */
  firstTime(id: string): Promise<boolean>;
}

/** The default: this process's memory, bounded (the oldest ids are forgotten first). */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 10_000) {}

  async firstTime(id: string): Promise<boolean> {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

/** Shared by every server process: `SET NX` with a TTL (GitHub redelivers for up to three days). */
export class RedisDeliveryLog implements DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 3 * 24 * 3600,
  ) {}

  async firstTime(id: string): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:delivery:${id}`, "1", "EX", this.ttlSeconds, "NX")) === "OK";
  }
}
