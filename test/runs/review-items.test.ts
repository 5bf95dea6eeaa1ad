import { Octokit as RestOctokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/octokit.js";
import type { Phase } from "../../src/github/phase.js";
import { MAX_ITEMS } from "../../src/github/plan.js";
import { runIssueOf, type PullRef } from "../../src/github/pull-payloads.js";
import { addReviewItems, planWithReviews, reviewItems, type ReviewItem } from "../../src/runs/review-items.js";
import { renderPlanComment } from "../../src/github/checklist.js";
import { applyEnd } from "../../src/runs/run-end.js";
import { MAX_REVIEW_REQUESTS, mergeJobs, type ReviewRequest, type RunJob } from "../../src/runs/run-job.js";
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
    // The pull request an end came from goes with it.
    expect(mergeJobs(job({ end: "pull-merged", endPull: 5 }), job({ end: "issue-closed" }))).toMatchObject({
      end: "pull-merged",
      endPull: 5,
    });
    expect(mergeJobs(job({ end: "pull-closed", endPull: 5 }), job({ end: "unlabeled" })).endPull).toBeUndefined();
  });

  it("ends nothing when the pull request closed is not the run's (an earlier one from its branch)", () => {
    const plan = { ...planAt("done"), pr: 7 };
    expect(applyEnd(plan, "pull-closed", 5)).toBe(plan);
    expect(applyEnd(plan, "pull-merged", 5)).toBe(plan);
    expect(applyEnd(plan, "pull-closed", 7).phase).toBe("stopped");
    // A run that opened no pull request yet: any of its branch's (the app's) ends it.
    expect(applyEnd(planAt("running"), "pull-closed", 5).phase).toBe("stopped");
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

describe("reading what review requests point at", () => {
  const API = "https://api.github.com";
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const octokit = () => new RestOctokit({ auth: "ghs_installation_token", log: quiet }) as unknown as Octokit;
  const repo = { owner: "acme", repo: "demo" };
  const request = (id: number): ReviewRequest => ({ kind: "comment", pr: 3, comment: id, by: "alice" });
  const commentJson = (id: number) => ({
    id,
    body: `Fix line ${id}.`,
    path: "a.ts",
    line: 1,
    diff_hunk: "@@ -1 +1 @@\n+a",
    html_url: `https://github.com/acme/demo/pull/3#discussion_r${id}`,
    pull_request_review_id: 5,
    user: { login: "alice", type: "User" },
  });
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("does not read again a line comment the plan already holds (a review's comments arrive as single events too)", async () => {
    const plan = addReviewItems(planAt("done"), [comment(11)], "alice", NOW);
    // Only comment 12 is read: nock refuses any other request.
    const scope = nock(API).get("/repos/acme/demo/pulls/comments/12").reply(200, commentJson(12));
    const { items } = await reviewItems(octokit(), repo, [request(11), request(12), request(11)], plan, quiet);
    scope.done();
    expect(items.map((i) => i.origin.c)).toEqual([12]);
  });

  it("leaves out (and counts) the line comments that would make the plan comment too long for GitHub, rather than failing its save", async () => {
    const long = (id: number) => ({ ...commentJson(id), path: `src/${"deep/".repeat(80)}file.ts`, body: "x".repeat(400) });
    nock(API)
      .get(/\/repos\/acme\/demo\/pulls\/comments\/\d+$/)
      .times(90)
      .reply((uri) => [200, long(Number(uri.split("/").at(-1)))]);
    const requests = Array.from({ length: 90 }, (_, i) => request(i + 1));
    const at = { ...repo, url: "https://github.com/acme/demo" };
    const plan = await planWithReviews(octokit(), at, planAt("done"), requests, NOW, quiet);
    expect(() => renderPlanComment(plan, { repoUrl: at.url })).not.toThrow();
    const added = plan.instructions.length - planAt("done").instructions.length;
    expect(added).toBeGreaterThan(10);
    expect(added).toBeLessThan(90);
    expect(plan.notes?.at(-1)).toContain(`${90 - added} requests of a review did not fit`);
  });

  it("reads nothing once the program is full, and counts what it left out", async () => {
    const full = addReviewItems(
      planAt("done"),
      Array.from({ length: MAX_ITEMS }, (_, i) => comment(i + 100)),
      "alice",
      NOW,
    );
    expect(full.instructions).toHaveLength(MAX_ITEMS);
    const { items, unread } = await reviewItems(octokit(), repo, [request(1), request(2), request(3)], full, quiet);
    expect(items).toEqual([]);
    const plan = addReviewItems(full, items, "alice", NOW, unread);
    expect(plan.notes?.at(-1)).toMatch(/^3 requests of a review did not fit the program/);
  });
});

describe("a wake-up's review requests", () => {
  it("carries at most MAX_REVIEW_REQUESTS, the newest, however many line comments a writer posts in the window", () => {
    const base = { installationId: 1, owner: "o", repo: "r", issueNumber: 1, cloneUrl: "", defaultBranch: "main", htmlUrl: "" };
    let job: RunJob = base;
    for (let id = 1; id <= MAX_REVIEW_REQUESTS + 50; id++)
      job = mergeJobs(job, { ...base, reviews: [{ kind: "comment", pr: 3, comment: id, by: "alice" }] });
    expect(job.reviews).toHaveLength(MAX_REVIEW_REQUESTS);
    expect(job.reviews!.at(-1)).toMatchObject({ comment: MAX_REVIEW_REQUESTS + 50 });
  });
});
