import type { Plan } from "../github/plan.js";
import type { PlanCommentStore } from "../github/plan-comment.js";

/** How long planning may take before the issue is told it is being planned (most plans come sooner). */
export const PLANNING_NOTICE_MS = 3000;

/**
 * The "planning" comment, written only when planning is slow: a quick plan is the run's first and only
 * write of its start. Every write of the plan waits for a notice in flight, so it updates that comment
 * instead of creating a second one.
 */
export class PlanningNotice {
  private timer: NodeJS.Timeout | undefined;
  private posted: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(save: (plan: Plan) => Promise<unknown>, planning: Plan, delayMs: number) {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failed notice fails the plan's write too (see settled), as a failed first write did before.
      this.posted = save(planning).then(
        () => undefined,
        (error: unknown) => void (this.failure = { error }),
      );
    }, delayMs);
  }

  /** No notice from now on; one in flight is waited for, and its failure thrown. */
  async settled(): Promise<void> {
    this.cancel();
    await this.posted;
    if (this.failure) throw this.failure.error;
  }

  /** No notice from now on (planning ended, one way or another). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Plans with a `save` that waits for the notice in flight, if any: only an issue without a plan comment
 * gets a notice (one left in planning by an interrupted worker already says so).
 */
export async function withPlanningNotice<T>(
  store: PlanCommentStore,
  planning: Plan,
  delayMs: number,
  plan: (save: (p: Plan) => Promise<Plan>) => Promise<T>,
): Promise<T> {
  const notice = store.exists ? undefined : new PlanningNotice((p) => store.save(p), planning, delayMs);
  try {
    return await plan(async (p) => {
      await notice?.settled();
      return store.save(p);
    });
  } finally {
    notice?.cancel();
  }
}
