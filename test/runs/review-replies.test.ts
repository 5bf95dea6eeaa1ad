import { Octokit as RestOctokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Octokit } from "../../src/github/octokit.js";
import type { Plan } from "../../src/github/plan.js";
import { answerThreads } from "../../src/runs/review-replies.js";
import { planAt } from "./plans.js";

const API = "https://api.github.com";
const repo = { owner: "acme", repo: "demo", url: "https://github.com/acme/demo" };
const octokit = () => new RestOctokit({ auth: "ghs_installation_token", log: quiet }) as unknown as Octokit;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const log = { ...quiet };

/** Item 4 came from line comment 77 on PR 3 and is done in `abc…`; item 5 from comment 78, skipped. */
function reviewed(): Plan {
  const plan = planAt("running");
  return {
    ...plan,
    nextId: 6,
    instructions: [
      ...plan.instructions,
      {
        id: 4,
        text: "Rename it.",
        status: "done",
        commit: "abcdef1234567",
        summary: "Renamed it.",
        origin: { by: "alice", url: "u", pr: 3, c: 77 },
      },
      { id: 5, text: "Drop it.", status: "skipped", origin: { by: "alice", url: "u", pr: 3, c: 78 } },
    ],
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe("answers in review threads", () => {
  it("replies once per finished item with its commit, or says it was skipped; a thread that is gone counts as answered", async () => {
    const bodies: string[] = [];
    const scope = nock(API)
      .post("/repos/acme/demo/pulls/3/comments/77/replies", (b: { body: string }) => bodies.push(b.body) > 0)
      .reply(201, { id: 1 })
      .post("/repos/acme/demo/pulls/3/comments/78/replies", (b: { body: string }) => bodies.push(b.body) > 0)
      .reply(404, { message: "Not Found" });
    const answered = await answerThreads(octokit(), repo, reviewed(), log);
    scope.done();
    expect(bodies).toEqual([
      "Done in [`abcdef1`](https://github.com/acme/demo/commit/abcdef1234567): Renamed it.",
      "Skipped: the item was ticked off in the checklist without being run.",
    ]);
    expect(answered.instructions.map((i) => i.origin?.a)).toEqual([undefined, undefined, undefined, true, true]);
    // Answered threads are not answered again (no request is made: nock would refuse it).
    await expect(answerThreads(octokit(), repo, answered, log)).resolves.toEqual(answered);
  });

  it("keeps a thread unanswered when GitHub fails, without failing the run, and answers it at the next save", async () => {
    nock(API)
      .post("/repos/acme/demo/pulls/3/comments/77/replies")
      .reply(502, "bad gateway")
      .post("/repos/acme/demo/pulls/3/comments/78/replies")
      .reply(201, {});
    const once = await answerThreads(octokit(), repo, reviewed(), log);
    expect(once.instructions.map((i) => i.origin?.a)).toEqual([undefined, undefined, undefined, undefined, true]);
    const later = nock(API).post("/repos/acme/demo/pulls/3/comments/77/replies").reply(201, {});
    const twice = await answerThreads(octokit(), repo, once, log);
    later.done();
    expect(twice.instructions[3]!.origin?.a).toBe(true);
  });

  it("replies to a thread's top comment when the item came from a reply, and does not ask again after a refusal for good", async () => {
    const plan = reviewed();
    plan.instructions[3]!.origin = { by: "alice", url: "u", pr: 3, c: 90, t: 77 };
    const scope = nock(API)
      .post("/repos/acme/demo/pulls/3/comments/77/replies")
      .reply(201, { id: 1 })
      // A locked conversation, say: asking at every save would change nothing.
      .post("/repos/acme/demo/pulls/3/comments/78/replies")
      .reply(422, { message: "Validation Failed" });
    const answered = await answerThreads(octokit(), repo, plan, log);
    scope.done();
    expect(answered.instructions.map((i) => i.origin?.a)).toEqual([undefined, undefined, undefined, true, true]);
  });

  it("asks again after a rate limit (a 403 that says so)", async () => {
    nock(API)
      .post("/repos/acme/demo/pulls/3/comments/77/replies")
      .reply(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "60" })
      .post("/repos/acme/demo/pulls/3/comments/78/replies")
      .reply(201, {});
    const once = await answerThreads(octokit(), repo, reviewed(), log);
    expect(once.instructions.map((i) => i.origin?.a)).toEqual([undefined, undefined, undefined, undefined, true]);
  });

  it("pings no one from the agent's summary: mentions in it stay text", async () => {
    const plan = reviewed();
    plan.instructions[3]!.summary = "Renamed it, as @octocat and @acme/security-team asked (mail a@b.io).";
    const bodies: string[] = [];
    nock(API)
      .post("/repos/acme/demo/pulls/3/comments/77/replies", (b: { body: string }) => bodies.push(b.body) > 0)
      .reply(201, {})
      .post("/repos/acme/demo/pulls/3/comments/78/replies")
      .reply(201, {});
    await answerThreads(octokit(), repo, plan, log);
    expect(bodies[0]).toContain("Renamed it, as @\u2060octocat and @\u2060acme/security-team asked");
    expect(bodies[0]).not.toMatch(/@[A-Za-z0-9]/);
  });
});
