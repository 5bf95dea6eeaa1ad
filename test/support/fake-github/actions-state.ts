import type { FakeAnnotation } from "./actions-log.js";
import type { FakeRepo, FakeUser } from "./state.js";
import type { JobSpec, ParsedWorkflow } from "./workflow-file.js";

/** Workflow runs, jobs and steps of the fake GitHub Actions runner. */

/** Conclusions a test can force on a workflow instead of running it. */
export type ForcedConclusion = "cancelled" | "timed_out" | "action_required" | "startup_failure";

export type RunStatus = "queued" | "in_progress" | "completed";

export type RunConclusion = "success" | "failure" | ForcedConclusion;

export interface FakeWorkflow {
  id: number;
  path: string;
  /** The workflow's `name:` as last seen, or its path. */
  name: string;
  createdAt: string;
  runCount: number;
}

export interface FakeCommitInfo {
  sha: string;
  treeSha: string;
  message: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
  timestamp: string;
}

export interface FakeStep {
  name: string;
  number: number;
  status: RunStatus;
  conclusion: "success" | "failure" | "skipped" | "cancelled" | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface FakeJob {
  id: number;
  runId: number;
  name: string;
  status: RunStatus;
  conclusion: "success" | "failure" | "skipped" | "cancelled" | "timed_out" | null;
  createdAt: string;
  startedAt: string;
  completedAt: string | null;
  labels: string[];
  steps: FakeStep[];
  /** Check-run annotations (the job id is the check-run id). */
  annotations: FakeAnnotation[];
  /** The downloadable log, set once the job completed. */
  logText?: string;
  runnerName: string | null;
  spec?: JobSpec;
}

export interface FakeWorkflowRun {
  id: number;
  repo: FakeRepo;
  workflow: FakeWorkflow;
  parsed: ParsedWorkflow;
  runNumber: number;
  checkSuiteId: number;
  headSha: string;
  headBranch: string;
  headCommit: FakeCommitInfo;
  event: "push" | "pull_request" | "workflow_dispatch";
  /** Where the head commit came from: the repository itself, or a fork (a pull request from it). */
  headRepo: FakeRepo;
  status: RunStatus;
  conclusion: RunConclusion | null;
  /** Set at creation from setConclusionOverride: the run is not executed. */
  forced?: ForcedConclusion;
  actor: FakeUser;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
  jobs: FakeJob[];
}
