import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Plan } from "../github/plan.js";
import { reasons } from "./reasons.js";
import type { RunDeps } from "./run-deps.js";
import type { RunEnd } from "./run-job.js";

/**
 * The run's pull request closed or merged, or its issue closed or unlabelled (pure): merged, the run is
 * done; otherwise it is stopped with why (a done run stays done when only its issue closes: the merge
 * closes it too). A stopped run resumes with `/l2mac continue`. The closing of a pull request that is
 * not the run's (an earlier one from its branch, closed again or late) changes nothing.
 */
export function applyEnd(plan: Plan, end: RunEnd, pull?: number): Plan {
  if (!isRunsPull(plan, pull)) return plan;
  const idle = { current: plan.evaluation ? plan.current : undefined };
  if (end === "pull-merged") return { ...plan, ...idle, phase: "done", reason: reasons.ended(end) };
  // The issue closed by the merge (or by hand) after the run finished: it stays done.
  if (plan.phase === "done" && (end === "issue-closed" || end === "unlabeled")) return plan;
  return { ...plan, ...idle, phase: "stopped", reason: reasons.ended(end) };
}

/** Whether closing pull request `pull` (undefined: the end is not a pull request's) is the run's end. */
export const isRunsPull = (plan: Pick<Plan, "pr">, pull: number | undefined): boolean =>
  pull === undefined || plan.pr === undefined || plan.pr === pull;

/** Where the run's working copy lives on this server. */
export const workingCopyOf = (deps: Pick<RunDeps, "workdir" | "job">): string =>
  join(deps.workdir, deps.job.owner, deps.job.repo, `issue-${deps.job.issueNumber}`);

/** An ended run keeps nothing on the server: a resumed one clones again. */
export const removeWorkingCopy = (deps: Pick<RunDeps, "workdir" | "job">): Promise<void> =>
  rm(workingCopyOf(deps), { recursive: true, force: true });

/** The plan once the job's end is applied and the working copy removed; the same plan when the end is not this run's. */
export async function planAtEnd(deps: Pick<RunDeps, "workdir" | "job" | "log">, plan: Plan): Promise<Plan> {
  const { end, endPull } = deps.job;
  if (!end) return plan;
  if (!isRunsPull(plan, endPull)) {
    deps.log.info({ pull: endPull, runs: plan.pr }, "not the run's pull request: no end");
    return plan;
  }
  await removeWorkingCopy(deps);
  const next = applyEnd(plan, end, endPull);
  deps.log.info({ end, phase: next.phase }, "the run ended; its working copy was removed");
  return next;
}
