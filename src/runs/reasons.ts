import { MAX_ITEM_CHARS, MAX_ITEMS, MAX_ITEMS_TEXT } from "../github/plan.js";
import type { RunEnd } from "./run-job.js";

/**
 * What a run tells people, in one place, so it stays consistent (test/runs/reasons.test.ts holds the
 * table). Three kinds:
 * - reasons: why a run paused, failed or ended, shown after "paused:" in the status line, so a clause
 *   with no final period; one that waits for a person says what to do next;
 * - notes: sentences shown under the status line;
 * - replies: comments on the issue, each a sentence that starts with whom it answers;
 * - thread replies: answers in a review comment's thread, about the instruction it became.
 */

const n = (count: number): string => count.toLocaleString("en-US");
const CONTINUE = "comment `/l2mac continue`";
const ACCEPT = "comment `/l2mac accept`";

export const reasons = {
  stoppedBy: (actor: string) => `stopped by @${actor}`,
  taskChanged: () =>
    `the issue's title or description changed after it was approved; someone with write access can ${ACCEPT} to go on with the new text`,
  branchChanged: (branch: string) =>
    `the plan's hidden state named another branch; this run pushes only to \`${branch}\` (\`branch_prefix\` and the issue number), so it was set back. Comment \`/l2mac continue\` to go on there`,
  unpricedBudget: (model: string) =>
    `\`budgets.max_cost_usd\` is set but the price of model \`${model}\` is unknown; the app's operator can set L2MAC_PRICE_INPUT and L2MAC_PRICE_OUTPUT (USD per million tokens)`,
  windowTooSmall: (contextWindow: number, taskTokens: number) =>
    `the model's context window (${n(contextWindow)} tokens) leaves only ${taskTokens} tokens for the issue's description, too few to plan from; the app's operator can configure a model with a larger window`,
  planningFailed: (message: string) => `planning failed: ${message}`,
  planTooLong: (instructions: number) =>
    `the planned program (${instructions} instructions) is too long for one GitHub comment; lower \`max_instructions\` in \`.github/l2mac.yml\` or shorten the issue, then ${CONTINUE}`,
  unpushed: (branch: string, files: readonly string[]) =>
    `commits here could not be pushed: someone pushed conflicting changes to \`${branch}\` (${files.join(", ")}); resolve it on the branch, then ${CONTINUE}`,
  pushConflict: (branch: string, instruction: number, files: readonly string[]) =>
    `someone pushed to \`${branch}\` changes that conflict with instruction ${instruction} (${files.join(", ") || "unknown files"}); resolve it on the branch, then ${CONTINUE} to redo the instruction`,
  branchDeleted: (branch: string) =>
    `the branch \`${branch}\` was deleted on GitHub after this run had pushed to it, so the run did not create it again from the default branch; restore the branch (the pull request's "Restore branch" button, or push it again), then ${CONTINUE}`,
  fixChangedNothing: (attempt: number, instruction: number) =>
    `fix attempt ${attempt} for instruction ${instruction} changed nothing while CI still fails`,
  ciTooSlow: (sha: string, minutes: number) => `CI for \`${sha}\` has not finished after ${minutes} minutes; ${CONTINUE} to wait again`,
  ciUnusable: (sha: string, runs: string) =>
    `CI for \`${sha}\` could not judge the change: ${runs}. That is not a test failure, so there is nothing for the agent to fix; re-run the workflow or fix its setup, then ${CONTINUE}`,
  ciStillFails: (sha: string, attempts: number, jobs: readonly string[]) =>
    `CI still fails on \`${sha}\` after ${attempts} fix attempt${attempts === 1 ? "" : "s"} (${jobs.join(", ") || "see the run"}); fix it on the branch or edit the instruction, then ${CONTINUE}`,
  noChanges: () => "the instructions made no changes, so there is no pull request",
  unexpectedError: (message: string) => `unexpected error: ${message.slice(0, 300)}`,
  /** Why a run stopped by itself: shown as "stopped: …"; reopening and `/l2mac continue` resume it. */
  ended: (why: RunEnd) => ENDED[why],
};

