import { ProbotOctokit } from "probot";
import { describe, expect, it, vi } from "vitest";
import { REPO } from "../support/app-harness.js";
import { useHarness } from "../support/scenario.js";

const app = useHarness();

/** The harness's Octokit (throttling and retries off), counting the clients Probot builds. */
function countingClients() {
  const built = { count: 0 };
  const Octokit = ProbotOctokit.defaults((o: object) => {
    built.count += 1;
    return { ...o, retry: { enabled: false }, throttle: { enabled: false } };
  }) as typeof ProbotOctokit;
  return { built, Octokit };
}

describe("deliveries a cheap check skips are answered before Probot builds a context", () => {
  it("answers an unused label and a plain comment without building a client, and still acts on a command", async () => {
    const { built, Octokit } = countingClients();
    const h = await app.start({ llm: () => ({ content: "unused" }), octokit: Octokit });
    const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Write some notes." });
    const said = () => h.logLines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    const unused = "nothing to do: the label is not `l2mac`";
    // The first label of a repository is decided after its config is read (off the request path).
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "bug", "alice"));
    await expect.poll(() => said().includes(unused)).toBe(true);
    await h.idle();
    const before = built.count;
    for (let i = 0; i < 5; i++) {
      expect((await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "bug", "alice"))).status).toBe(200);
      const chat = h.gh.issueCommentPayload(REPO, issue.number, "created", { id: 900 + i, body: "Looks good.", user: "alice" }, "alice");
      expect((await h.deliver("issue_comment", chat)).status).toBe(200);
    }
    expect(built.count).toBe(before);
    expect(said().filter((m) => m === unused)).toHaveLength(6);
    expect(said().filter((m) => m === "nothing to do: the comment is not an L2MAC command")).toHaveLength(5);
    // A command goes through Probot (a client per delivery) and is answered.
    await h.command(issue.number, "/l2mac help");
    await h.idle();
    expect(built.count).toBeGreaterThan(before);
    expect(h.gh.issue(REPO, issue.number).comments.some((c) => c.user.type === "Bot" && c.body.includes("/l2mac"))).toBe(true);
  });

  it("leaves a delivery with a bad signature to Probot, which refuses it", async () => {
    const h = await app.start({ llm: () => ({ content: "unused" }) });
    const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Write some notes." });
    const forged = await h.gh.deliver(h.webhookUrl, "issues", h.gh.issueLabeledPayload(REPO, issue.number, "bug", "alice"), {
      secret: "not-the-secret",
    });
    expect(forged.status).toBe(400);
    const said = h.logLines.map((l) => JSON.parse(l) as { msg: string }).map((l) => l.msg);
    expect(said).not.toContain("nothing to do: the label is not `l2mac`");
  });

  it("never parses a body whose signature is wrong: an unsigned body costs one HMAC, not a parse", async () => {
    const h = await app.start({ llm: () => ({ content: "unused" }) });
    const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Write some notes." });
    const payload = { ...h.gh.issueLabeledPayload(REPO, issue.number, "bug", "alice"), marker: "unsigned-body-7f3a" };
    const parse = vi.spyOn(JSON, "parse");
    try {
      const forged = await h.gh.deliver(h.webhookUrl, "issues", payload, { secret: "not-the-secret" });
      expect(forged.status).toBe(400);
      expect(parse.mock.calls.filter(([text]) => String(text).includes("unsigned-body-7f3a"))).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });
});
