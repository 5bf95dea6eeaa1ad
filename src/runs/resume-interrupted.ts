import type { Probot } from "probot";
import type { Octokit } from "../github/octokit.js";
import { isActive } from "../github/phase.js";
import { findPlanComment, readPlan } from "../github/plan-comment.js";
import { loadRepoConfig } from "../github/repo-config.js";
import type { Logger } from "./run-deps.js";
import { jobFor, type RunJob } from "./run-job.js";

export interface ScanLimits {
  repositories: number;
  issuesPerRepository: number;
}

/**
 * After a restart in the default (in-process) mode: finds runs whose state says they were active and
 * wakes them. Open issues carrying the label, per installation, bounded; runs resume from GitHub's state.
 */
export async function resumeInterruptedRuns(
  app: Probot,
  enqueue: (job: RunJob) => Promise<void>,
  botLogin: () => Promise<string>,
  log: Logger,
  limits: ScanLimits = { repositories: 200, issuesPerRepository: 100 },
): Promise<number> {
  const appOctokit = await app.auth();
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  const bot = await botLogin();
  let resumed = 0;
  for (const installation of installations) {
    const octokit = (await app.auth(installation.id)) as Octokit;
    const repos = (await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })).slice(
      0,
      limits.repositories,
    );
    for (const repository of repos) {
      const repo = { owner: repository.owner.login, repo: repository.name };
      const config = await loadRepoConfig(octokit, repo);
      if (!config.ok) continue;
      const { data: issues } = await octokit.rest.issues.listForRepo({
        ...repo,
        labels: config.config.label,
        state: "open",
        per_page: Math.min(100, limits.issuesPerRepository),
      });
      for (const issue of issues) {
        if (issue.pull_request) continue;
        const comment = await findPlanComment(octokit, { ...repo, issue_number: issue.number }, bot);
        const plan = comment && readPlan(comment);
        if (!plan || !isActive(plan.phase)) continue;
        await enqueue(jobFor(installation.id, repository, issue.number));
        resumed++;
      }
    }
  }
  if (resumed > 0) log.info({ resumed }, "resumed interrupted runs");
  return resumed;
}