const ENDED: Record<RunEnd, string> = {
  "pull-closed": "the pull request was closed",
  "pull-merged": "the pull request was merged",
  "issue-closed": "the issue was closed",
  unlabeled: "the L2MAC label was removed",
};

/** Whether an abort's reason is a run's end (the run is then stopped, not paused). */
export const isEndReason = (reason: unknown): boolean => Object.values(ENDED).includes(reason as string);

export const notes = {
  branchPinned: (named: string, branch: string) =>
    `The plan's hidden state named branch \`${named.slice(0, 100)}\`; this run pushes only to \`${branch}\`.`,
  taskCut: (tokens: number, keptTokens: number) =>
    `The issue's description is ${n(tokens)} tokens; only the first ${n(keptTokens)} fit the model's context window, so the rest was not used.`,
  instructionsCut: (count: number) =>
    `${count === 1 ? "One planned instruction was" : `${count} planned instructions were`} longer than ${n(MAX_ITEM_CHARS)} characters and ${count === 1 ? "was" : "were"} cut.`,
  baseRed: (failingJobs: readonly string[]) =>
    `The default branch's CI is already failing (${failingJobs.join(", ") || "see its runs"}); those failures are not sent to the agent to fix.`,
  noCi: (sha: string, minutes: number, branch: string) =>
    `No GitHub Actions run appeared for \`${sha}\` within ${minutes} minutes: no CI covers \`${branch}\`, so the run continues on syntax checks alone.`,
  failsAsOnBase: (sha: string, jobs: readonly string[]) =>
    `CI for \`${sha}\` fails only in jobs that also fail on the default branch (${jobs.join(", ")}); not blamed on this run.`,
  instructionFilesRead: (files: readonly string[]) =>
    `Read the repository's instructions for agents: ${files.map((f) => `\`${f}\``).join(", ")}; every instruction follows them.`,
  replanned: (actor: string) => `Re-planned by @${actor}: the unchecked items were replaced.`,
  taskAccepted: (actor: string) => `The changed issue description was accepted by @${actor}.`,
  reviewItemsLeftOut: (count: number) =>
    `${count === 1 ? "One request" : `${count} requests`} of a review did not fit the program (at most ${MAX_ITEMS} items and ${MAX_ITEMS_TEXT.toLocaleString("en-US")} characters of them) and ${count === 1 ? "was" : "were"} left out.`,
};

export const replies = {
  status: (phase: string, reason: string | undefined) =>
    `The run is ${phase}: ${reason ?? "no reason recorded"}. Comment \`/l2mac continue\` to resume it.`,
  replanFailed: (actor: string, message: string) => `@${actor} re-planning failed, the program is unchanged: ${message}`,
  nothingToContinue: (actor: string) => `@${actor} Nothing to continue: every item of the program is done. Add or untick items first.`,
  nothingToAccept: (actor: string) => `@${actor} there is no changed title or description to accept.`,
  changedAgain: (actor: string) => `@${actor} the issue changed again after the diff you saw; review the new diff, then accept again.`,
  notAccepted: (actor: string, command: string) =>
    `@${actor} the issue's title or description changed and nobody has accepted the change yet, so \`/l2mac ${command}\` was not done. Review the diff, then ${ACCEPT}.`,
};

/** Replies in a review comment's thread: each about the instruction the comment became. */
export const threadReplies = {
  done: (commit: string, url: string, summary: string) => `Done in [\`${commit.slice(0, 7)}\`](${url}): ${summary}`,
  doneNoChange: (summary: string) => `Done, with no change to the files: ${summary}`,
  skipped: () => "Skipped: the item was ticked off in the checklist without being run.",
  unfinished: (reason: string) => `Not done yet, the run stopped on it: ${reason}`,
};
