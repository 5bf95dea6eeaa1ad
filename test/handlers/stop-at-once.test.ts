import type { Context } from "probot";
import { describe, expect, it } from "vitest";
import { ConfiguredLabels } from "../../src/github/configured-labels.js";
import { stopOnIssueEnded, stopOnPullClosed } from "../../src/handlers/stop-at-once.js";
import type { RunJob } from "../../src/runs/run-job.js";

const repository = {
  full_name: "acme/demo",
  name: "demo",
  owner: { login: "acme" },
  clone_url: "https://github.example/acme/demo.git",
  default_branch: "main",
  html_url: "https://github.example/acme/demo",
};

/** A context whose Octokit may not be touched: stopping a run needs no GitHub request. */
function contextOf<E extends "pull_request.closed" | "issues.closed" | "issues.unlabeled">(payload: object): Context<E> {
  const context = { payload: { repository, installation: { id: 9 }, sender: { login: "alice" }, ...payload } };
  Object.defineProperty(context, "octokit", {
    get: () => {
      throw new Error("a GitHub request before the acknowledgement");
    },
  });
  return Object.assign(context, { repo: () => ({ owner: "acme", repo: "demo" }) }) as unknown as Context<E>;
}

const pull = (over: { login?: string; ref?: string; headRepo?: string; merged?: boolean } = {}) => ({
  action: "closed",
  pull_request: {
    number: 3,
    state: "closed",
    merged: over.merged ?? false,
    html_url: "https://github.example/acme/demo/pull/3",
    user: { login: over.login ?? "l2mac[bot]", type: "Bot" },
    head: { ref: over.ref ?? "l2mac/issue-7", repo: { full_name: over.headRepo ?? "acme/demo" } },
  },
});

function recorder() {
  const aborted: Array<{ job: Pick<RunJob, "owner" | "repo" | "issueNumber">; reason: string }> = [];
  const abort = (job: RunJob, reason: string) =>
    aborted.push({ job: { owner: job.owner, repo: job.repo, issueNumber: job.issueNumber }, reason });
  return { aborted, abort };
}

describe("stopping a running instruction before the acknowledgement", () => {
  it("stops the run of the app's own pull request when it is closed or merged, whatever the branch prefix", async () => {
    const { aborted, abort } = recorder();
    const stop = stopOnPullClosed({ botLogin: async () => "l2mac[bot]", abort });
    await stop(contextOf(pull()));
    await stop(contextOf(pull({ ref: "bots/ai/issue-12", merged: true })));
    expect(aborted).toEqual([
      { job: { owner: "acme", repo: "demo", issueNumber: 7 }, reason: "the pull request was closed" },
      { job: { owner: "acme", repo: "demo", issueNumber: 12 }, reason: "the pull request was merged" },
    ]);
  });

  it("stops nothing for someone else's pull request, a fork's branch of the same name, or a branch that is not an issue's", async () => {
    const { aborted, abort } = recorder();
    const stop = stopOnPullClosed({ botLogin: async () => "l2mac[bot]", abort });
    await stop(contextOf(pull({ login: "mallory" })));
    await stop(contextOf(pull({ headRepo: "mallory/demo" })));
    await stop(contextOf(pull({ ref: "l2mac/feature" })));
    expect(aborted).toEqual([]);
  });

  it("stops the run of an issue closed with the label, or whose label was removed; not for other labels", async () => {
    const { aborted, abort } = recorder();
    const labels = new ConfiguredLabels();
    const stop = stopOnIssueEnded({ abort, labels });
    const issue = (labelNames: string[]) => ({ number: 5, labels: labelNames.map((name) => ({ name })) });
    await stop(contextOf({ action: "closed", issue: issue(["bug", "l2mac"]) }));
    await stop(contextOf({ action: "closed", issue: issue(["bug"]) }));
    await stop(contextOf({ action: "unlabeled", issue: issue([]), label: { name: "bug" } }));
    await stop(contextOf({ action: "unlabeled", issue: issue([]), label: { name: "ai" } }));
    // Once the repository's configured label is known, it counts too.
    labels.remember({ owner: "acme", repo: "demo" }, "ai");
    await stop(contextOf({ action: "unlabeled", issue: issue([]), label: { name: "ai" } }));
    expect(aborted).toEqual([
      { job: { owner: "acme", repo: "demo", issueNumber: 5 }, reason: "the issue was closed" },
      { job: { owner: "acme", repo: "demo", issueNumber: 5 }, reason: "the L2MAC label was removed" },
    ]);
  });
});
