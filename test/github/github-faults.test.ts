import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { PLAN_MARKER, renderPlanComment } from "../../src/github/checklist.js";
import { ConditionalCache, useConditionalRequests } from "../../src/github/conditional-requests.js";
import type { Octokit } from "../../src/github/octokit.js";
import { Permissions } from "../../src/github/permissions.js";
import { newPlan } from "../../src/github/plan.js";
import { createPlanComment, PlanCommentStore, RECREATED_NOTE } from "../../src/github/plan-comment.js";
import { PlanTrust } from "../../src/github/plan-trust.js";
import { upsertPullRequest } from "../../src/github/pull-request.js";
import { resilientOctokit } from "../../src/github/resilient-octokit.js";

/**
 * GitHub's bad minutes at the adapter level, with nock intercepting Octokit's fetch: each test says
 * exactly which requests were made, in order. The client is the production one (Probot's Octokit with
 * retries and throttling), with retry waits shortened.
 */

const API = "https://api.github.com";
const BOT = "l2mac[bot]";
const issue = { owner: "acme", repo: "demo", issue_number: 1 };
const Client = resilientOctokit(ProbotOctokit);
const client = (throttle = false) =>
  new Client({ auth: { token: "ghs_test" }, retry: { retryAfterBaseValue: 1 }, throttle: { enabled: throttle } }) as unknown as Octokit;

/** Every request nock answered, as "METHOD path". */
let seen: string[] = [];
const record = (scope: nock.Scope) =>
  scope.on("request", (req: { method: string; path: string }) => seen.push(`${req.method} ${req.path}`));

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  seen = [];
});

const ctx = () => ({ repoUrl: "https://github.com/acme/demo", trust: { guard: new PlanTrust(new Permissions()), botLogin: BOT } });
const plan = newPlan("run-1", "l2mac/issue-1", ["Write the file."]);
const commentJson = (id: number, body: string) => ({
  id,
  node_id: `IC_${id}`,
  body,
  user: { login: BOT, type: "Bot" },
  issue_url: `${API}/repos/acme/demo/issues/1`,
  updated_at: "2026-12-01T10:00:00Z",
});

