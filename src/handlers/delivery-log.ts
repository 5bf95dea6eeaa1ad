/**
 * Webhook deliveries already handled, by delivery id (GitHub keeps the id on redelivery). Bounded: the
 * oldest ids are forgotten first.
 */
export class DeliveryLog {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 10_000) {}

  /** True the first time an id is seen. */
  firstTime(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}
