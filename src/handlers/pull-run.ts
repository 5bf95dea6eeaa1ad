import type { Context } from "probot";
import type { RepoConfig } from "../config.js";
import type { Octokit, RepoRef } from "../github/octokit.js";
import { PullSchema, runIssueOf, type PullRef } from "../github/pull-payloads.js";
import { loadRepoConfig } from "../github/repo-config.js";

/** The run a pull request belongs to: its issue and the repository's config; or why there is none. */
export type LinkedRun = { ok: true; issue: number; config: RepoConfig } | { ok: false; why: string };

/** Only the app's own pull request, from its branch in this repository, belongs to a run. */
export async function linkedRun(
  octokit: Octokit,
  repo: RepoRef,
  repoFullName: string,
  pull: PullRef,
  botLogin: string,
): Promise<LinkedRun> {
  // The default prefix needs no config read to tell that someone else's pull request is not a run's.
  if (pull.user?.login !== botLogin) return { ok: false, why: "not the app's pull request" };
  const loaded = await loadRepoConfig(octokit, repo);
  if (!loaded.ok) return { ok: false, why: "the repository's configuration is invalid" };
  const issue = runIssueOf(pull, repoFullName, loaded.config.branch_prefix, botLogin);
  return issue ? { ok: true, issue, config: loaded.config } : { ok: false, why: "the pull request is not from an L2MAC branch" };
}

/** A pull request's number as the issue-comment payload gives it: its fields are read from the API. */
export async function pullOf(octokit: Octokit, repo: RepoRef, number: number): Promise<PullRef | undefined> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
  const parsed = PullSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** Who acts: a bot (another app, a workflow) or the app itself is never taken as a person's request. */
export async function isBotOrSelf(
  context: Pick<Context, "isBot">,
  sender: { login: string; type?: string },
  botLogin: () => Promise<string>,
) {
  return context.isBot || sender.type === "Bot" || sender.login === (await botLogin());
}
