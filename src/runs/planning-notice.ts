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
  private posted: Promise<"written" | "failed"> | undefined;

  constructor(save: (plan: Plan) => Promise<unknown>, planning: Plan, delayMs: number) {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.posted = save(planning).then(
        () => "written" as const,
        () => "failed" as const,
      );
    }, delayMs);
  }

  /**
   * No notice from now on; one in flight is waited for. "failed": it may or may not have been created
   * (a lost answer), so the plan's write looks for it first.
   */
  async settled(): Promise<"none" | "written" | "failed"> {
    this.cancel();
    return (await this.posted) ?? "none";
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
      // A notice whose write failed may still be on the issue: the plan is written there, not beside it.
      if ((await notice?.settled()) === "failed") await store.adopt(p.runId);
      return store.save(p);
    });
  } finally {
    // Planning that failed before its write: a notice in flight is not left to land after a retry looked.
    await notice?.settled();
  }
}
