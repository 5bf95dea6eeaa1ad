import type { IssueRef, Octokit } from "../github/octokit.js";
import type { Plan } from "../github/plan.js";
import { taskFromIssue } from "../github/sanitize.js";
import { carriesWork, type RunJob } from "./run-job.js";

/** The issue's title (for the pull request) and its task (sanitised title and body), as this wake-up acts on them. */
export interface IssueText {
  title: string;
  task: string;
}

/** The issue as GitHub has it now, with its comment count (none: no plan comment to look for). */
export async function readIssueText(octokit: Octokit, issue: IssueRef): Promise<IssueText & { comments: number }> {
  const { data } = await octokit.rest.issues.get(issue);
  return { title: data.title, task: taskFromIssue(data.title, data.body).task, comments: data.comments };
}

/**
 * The approved text the job carries, when this wake-up may act on it without reading the issue: a wake-up
 * that carries nobody's input (a CI poll, CI's webhook), of the very text the run's state says was approved,
 * with no change of it pending. The label's own wake-up, an edit's (its webhook carries `taskEdit`), a
 * command, a review, an end, and a job without the text read the issue, as before: a task change is seen
 * when its edit wakes the run.
 */
export function carriedText(job: RunJob, plan: Plan | undefined): IssueText | undefined {
  const approved = job.approvedTask;
  if (approved?.title === undefined || job.labelled || job.taskEdit || carriesWork(job)) return undefined;
  if (!plan || plan.taskHash !== approved.hash || plan.pendingTask) return undefined;
  return { title: approved.title, task: approved.text };
}
