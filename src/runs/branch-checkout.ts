import { BranchStore } from "../github/branch-store.js";
import { pathPolicy } from "../github/path-policy.js";
import type { RunDeps } from "./run-deps.js";
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
