import { describe, expect, it } from "vitest";
import { carriedText } from "../../src/runs/issue-text.js";
import { applied, mergeJobs, type RunJob } from "../../src/runs/run-job.js";
import { JOB, planAt } from "./plans.js";

const APPROVED = "hash-of-the-approved-text";
const approvedTask = { hash: APPROVED, text: "Greeting\n\nWrite greet.txt.", by: "alice", title: "Greeting" };
const base: RunJob = { ...JOB, planCommentId: 7 };
/** The label's job, and the same job as it comes back for CI (applied). */
const label: RunJob = { ...base, approvedTask, labelled: true };
const ciPoll = applied(label);
const running = planAt("running", { taskHash: APPROVED });

describe("when a wake-up may act on the approved text it carries instead of reading the issue", () => {
  it("takes the carried text for a CI wake-up of the text the run's state says was approved", () => {
    expect(carriedText(ciPoll, running)).toEqual({ title: "Greeting", task: approvedTask.text });
    // CI's webhook, merged into the scheduled poll, is still a wake-up with nobody's input.
    expect(carriedText(mergeJobs(ciPoll, base), running)).toEqual({ title: "Greeting", task: approvedTask.text });
  });

  it.each<[string, RunJob, Parameters<typeof carriedText>[1]]>([
    ["the label's own wake-up (an edit may race it)", label, running],
    ["the label's wake-up merged into a scheduled poll", mergeJobs(ciPoll, label), running],
    ["an edit's wake-up", { ...ciPoll, taskEdit: { before: "old", by: "rita" } }, running],
    ["an edit's wake-up merged into a scheduled poll", mergeJobs(ciPoll, { ...base, taskEdit: { before: "old", by: "rita" } }), running],
    ["a command", { ...ciPoll, commands: [{ name: "status", actor: "alice" }] }, running],
    ["a review", { ...ciPoll, reviews: [{ kind: "comment", pr: 2, comment: 3, by: "alice" }] }, running],
    ["the run's end", { ...ciPoll, end: "issue-closed" }, running],
    ["a job without the text (a wake-up after a restart)", base, running],
    [
      "a job without the title (queued before titles travelled)",
      { ...ciPoll, approvedTask: { ...approvedTask, title: undefined } },
      running,
    ],
    ["a run with no plan yet", ciPoll, undefined],
    ["a run whose approved text is another (accepted since)", ciPoll, planAt("running", { taskHash: "hash-of-the-accepted-text" })],
    ["a run with a change pending", ciPoll, planAt("paused", { taskHash: APPROVED, pendingTask: { hash: "changed", comment: 9 } })],
  ])("reads the issue for %s", (_name, job, plan) => {
    expect(carriedText(job, plan)).toBeUndefined();
  });
});
