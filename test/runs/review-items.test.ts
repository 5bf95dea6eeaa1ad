import { describe, expect, it } from "vitest";
import type { Phase } from "../../src/github/phase.js";
import { MAX_ITEMS } from "../../src/github/plan.js";
import { runIssueOf, type PullRef } from "../../src/github/pull-payloads.js";
import { addReviewItems, type ReviewItem } from "../../src/runs/review-items.js";
import { applyEnd } from "../../src/runs/run-end.js";
import { mergeJobs, type RunJob } from "../../src/runs/run-job.js";
import { PHASES, planAt } from "./plans.js";

const NOW = new Date("2026-12-01T10:00:00Z");
const comment = (c: number, text = `Fix line ${c}.`): ReviewItem => ({
  text,
  origin: { by: "alice", url: `https://github.com/o/r/pull/3#discussion_r${c}`, pr: 3, c, p: "a.ts", l: c },
});

describe("review requests as items", () => {
  /** phase → the phase after a review added an item. */
  const RESUMED: Record<Phase, Phase> = {
    planning: "planning",
    "awaiting-approval": "awaiting-approval",
    running: "running",
    evaluating: "evaluating",
    finishing: "finishing",
    done: "running",
    paused: "running",
    failed: "running",
    // A closed pull request's run waits for `/l2mac continue`, whatever is added meanwhile.
    stopped: "stopped",
  };
  it.each(PHASES)("a review on a run that is %s", (phase) => {
    const plan = addReviewItems(planAt(phase), [comment(11)], "alice", NOW);
    expect(plan.phase).toBe(RESUMED[phase]);
    expect(plan.instructions.at(-1)).toMatchObject({ id: 4, text: "Fix line 11.", status: "pending", origin: { c: 11 } });
    expect(plan.nextId).toBe(5);
  });

  it("takes a line comment or a review once, however often it is asked for", () => {
    const once = addReviewItems(planAt("done"), [comment(11), comment(12), comment(11)], "alice", NOW);
    const twice = addReviewItems(once, [comment(12), comment(13)], "alice", NOW);
    expect(twice.instructions.map((i) => i.origin?.c)).toEqual([undefined, undefined, undefined, 11, 12, 13]);
  });

  it("adds nothing past the program's bounds, and says how many requests were left out", () => {
    const many = Array.from({ length: MAX_ITEMS + 5 }, (_, i) => comment(i + 100));
    const plan = addReviewItems(planAt("done"), many, "alice", NOW);
    expect(plan.instructions).toHaveLength(MAX_ITEMS);
    expect(plan.notes?.at(-1)).toMatch(/^8 requests of a review did not fit the program/);
  });
});

describe("the end of a run", () => {
  /** end × phase → the phase after it. */
  const cases: Array<[Parameters<typeof applyEnd>[1], Phase, Phase]> = [
    ["pull-closed", "running", "stopped"],
    ["pull-closed", "evaluating", "stopped"],
    ["pull-closed", "done", "stopped"],
    ["pull-merged", "running", "done"],
    ["pull-merged", "paused", "done"],
    ["issue-closed", "running", "stopped"],
    ["issue-closed", "done", "done"],
    ["unlabeled", "awaiting-approval", "stopped"],
    ["unlabeled", "done", "done"],
  ];
  it.each(cases)("%s on a run that is %s", (end, phase, after) => {
    const plan = applyEnd(planAt(phase, { current: 2 }), end);
    expect(plan.phase).toBe(after);
    if (after === "stopped") expect(plan.current).toBeUndefined();
  });

  it("keeps a merge when the issue closing with it arrives in the same wake-up, and drops what came before a close", () => {
    const job = (extra: Partial<RunJob>): RunJob => ({
      installationId: 1,
      owner: "o",
      repo: "r",
      issueNumber: 1,
      cloneUrl: "",
      defaultBranch: "main",
      htmlUrl: "",
      ...extra,
    });
    expect(mergeJobs(job({ end: "pull-merged" }), job({ end: "issue-closed" })).end).toBe("pull-merged");
    const closed = mergeJobs(job({ commands: [{ name: "continue", actor: "alice" }] }), job({ end: "pull-closed" }));
    expect(closed.commands).toEqual([]);
    const reopened = mergeJobs(job({ end: "pull-closed" }), job({ commands: [{ name: "continue", actor: "alice" }] }));
    expect(reopened).toMatchObject({ end: "pull-closed", commands: [{ name: "continue" }] });
  });
});

describe("the run a pull request belongs to", () => {
  const pull = (extra: Partial<PullRef> = {}): PullRef => ({
    number: 9,
    state: "open",
    html_url: "https://github.com/o/r/pull/9",
    user: { login: "l2mac[bot]", type: "Bot" },
    head: { ref: "l2mac/issue-4", repo: { full_name: "o/r" } },
    ...extra,
  });
  it.each([
    ["the app's branch", pull(), 4],
    ["someone else's pull request from the branch", pull({ user: { login: "mallory" } }), undefined],
    ["a fork's branch of the same name", pull({ head: { ref: "l2mac/issue-4", repo: { full_name: "mallory/r" } } }), undefined],
    ["another prefix", pull({ head: { ref: "feature/issue-4", repo: { full_name: "o/r" } } }), undefined],
    ["a longer name", pull({ head: { ref: "l2mac/issue-4-x", repo: { full_name: "o/r" } } }), undefined],
  ])("%s", (_name, p, issue) => {
    expect(runIssueOf(p, "O/R", "l2mac/", "l2mac[bot]")).toBe(issue);
  });
});
