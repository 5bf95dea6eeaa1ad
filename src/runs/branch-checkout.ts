import { join } from "node:path";
import { BranchStore } from "../github/branch-store.js";
import { pathPolicy } from "../github/path-policy.js";
import type { RunDeps } from "./run-deps.js";

/** The run's branch checked out in the worker's directory for the issue: what planning reads and instructions change. */
export function checkoutRunBranch(deps: RunDeps, branch: string): Promise<BranchStore> {
  const { job } = deps;
  return BranchStore.checkout({
    cloneUrl: job.cloneUrl,
    dir: join(deps.workdir, job.owner, job.repo, `issue-${job.issueNumber}`),
    branch,
    baseBranch: job.defaultBranch,
    token: deps.token,
    author: { name: deps.botLogin, email: `${deps.botLogin}@users.noreply.github.com` },
    deny: pathPolicy(deps.config),
  });
}
