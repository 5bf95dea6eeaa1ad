import type { RunCommand } from "./run-commands.js";

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
  approvedTask?: { hash: string; text: string; by: string };
  /** From `issues.edited`: the task before the edit (for the diff shown), and who edited it. */
  taskEdit?: { before: string; by: string };
  /** The plan comment's id once a worker bound it: later wake-ups read it instead of listing comments. */
  planCommentId?: number;
}

/**
 * Two wake-ups of the same run become one that carries both one's commands, the newest approved task,
 * and the text before the earliest edit (so the diff shown covers every edit since).
 */
export const mergeJobs = (a: RunJob, b: RunJob): RunJob => {
  const approvedTask = b.approvedTask ?? a.approvedTask;
  const taskEdit = a.taskEdit && b.taskEdit ? { before: a.taskEdit.before, by: b.taskEdit.by } : (b.taskEdit ?? a.taskEdit);
  const planCommentId = b.planCommentId ?? a.planCommentId;
  return {
    ...b,
    ...(planCommentId !== undefined ? { planCommentId } : {}),
    commands: [...(a.commands ?? []), ...(b.commands ?? [])],
    ...(approvedTask ? { approvedTask } : {}),
    ...(taskEdit ? { taskEdit } : {}),
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
  task?: Pick<RunJob, "approvedTask" | "taskEdit">,
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
