import { BranchStore } from "../github/branch-store.js";
import { hasPushed, type Plan } from "../github/plan.js";
import { pathPolicy } from "../github/path-policy.js";
import type { RunDeps } from "./run-deps.js";
import { reasons } from "./reasons.js";
import { workingCopyOf } from "./run-end.js";

/** The run's branch checked out in the worker's directory for the issue: what planning reads and instructions change. */
export function checkoutRunBranch(deps: RunDeps, branch: string): Promise<BranchStore> {
  const { job } = deps;
  return BranchStore.checkout({
    cloneUrl: job.cloneUrl,
    dir: workingCopyOf(deps),
    branch,
    baseBranch: job.defaultBranch,
    token: deps.token,
    author: { name: deps.botLogin, email: `${deps.botLogin}@users.noreply.github.com` },
    deny: pathPolicy(deps.config),
  });
}

/**
 * The branch checked out for the next step, with commits a crash left unpushed pushed now; a reason to
 * pause instead when they conflict, or when the branch the run pushed to is gone from GitHub (a person
 * deleted it: it is never created again from the default branch, which would silently drop the run's work).
 */
export async function resumeRunBranch(
  deps: RunDeps,
  plan: Plan,
  checkedOut?: BranchStore,
): Promise<{ store: BranchStore } | { pause: string }> {
  const store = checkedOut ?? (await checkoutRunBranch(deps, plan.branch));
  if (!store.remoteHad && hasPushed(plan)) return { pause: reasons.branchDeleted(plan.branch) };
  const unpushed = await store.pushIfAhead();
  if (!unpushed || unpushed.ok) return { store };
  return { pause: "gone" in unpushed ? reasons.branchDeleted(plan.branch) : reasons.unpushed(plan.branch, unpushed.conflict) };
}
