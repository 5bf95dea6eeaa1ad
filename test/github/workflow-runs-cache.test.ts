import { Octokit as RestOctokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runsForCommit, WorkflowRunsCache } from "../../src/github/actions.js";
import type { Octokit } from "../../src/github/octokit.js";

const API = "https://api.github.com";
const repo = { owner: "acme", repo: "demo" };
const commit = { sha: "a".repeat(40), branch: "l2mac/issue-1" };
const octokit = () => new RestOctokit({ auth: "ghs_installation_token" }) as unknown as Octokit;

const run = {
  id: 7,
  name: "CI",
  status: "completed",
  conclusion: "success",
  html_url: "https://github.com/acme/demo/actions/runs/7",
  created_at: "2026-11-22T10:00:00Z",
  event: "push",
  head_branch: commit.branch,
  head_repository: { full_name: "acme/demo" },
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("the workflow-runs cache", () => {
  it("asks again with the ETag and reuses its answer on 304; another app's cache knows nothing of it", async () => {
    const first = nock(API)
      .get("/repos/acme/demo/actions/runs")
      .query(true)
      .reply(200, { total_count: 1, workflow_runs: [run] }, { etag: '"v1"' });
    const cache = new WorkflowRunsCache();
    const runs = await runsForCommit(octokit(), repo, commit, cache);
    expect(runs.map((r) => [r.id, r.conclusion])).toEqual([[7, "success"]]);
    expect(first.isDone()).toBe(true);

    const unchanged = nock(API, { reqheaders: { "if-none-match": '"v1"' } })
      .get("/repos/acme/demo/actions/runs")
      .query(true)
      .reply(304, "");
    expect(await runsForCommit(octokit(), repo, commit, cache)).toEqual(runs);
    expect(unchanged.isDone()).toBe(true);

    // A second app instance has its own cache: it asks without a condition.
    const fresh = nock(API, { badheaders: ["if-none-match"] })
      .get("/repos/acme/demo/actions/runs")
      .query(true)
      .reply(200, { total_count: 0, workflow_runs: [] }, { etag: '"v2"' });
    expect(await runsForCommit(octokit(), repo, commit, new WorkflowRunsCache())).toEqual([]);
    expect(fresh.isDone()).toBe(true);
  });
});
