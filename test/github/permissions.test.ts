import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/octokit.js";
import { Permissions } from "../../src/github/permissions.js";

const API = "https://api.github.com";
const repo = { owner: "acme", repo: "demo" };
const path = (user: string) => `/repos/acme/demo/collaborators/${user}/permission`;
const answer = (permission: string) => ({ permission, role_name: permission, user: { login: "u" } });

let octokit: Octokit;
let clock: { now: number };
beforeEach(() => {
  nock.disableNetConnect();
  octokit = new ProbotOctokit({ auth: "ghs_test", retry: { enabled: false }, throttle: { enabled: false } }) as Octokit;
  clock = { now: 1_000 };
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const permissions = (over: { ttlMs?: number; max?: number } = {}) =>
  new Permissions({ ttlMs: 30_000, ...over, perf: { now: () => clock.now } });

describe("the permission check", () => {
  it("reuses a grant briefly, then asks again: a revoked writer loses access when it expires", async () => {
    const scope = nock(API).get(path("alice")).reply(200, answer("write")).get(path("alice")).reply(200, answer("read"));
    const check = permissions();
    expect(await check.check(octokit, repo, "alice")).toBe("allowed");
    clock.now += 29_000;
    expect(await check.check(octokit, repo, "alice")).toBe("allowed");
    clock.now += 2_000;
    expect(await check.check(octokit, repo, "alice")).toBe("denied");
    expect(scope.isDone()).toBe(true);
  });

  it("does not cache a 5xx or a network error: no answer, and the next check asks again", async () => {
    const scope = nock(API)
      .get(path("acme"))
      .reply(502, { message: "Bad Gateway" })
      .get(path("acme"))
      .replyWithError("socket hang up")
      .get(path("acme"))
      .reply(200, answer("admin"));
    const check = permissions();
    expect(await check.check(octokit, repo, "acme")).toBe("unavailable");
    expect(await check.check(octokit, repo, "acme")).toBe("unavailable");
    expect(await check.check(octokit, repo, "acme")).toBe("allowed");
    expect(await check.canSteer(octokit, repo, "acme")).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it("takes a 404 (not a collaborator) as a real no", async () => {
    const scope = nock(API).get(path("mallory")).reply(404, { message: "Not Found" });
    const check = permissions();
    expect(await check.check(octokit, repo, "mallory")).toBe("denied");
    // Cached like any answer: a reader repeating a command costs no further request.
    expect(await check.check(octokit, repo, "mallory")).toBe("denied");
    expect(scope.isDone()).toBe(true);
  });

  it("remembers a bounded number of users", async () => {
    const scope = nock(API)
      .get(path("a"))
      .times(2)
      .reply(200, answer("write"))
      .get(path("b"))
      .reply(200, answer("write"))
      .get(path("c"))
      .reply(200, answer("write"));
    const check = permissions({ max: 2 });
    for (const user of ["a", "b", "c", "a"]) expect(await check.check(octokit, repo, user)).toBe("allowed");
    expect(scope.isDone()).toBe(true);
  });
});
