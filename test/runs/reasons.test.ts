import { describe, expect, it } from "vitest";
import { notes, reasons, replies, threadReplies } from "../../src/runs/reasons.js";
import { SHUTDOWN_REASON } from "../../src/runs/run-queue.js";

/** Every sentence a run says, with sample values: the text people read, exactly. */
const REASONS: Array<[string, string, string]> = [
  ["stoppedBy", reasons.stoppedBy("alice"), "stopped by @alice"],
  [
    "taskChanged",
    reasons.taskChanged(),
    "the issue's title or description changed after it was approved; someone with write access can comment `/l2mac accept` to go on with the new text",
  ],
  [
    "branchChanged",
    reasons.branchChanged("l2mac/issue-3"),
    "the plan's hidden state named another branch; this run pushes only to `l2mac/issue-3` (`branch_prefix` and the issue number), so it was set back. Comment `/l2mac continue` to go on there",
  ],
  [
    "unpricedBudget",
    reasons.unpricedBudget("my-model"),
    "`budgets.max_cost_usd` is set but the price of model `my-model` is unknown; the app's operator can set L2MAC_PRICE_INPUT and L2MAC_PRICE_OUTPUT (USD per million tokens)",
  ],
  [
    "windowTooSmall",
    reasons.windowTooSmall(4096, 120),
    "the model's context window (4,096 tokens) leaves only 120 tokens for the issue's description, too few to plan from; the app's operator can configure a model with a larger window",
  ],
  ["planningFailed", reasons.planningFailed("the model sent no steps"), "planning failed: the model sent no steps"],
  [
    "planTooLong",
    reasons.planTooLong(40),
    "the planned program (40 instructions) is too long for one GitHub comment; lower `max_instructions` in `.github/l2mac.yml` or shorten the issue, then comment `/l2mac continue`",
  ],
  [
    "unpushed",
    reasons.unpushed("l2mac/issue-3", ["a.ts", "b.ts"]),
    "commits here could not be pushed: someone pushed conflicting changes to `l2mac/issue-3` (a.ts, b.ts); resolve it on the branch, then comment `/l2mac continue`",
  ],
  [
    "pushConflict",
    reasons.pushConflict("l2mac/issue-3", 2, []),
    "someone pushed to `l2mac/issue-3` changes that conflict with instruction 2 (unknown files); resolve it on the branch, then comment `/l2mac continue` to redo the instruction",
  ],
  [
    "branchDeleted",
    reasons.branchDeleted("l2mac/issue-3"),
    'the branch `l2mac/issue-3` was deleted on GitHub after this run had pushed to it, so the run did not create it again from the default branch; restore the branch (the pull request\'s "Restore branch" button, or push it again), then comment `/l2mac continue`',
  ],
  ["fixChangedNothing", reasons.fixChangedNothing(2, 3), "fix attempt 2 for instruction 3 changed nothing while CI still fails"],
  [
    "ciTooSlow",
    reasons.ciTooSlow("abc1234", 30),
    "CI for `abc1234` has not finished after 30 minutes; comment `/l2mac continue` to wait again",
  ],
  [
    "ciUnusable",
    reasons.ciUnusable("abc1234", "[CI](u) ended as `cancelled`"),
    "CI for `abc1234` could not judge the change: [CI](u) ended as `cancelled`. That is not a test failure, so there is nothing for the agent to fix; re-run the workflow or fix its setup, then comment `/l2mac continue`",
  ],
  [
    "ciStillFails (one attempt)",
    reasons.ciStillFails("abc1234", 1, ["CI / test"]),
    "CI still fails on `abc1234` after 1 fix attempt (CI / test); fix it on the branch or edit the instruction, then comment `/l2mac continue`",
  ],
  [
    "ciStillFails (no job named)",
    reasons.ciStillFails("abc1234", 3, []),
    "CI still fails on `abc1234` after 3 fix attempts (see the run); fix it on the branch or edit the instruction, then comment `/l2mac continue`",
  ],
  ["noChanges", reasons.noChanges(), "the instructions made no changes, so there is no pull request"],
  ["unexpectedError", reasons.unexpectedError("x".repeat(400)), `unexpected error: ${"x".repeat(300)}`],
  ["ended (pull request closed)", reasons.ended("pull-closed"), "the pull request was closed"],
  ["ended (merged)", reasons.ended("pull-merged"), "the pull request was merged"],
  ["ended (issue closed)", reasons.ended("issue-closed"), "the issue was closed"],
  ["ended (label removed)", reasons.ended("unlabeled"), "the L2MAC label was removed"],
  ["shutdown", SHUTDOWN_REASON, "interrupted because the worker shut down; it will resume"],
];

