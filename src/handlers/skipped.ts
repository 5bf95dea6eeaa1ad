import type { Context } from "probot";

/**
 * Says why an event did nothing, at debug level (`LOG_LEVEL=debug`): a handler that returns early is
 * otherwise indistinguishable from one that never ran.
 */
export function skipped(context: Pick<Context, "log" | "name">, why: string): void {
  context.log.debug({ event: context.name }, `nothing to do: ${why}`);
}
