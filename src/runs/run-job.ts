/** What a queued run needs to find everything else: all plain values, so any worker can take it. */
export interface RunJob {
  installationId: number;
  owner: string;
  repo: string;
  issueNumber: number;
  /** The payload's repository.clone_url (GitHub Enterprise works unchanged). */
  cloneUrl: string;
  defaultBranch: string;
  /** The repository's web URL, for links in comments. */
  htmlUrl: string;
}

export const jobKey = (job: Pick<RunJob, "owner" | "repo" | "issueNumber">): string => `${job.owner}/${job.repo}#${job.issueNumber}`.toLowerCase();