describe("GitHub's faults, request by request", () => {
  it("retries a read answered 502, then takes the answer", async () => {
    const scope = record(
      nock(API)
        .get("/repos/acme/demo/issues/1")
        .reply(502, "Bad Gateway")
        .get("/repos/acme/demo/issues/1")
        .reply(200, { number: 1, title: "T" }),
    );
    const { data } = await client().rest.issues.get(issue);
    expect(data.title).toBe("T");
    expect(seen).toEqual(["GET /repos/acme/demo/issues/1", "GET /repos/acme/demo/issues/1"]);
    expect(scope.isDone()).toBe(true);
  });

  it("waits out a secondary rate limit's retry-after, then retries once", async () => {
    const limited = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." };
    record(
      nock(API)
        .get("/repos/acme/demo/issues/1")
        .reply(403, limited, { "retry-after": "1" })
        .get("/repos/acme/demo/issues/1")
        .reply(200, { number: 1, title: "T" }),
    );
    const started = Date.now();
    const { data } = await client(true).rest.issues.get(issue);
    expect(data.title).toBe("T");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(seen).toEqual(["GET /repos/acme/demo/issues/1", "GET /repos/acme/demo/issues/1"]);
  });

  it("writes a deleted plan comment again from the run's state, as a new comment", async () => {
    const original = `${PLAN_MARKER}\nold`;
    let posted = "";
    record(
      nock(API)
        .get("/repos/acme/demo/issues/1/comments")
        .query(true)
        .reply(200, [commentJson(5, original)])
        .get("/repos/acme/demo/issues/comments/5")
        .reply(404, { message: "Not Found" })
        .post("/repos/acme/demo/issues/1/comments", (b: { body: string }) => ((posted = b.body), true))
        .reply(201, commentJson(6, "new")),
    );
    const bound: number[] = [];
    const store = await PlanCommentStore.find(client(), issue, ctx(), { bound: (id) => bound.push(id) });
    const saved = await store.save({ ...plan, phase: "running" });
    expect(saved.notes).toContain(RECREATED_NOTE);
    expect(posted).toContain(PLAN_MARKER);
    expect(posted).toContain("wrote it again");
    expect(bound).toEqual([5, 6]);
    expect(seen).toEqual([
      "GET /repos/acme/demo/issues/1/comments?per_page=100",
      "GET /repos/acme/demo/issues/comments/5",
      "POST /repos/acme/demo/issues/1/comments",
    ]);
  });

  it("updates the open pull request when creating one answers 422 'a pull request already exists'", async () => {
    const exists = {
      message: "Validation Failed",
      errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:l2mac/issue-1." }],
    };
    record(
      nock(API)
        .post("/repos/acme/demo/pulls")
        .reply(422, exists)
        .get("/repos/acme/demo/pulls")
        .query({ state: "open", head: "acme:l2mac/issue-1", base: "main" })
        .reply(200, [{ number: 7 }])
        .patch("/repos/acme/demo/pulls/7")
        .reply(200, { number: 7, html_url: "https://github.com/acme/demo/pull/7", state: "open" }),
    );
    const pr = await upsertPullRequest(
      client(),
      { owner: "acme", repo: "demo" },
      { branch: "l2mac/issue-1", base: "main", title: "L2MAC: T", body: "B" },
    );
    expect(pr.number).toBe(7);
    expect(seen).toEqual([
      "POST /repos/acme/demo/pulls",
      "GET /repos/acme/demo/pulls?state=open&head=acme%3Al2mac%2Fissue-1&base=main",
      "PATCH /repos/acme/demo/pulls/7",
    ]);
  });

  it("does not create a comment twice when the first POST's answer was a 502: it looks first", async () => {
    const planning = { ...plan, phase: "planning" as const };
    const body = renderPlanComment(planning, ctx());
    record(
      nock(API)
        .post("/repos/acme/demo/issues/1/comments")
        .reply(502, "Bad Gateway")
        .get("/repos/acme/demo/issues/1/comments")
        .query(true)
        // The first POST did make it: GitHub failed only on the way back.
        .reply(200, [commentJson(9, body)]),
    );
    const made = await createPlanComment(client(), issue, planning, ctx());
    expect(made.id).toBe(9);
    expect(seen).toEqual(["POST /repos/acme/demo/issues/1/comments", "GET /repos/acme/demo/issues/1/comments?per_page=100"]);
  });

  it("creates the comment once more when the look finds that the failed POST made none", async () => {
    record(
      nock(API)
        .post("/repos/acme/demo/issues/1/comments")
        .replyWithError({ code: "ECONNRESET", message: "socket hang up" })
        .get("/repos/acme/demo/issues/1/comments")
        .query(true)
        .reply(200, [])
        .post("/repos/acme/demo/issues/1/comments")
        .reply(201, commentJson(10, "x")),
    );
    const made = await createPlanComment(client(), issue, { ...plan, phase: "planning" }, ctx());
    expect(made.id).toBe(10);
    expect(seen).toEqual([
      "POST /repos/acme/demo/issues/1/comments",
      "GET /repos/acme/demo/issues/1/comments?per_page=100",
      "POST /repos/acme/demo/issues/1/comments",
    ]);
  });

  it("sends the last ETag and answers a 304 from what it kept; an update's answer is the next read's", async () => {
    const octokit = client();
    useConditionalRequests(octokit, new ConditionalCache().forRun("installation 1"));
    record(
      nock(API)
        .get("/repos/acme/demo/issues/1")
        .reply(200, { number: 1, title: "T" }, { etag: '"i1"' })
        .get("/repos/acme/demo/issues/1")
        .matchHeader("if-none-match", '"i1"')
        .reply(304, "")
        .patch("/repos/acme/demo/issues/comments/5")
        .reply(200, commentJson(5, "written"), { etag: '"c2"' })
        .get("/repos/acme/demo/issues/comments/5")
        .matchHeader("if-none-match", '"c2"')
        .reply(304, ""),
    );
    expect((await octokit.rest.issues.get(issue)).data.title).toBe("T");
    const again = await octokit.rest.issues.get(issue);
    expect(again.status).toBe(200);
    expect(again.data.title).toBe("T");
    await octokit.rest.issues.updateComment({ owner: "acme", repo: "demo", comment_id: 5, body: "written" });
    expect((await octokit.rest.issues.getComment({ owner: "acme", repo: "demo", comment_id: 5 })).data.body).toBe("written");
    expect(seen).toEqual([
      "GET /repos/acme/demo/issues/1",
      "GET /repos/acme/demo/issues/1",
      "PATCH /repos/acme/demo/issues/comments/5",
      "GET /repos/acme/demo/issues/comments/5",
    ]);
  });
});

describe("an installation token GitHub refuses", () => {
  it("takes a new token after a 401 and sends the request once more with it", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    // A kept token taken ten minutes ago that GitHub no longer takes (revoked, or its clock ran out early):
    // @octokit/auth-app retries a 401 only within 5 s of a token's creation, so this one is ours to replace.
    const iso = (ms: number) => new Date(Date.now() + ms).toISOString();
    const kept = new Map([["7", `ghs_first|${iso(-600_000)}|${iso(3_000_000)}|all||`]]);
    const cache = { get: (key: string) => kept.get(key), set: (key: string, value: string) => void kept.set(key, value) };
    const octokit = new Client({
      auth: { appId: 1, privateKey, installationId: 7, cache },
      throttle: { enabled: false },
    }) as unknown as Octokit;
    const tokens: string[] = [];
    const answer = (status: number, body: object) =>
      function (this: { req: { headers: Record<string, string> } }): [number, object] {
        tokens.push(this.req.headers.authorization ?? "");
        return [status, body];
      };
    record(
      nock(API)
        .get("/repos/acme/demo/issues/1")
        .reply(answer(401, { message: "Bad credentials" }))
        .post("/app/installations/7/access_tokens")
        .reply(201, { token: "ghs_second", expires_at: iso(3_600_000), permissions: {}, repository_selection: "all" })
        .get("/repos/acme/demo/issues/1")
        .reply(answer(200, { number: 1, title: "T" })),
    );
    expect((await octokit.rest.issues.get(issue)).data.title).toBe("T");
    expect(seen).toEqual(["GET /repos/acme/demo/issues/1", "POST /app/installations/7/access_tokens", "GET /repos/acme/demo/issues/1"]);
    expect(tokens).toEqual(["token ghs_first", "token ghs_second"]);
    expect(kept.get("7")).toMatch(/^ghs_second\|/);
  });
});
