import { describe, expect, it } from "vitest";
import { REPO } from "../support/app-harness.js";
import { useHarness, type Scenario } from "../support/scenario.js";
import { scriptedAgent, write } from "../support/scripted-agent.js";

const agent = () =>
  scriptedAgent({
    plan: ["Write notes.md."],
    steps: [{ match: "notes.md", actions: [write({ "notes.md": "notes\n" })], summary: "Wrote notes." }],
  });

const app = useHarness();

const comments = (h: Scenario, n: number) => h.gh.issue(REPO, n).comments;

describe("abuse costs the attacker, not the installation", () => {
  it("handles a signed delivery replayed under new delivery ids once", async () => {
    const h = await app.start({ llm: agent() });
    // A label event captured once and sent again under fresh ids (any holder of one signed body can).
    const empty = h.gh.createIssue(REPO, { title: "Notes", body: "" });
    const labeled = h.gh.issueLabeledPayload(REPO, empty.number, "l2mac");
    for (const id of ["a-1", "a-2", "a-3"]) expect((await h.deliver("issues", labeled, id)).status).toBe(200);
    await h.idle();
    expect(comments(h, empty.number).filter((c) => c.body.includes("has no description"))).toHaveLength(1);

    const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Write some notes." });

    const help = h.gh.addComment(REPO, issue.number, "/l2mac help", "alice");
    const payload = h.gh.issueCommentPayload(REPO, issue.number, "created", { id: help.id, body: "/l2mac help", user: "alice" });
    for (const id of ["b-1", "b-2", "b-3", "b-4"]) expect((await h.deliver("issue_comment", payload, id)).status).toBe(200);
    await h.idle();
    expect(comments(h, issue.number).filter((c) => c.body.startsWith("**L2MAC commands**"))).toHaveLength(1);
  });

  it("answers a reader once per hour on an issue, however many commands they post, and reacts to the rest", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Write some notes." });
    const posted = [];
    for (let i = 0; i < 5; i++) posted.push((await h.command(issue.number, "/l2mac continue", "rita")).comment);
    await h.idle();
    const replies = comments(h, issue.number).filter((c) => c.user.type === "Bot");
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toMatch(/^@rita only people with write access/);
    expect(posted.slice(1).map((c) => c.reactions.map((r) => r.content))).toEqual([["-1"], ["-1"], ["-1"], ["-1"]]);
    // Someone else is answered in their own right.
    await h.command(issue.number, "/l2mac stop", "otto");
    await h.idle();
    expect(comments(h, issue.number).filter((c) => c.user.type === "Bot" && c.body.startsWith("@otto"))).toHaveLength(1);
    expect(h.llm.requests).toHaveLength(0);
  });
});
