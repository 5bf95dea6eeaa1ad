import { MAX_ITEMS } from "../github/plan.js";
import type { RunCommand } from "./run-commands.js";

/**
 * Review requests one wake-up carries at most (the newest kept): a program holds MAX_ITEMS items, and
 * a review's line comments also arrive one event each, so twice that is room for every item.
 */
export const MAX_REVIEW_REQUESTS = 2 * MAX_ITEMS;

/**
 * What a writer asked for on the run's pull request, to become instructions: a submitted review (its
 * line comments are read by the worker), a single line comment outside a review, or `/l2mac <text>`.
 */
export type ReviewRequest =
  | { kind: "review"; pr: number; review: number; by: string; url: string; body: string }
  | { kind: "comment"; pr: number; comment: number; by: string }
  | { kind: "instruction"; pr: number; by: string; url: string; text: string };

/** Why a run ends without a person's command: its pull request closed or merged, its issue closed or unlabelled. */
export type RunEnd = "pull-closed" | "pull-merged" | "issue-closed" | "unlabeled";

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
  /** Commands to apply before advancing, in order. */
  commands?: RunCommand[];
  /**
   * The task (issue title and body, sanitised) as the writer who added the label saw it, from the
   * `issues.labeled` payload: only this text may be planned; a different one waits for `/l2mac accept`.
   */
  approvedTask?: { hash: string; text: string; by: string; title?: string };
  /**
   * The job is the label's own wake-up (not yet applied): the issue is read before planning, even with a
   * known plan comment, so an edit racing the label is seen. Later wake-ups of the same text need no read.
   */
  labelled?: boolean;
  /** From `issues.edited`: the task before the edit (for the diff shown), and who edited it. */
  taskEdit?: { before: string; by: string };
  /** Reviews and comments on the run's pull request, applied before the commands. */
  reviews?: ReviewRequest[];
  /** The run's pull request or issue was closed: applied first (a later `/l2mac continue` may resume it). */
  end?: RunEnd;
  /** The pull request whose closing is the end: another of the branch's pull requests (not the run's now) ends nothing. */
  endPull?: number;
  /** The plan comment's id once a worker bound it: later wake-ups read it instead of listing comments. */
  planCommentId?: number;
}

/** Whether a job carries something to apply (not only a wake-up): it must then not be dropped or collapsed. */
export const carriesWork = (job: RunJob): boolean => Boolean(job.commands?.length || job.reviews?.length || job.end || job.labelled);

/** The job once applied: what it carried must not be applied again when it comes back (a CI poll). */
export const applied = (job: RunJob): RunJob => ({
  ...job,
  commands: undefined,
  reviews: undefined,
  end: undefined,
  endPull: undefined,
  labelled: undefined,
});

/** GitHub's bound on an issue title, kept here too: the title travels in jobs. */
export const MAX_TITLE_CHARS = 256;

/**
 * Two wake-ups of the same run become one that carries both one's commands and reviews, the newest
 * approved task, the text before the earliest edit (so the diff shown covers every edit since), and an end.
 */
export const mergeJobs = (a: RunJob, b: RunJob): RunJob => {
  const approvedTask = b.approvedTask ?? a.approvedTask;
  const taskEdit = a.taskEdit && b.taskEdit ? { before: a.taskEdit.before, by: b.taskEdit.by } : (b.taskEdit ?? a.taskEdit);
  // An end that came after a's commands and reviews overrides them (a closed pull request is not continued).
  const earlier: Pick<RunJob, "reviews" | "commands"> = b.end ? {} : a;
  const reviews = [...(earlier.reviews ?? []), ...(b.reviews ?? [])].slice(-MAX_REVIEW_REQUESTS);
  // A merge is final: the issue closing with it does not make the run merely stopped.
  const ender = a.end === "pull-merged" || !b.end ? a : b;
  const { end, endPull } = ender;
  const planCommentId = b.planCommentId ?? a.planCommentId;
  return {
    ...b,
    ...(planCommentId !== undefined ? { planCommentId } : {}),
    commands: [...(earlier.commands ?? []), ...(b.commands ?? [])],
    ...(reviews.length > 0 ? { reviews } : {}),
    ...(end ? { end } : {}),
    endPull,
    ...(approvedTask ? { approvedTask } : {}),
    ...(taskEdit ? { taskEdit } : {}),
    ...(a.labelled || b.labelled ? { labelled: true } : {}),
  };
};

export const jobKey = (job: Pick<RunJob, "owner" | "repo" | "issueNumber">): string =>
  `${job.owner}/${job.repo}#${job.issueNumber}`.toLowerCase();

/** The repository fields a job needs, as webhook payloads and the REST API both give them. */
export interface RepositoryRef {
  owner: { login: string };
  name: string;
  clone_url: string;
  default_branch: string;
  html_url: string;
}

export function jobFor(
  installationId: number,
  repository: RepositoryRef,
  issueNumber: number,
  commands?: RunCommand[],
  task?: Pick<RunJob, "approvedTask" | "labelled" | "taskEdit" | "reviews" | "end" | "endPull">,
): RunJob {
  return {
    installationId,
    owner: repository.owner.login,
    repo: repository.name,
    issueNumber,
    cloneUrl: repository.clone_url,
    defaultBranch: repository.default_branch,
    htmlUrl: repository.html_url,
    ...(commands ? { commands } : {}),
    ...task,
  };
}
