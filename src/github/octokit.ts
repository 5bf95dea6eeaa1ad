import type { ProbotOctokit } from "probot";

/** The installation-authenticated client the domain functions take (never a Probot Context). */
export type Octokit = InstanceType<typeof ProbotOctokit>;

// Type aliases, not interfaces: Octokit's parameters need an index signature, which only aliases infer.
export type RepoRef = { owner: string; repo: string };
export type IssueRef = RepoRef & { issue_number: number };
