import { generateKeyPairSync } from "node:crypto";
import Bottleneck from "bottleneck";
import nock from "nock";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { countingOctokit } from "../../src/github/instrumented-octokit.js";
import { resilientOctokit } from "../../src/github/resilient-octokit.js";

/**
 * Octokit's write pacing (one write at a time, a second apart, per throttle id) with the production
 * client chain inside a real Probot, nock answering GitHub. Each installation is paced on its own,
 * whether its client came from `app.auth(id)` (runs) or from a webhook's context (handlers).
 */

const API = "https://api.github.com";
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/** Comment bodies in the order their POSTs reached GitHub. */
let arrived: string[] = [];
let awaited: { body: string; arrived: () => void } | undefined;
const arrival = (body: string) => new Promise<void>((arrived) => (awaited = { body, arrived }));
const arrivedAt = new Map<string, number>();

function fakeGitHub(): void {
  nock(API)
    .persist()
    .post(/^\/app\/installations\/\d+\/access_tokens$/)
    .reply(201, () => ({ token: `ghs_${Math.random()}`, expires_at: new Date(Date.now() + 3_600_000).toISOString() }))
    .patch("/app/hook/config")
    .reply(200, () => (arrived.push("app"), {}))
    .get("/repos/acme/demo")
    .reply(200, { id: 1 })
    .post("/repos/acme/demo/issues/1/comments")
    .reply(201, (_uri, body) => {
      const text = (body as { body: string }).body;
      arrived.push(text);
      if (text === awaited?.body) awaited.arrived();
      arrivedAt.set(text, Date.now());
      return { id: arrived.length, body: text };
    });
}

type Client = Awaited<ReturnType<Probot["auth"]>>;
const comment = (octokit: Client, body: string) =>
  octokit.rest.issues.createComment({ owner: "acme", repo: "demo", issue_number: 1, body });

/** A Probot with the production Octokit chain; `write` replaces the plugin's process-wide write group. */
function probotWith(write?: Bottleneck.Group): Probot {
  const Base = write
    ? (ProbotOctokit.defaults((o: { throttle?: object }) => ({ ...o, throttle: { ...o.throttle, write } })) as typeof ProbotOctokit)
    : ProbotOctokit;
  const Octokit = countingOctokit(resilientOctokit(Base), () => {});
  return new Probot({ appId: 7, privateKey, Octokit, log: pino({ level: "silent" }) });
}

/** Writes, one after the other, from a webhook handler of an event of `installation`, with the client Probot gives handlers. */
async function handlerComments(probot: Probot, installation: number, ...bodies: string[]): Promise<void> {
  let writes: Promise<unknown> | undefined;
  probot.on("issues.opened", (context) => {
    if (context.payload.installation?.id !== installation) return;
    writes = (async () => {
      for (const body of bodies) await comment(context.octokit as Client, body);
    })();
  });
  const payload = {
    action: "opened",
    installation: { id: installation },
    issue: { number: 1 },
    repository: { name: "demo", owner: { login: "acme" } },
  };
  await probot.receive({ id: `d-${installation}`, name: "issues", payload } as never);
  await writes;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  arrived = [];
  arrivedAt.clear();
});

describe("write pacing per installation", () => {
  it("keys the write limiter by installation, and the app's own client apart", { timeout: 15_000 }, async () => {
    fakeGitHub();
    // A pace so slow that a second write on a shared key could only arrive after the test timed out.
    const write = new Bottleneck.Group({ maxConcurrent: 1, minTime: 600_000 });
    const probot = probotWith(write);
    const eleven = await probot.auth(11);
    await comment(eleven, "11: first");
    const held = comment(eleven, "11: second").then(
      () => "sent",
      () => "dropped",
    );
    // Installation 22 (a webhook handler's client) writes while installation 11's next write waits its turn.
    await handlerComments(probot, 22, "22: first");
    await (await probot.auth()).request("PATCH /app/hook/config", { content_type: "json" });
    expect(arrived).toEqual(["11: first", "22: first", "app"]);
    expect(write.keys().sort()).toEqual(["app-7", "installation-11", "installation-22"]);
    // Installation 11's second write is still held by its own limiter: stop it and see it never left.
    await write.key("installation-11").stop({ dropWaitingJobs: true });
    expect(await held).toBe("dropped");
    expect(arrived).not.toContain("11: second");
  });

  it("lets two installations write at once under the plugin's own pacing, one at a time within each", async () => {
    fakeGitHub();
    const probot = probotWith();
    const [thirtyOne, fortyTwo] = [await probot.auth(31), await probot.auth(42)];
    // Tokens first (reads are not paced, handlers share the token cache), so the writes below wait for
    // nothing but the write limiter.
    await Promise.all([
      thirtyOne.rest.repos.get({ owner: "acme", repo: "demo" }),
      fortyTwo.rest.repos.get({ owner: "acme", repo: "demo" }),
    ]);
    // Installation 31's handler writes twice; its second write waits out the pace of its first when a
    // handler of installation 42 writes. On one shared limiter (Probot's "no-id" for handlers) 42's write
    // would queue behind 31's second.
    const firstArrived = arrival("31: first");
    const thirtyOnes = handlerComments(probot, 31, "31: first", "31: second");
    await firstArrived;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all([thirtyOnes, handlerComments(probot, 42, "42: first")]);
    expect(arrived).toEqual(["31: first", "42: first", "31: second"]);
    // The plugin's pace (a second per write, three per comment: comments notify) still holds within one
    // installation (a lower bound: load cannot break it).
    expect(arrivedAt.get("31: second")! - arrivedAt.get("31: first")!).toBeGreaterThanOrEqual(900);
  });
});