const NOTES: Array<[string, string, string]> = [
  [
    "branchPinned",
    notes.branchPinned("main", "l2mac/issue-3"),
    "The plan's hidden state named branch `main`; this run pushes only to `l2mac/issue-3`.",
  ],
  [
    "taskCut",
    notes.taskCut(12_000, 3_000),
    "The issue's description is 12,000 tokens; only the first 3,000 fit the model's context window, so the rest was not used.",
  ],
  ["instructionsCut (one)", notes.instructionsCut(1), "One planned instruction was longer than 1,000 characters and was cut."],
  ["instructionsCut (more)", notes.instructionsCut(3), "3 planned instructions were longer than 1,000 characters and were cut."],
  [
    "baseRed",
    notes.baseRed([]),
    "The default branch's CI is already failing (see its runs); those failures are not sent to the agent to fix.",
  ],
  [
    "noCi",
    notes.noCi("abc1234", 3, "l2mac/issue-3"),
    "No GitHub Actions run appeared for `abc1234` within 3 minutes: no CI covers `l2mac/issue-3`, so the run continues on syntax checks alone.",
  ],
  [
    "failsAsOnBase",
    notes.failsAsOnBase("abc1234", ["CI / lint"]),
    "CI for `abc1234` fails only in jobs that also fail on the default branch (CI / lint); not blamed on this run.",
  ],
  [
    "instructionFilesRead",
    notes.instructionFilesRead(["AGENTS.md", "CONTRIBUTING.md"]),
    "Read the repository's instructions for agents: `AGENTS.md`, `CONTRIBUTING.md`; every instruction follows them.",
  ],
  ["replanned", notes.replanned("alice"), "Re-planned by @alice: the unchecked items were replaced."],
  ["taskAccepted", notes.taskAccepted("alice"), "The changed issue description was accepted by @alice."],
  [
    "reviewItemsLeftOut",
    notes.reviewItemsLeftOut(2),
    "2 requests of a review did not fit the program (at most 100 items and 40,000 characters of them) and were left out.",
  ],
];

const THREAD_REPLIES: Array<[string, string, string]> = [
  [
    "done",
    threadReplies.done("0123456789abcdef", "https://github.com/o/r/commit/0123456789abcdef", "Renamed greet to hello."),
    "Done in [`0123456`](https://github.com/o/r/commit/0123456789abcdef): Renamed greet to hello.",
  ],
  ["doneNoChange", threadReplies.doneNoChange("It was already so."), "Done, with no change to the files: It was already so."],
  ["skipped", threadReplies.skipped(), "Skipped: the item was ticked off in the checklist without being run."],
  ["unfinished", threadReplies.unfinished("the budget is spent"), "Not done yet, the run stopped on it: the budget is spent"],
];

const REPLIES: Array<[string, string, string]> = [
  [
    "status",
    replies.status("paused", "stopped by @alice"),
    "The run is paused: stopped by @alice. Comment `/l2mac continue` to resume it.",
  ],
  [
    "status (no reason)",
    replies.status("failed", undefined),
    "The run is failed: no reason recorded. Comment `/l2mac continue` to resume it.",
  ],
  [
    "replanFailed",
    replies.replanFailed("alice", "the model sent no steps"),
    "@alice re-planning failed, the program is unchanged: the model sent no steps",
  ],
  [
    "nothingToContinue",
    replies.nothingToContinue("alice"),
    "@alice Nothing to continue: every item of the program is done. Add or untick items first.",
  ],
  ["nothingToAccept", replies.nothingToAccept("alice"), "@alice there is no changed title or description to accept."],
  [
    "changedAgain",
    replies.changedAgain("alice"),
    "@alice the issue changed again after the diff you saw; review the new diff, then accept again.",
  ],
  [
    "notAccepted",
    replies.notAccepted("alice", "continue"),
    "@alice the issue's title or description changed and nobody has accepted the change yet, so `/l2mac continue` was not done. Review the diff, then comment `/l2mac accept`.",
  ],
];

describe("what a run says", () => {
  it.each(REASONS)("reason %s", (_name, text, expected) => {
    expect(text).toBe(expected);
    // Shown after "paused:" or "failed:" in the status line: a clause, not a sentence.
    expect(text).not.toMatch(/\.$/);
  });

  it.each(NOTES)("note %s", (_name, text, expected) => {
    expect(text).toBe(expected);
    expect(text).toMatch(/^[A-Z0-9].*\.$/);
  });

  it.each(REPLIES)("reply %s", (_name, text, expected) => {
    expect(text).toBe(expected);
    expect(text).toMatch(/^(@alice |The )/);
  });

  it.each(THREAD_REPLIES)("thread reply %s", (_name, text, expected) => {
    expect(text).toBe(expected);
    // Each says first what became of the comment.
    expect(text).toMatch(/^(Done|Skipped|Not done)/);
  });

  it("tells a person waiting on a reason what to comment, in the same words", () => {
    const mentions = [...REASONS, ...REPLIES].flatMap(([, text]) => [...text.matchAll(/comment `(\/l2mac [a-z]+)`/gi)].map((m) => m[1]));
    expect(mentions.length).toBeGreaterThan(8);
    expect(new Set(mentions)).toEqual(new Set(["/l2mac continue", "/l2mac accept"]));
  });

  it("covers every reason, note and reply the module has", () => {
    const tested = (table: Array<[string, string, string]>) => new Set(table.map(([name]) => name.split(" ")[0]));
    expect(tested(REASONS)).toEqual(new Set([...Object.keys(reasons), "shutdown"]));
    expect(tested(NOTES)).toEqual(new Set(Object.keys(notes)));
    expect(tested(REPLIES)).toEqual(new Set(Object.keys(replies)));
    expect(tested(THREAD_REPLIES)).toEqual(new Set(Object.keys(threadReplies)));
  });
});
