import { describe, expect, it } from "vitest";
import { renderPlanComment } from "../../src/github/checklist.js";
import { newPlan, taskHashOf } from "../../src/github/plan.js";
import { taskFromIssue } from "../../src/github/sanitize.js";
import { REPO } from "../support/app-harness.js";
import { useHarness, type Scenario } from "../support/scenario.js";
import { scriptedAgent, write, type StepScript } from "../support/scripted-agent.js";

const app = useHarness();

describe("a run's end is applied before anything that spends", () => {
  it("does not plan a run left in planning (an interrupted planning) when its issue is closed: no LLM request, stopped", async () => {
    const agent = scriptedAgent({ plan: ["Write a.ts."], steps: [] });
    const h = await app.start({ files: {}, config: "ci:\n  enabled: false\n", llm: agent });
    const issue = h.gh.createIssue(REPO, { title: "Greeter", body: "Build a greeter.", labels: ["l2mac"] });
    // What an interrupted planning leaves: the app's plan comment, still planning, with no program yet.
    const planning = {
      ...newPlan("run-1", `l2mac/issue-${issue.number}`, []),
      phase: "planning" as const,
      taskHash: taskHashOf(taskFromIssue("Greeter", "Build a greeter.").task),
    };
    h.gh.addComment(REPO, issue.number, renderPlanComment(planning, { repoUrl: `${h.gh.baseUrl}/${REPO}` }), h.gh.botLogin);
    await h.endIssue(issue.number, "closed", "alice");
    await h.idle();
    expect(h.llm.requests).toHaveLength(0);
    expect(h.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* stopped: the issue was closed/);
  });
});

const GREET = "export function greet(name: string) {\n  return `hi ${name}`;\n}\n";
const STEPS: StepScript[] = [
  { match: "src/greet.ts with a greet", actions: [write({ "src/greet.ts": GREET })], summary: "Added greet." },
  { match: "Rename greet", actions: [write({ "src/greet.ts": GREET.replace("greet", "hello") })], summary: "Renamed greet." },
  { match: "empty name", actions: [write({ "src/greet.ts": `// empty names\n${GREET}` })], summary: "Handled an empty name." },
];

/** A run labelled and finished with its pull request, no CI, line comments taken at once. */
async function finishedRun(): Promise<{ h: Scenario; issue: number; pr: number }> {
  const agent = scriptedAgent({ plan: ["Write src/greet.ts with a greet function."], steps: STEPS });
  const h = await app.start({ files: {}, config: "ci:\n  enabled: false\nreview:\n  batch_seconds: 0\n", llm: agent });
  const issue = h.gh.createIssue(REPO, { title: "Greeter", body: "Build a greeter." });
  await h.label(issue.number);
  await h.idle();
  return { h, issue: issue.number, pr: h.gh.pulls(REPO)[0]!.number };
}

describe("answers in review threads", () => {
  it("answers a writer's reply in a thread in that thread (at its top comment), once", async () => {
    const { h, issue, pr } = await finishedRun();
    const top = await h.lineComment(pr, "alice", { path: "src/greet.ts", line: 1, body: "Rename greet to hello." });
    await h.idle();
    const reply = await h.lineComment(pr, "alice", {
      path: "src/greet.ts",
      line: 1,
      body: "Also handle an empty name.",
      inReplyTo: top.id,
    });
    await h.idle();
    expect(h.planComment(issue)!.body).toContain("Review by @alice on src/greet.ts:1: Also handle an empty name.");
    const answers = h.gh.reviewComments(REPO, pr).filter((c) => c.user.login === h.gh.botLogin);
    // One answer for each request, both in the one thread: a reply to a reply is not made.
    expect(answers.map((c) => c.inReplyTo)).toEqual([top.id, top.id]);
    expect(answers[1]!.body).toMatch(/^Done in \[`[0-9a-f]{7}`\]/);
    const refused = h.logLines.filter((l) => l.includes(`/comments/${reply.id}/replies`));
    expect(refused).toEqual([]);
    expect(h.planComment(issue)!.body).toMatch(/\*\*Status:\*\* done/);
  });
});

describe("only the run's own pull request ends it", () => {
  it("ignores the closing of an earlier pull request from the run's branch once the run opened a new one", async () => {
    const { h, issue, pr: first } = await finishedRun();
    await h.closePull(first);
    await h.idle();
    expect(h.planComment(issue)!.body).toMatch(/\*\*Status:\*\* stopped: the pull request was closed/);
    await h.command(issue, "/l2mac continue");
    await h.lineComment(first, "alice", { path: "src/greet.ts", line: 1, body: "Rename greet to hello." });
    await h.command(first, "/l2mac Rename greet to hello.");
    await h.idle();
    const second = h.gh.pulls(REPO).find((p) => p.state === "open")!;
    expect(second.number).not.toBe(first);
    expect(h.planComment(issue)!.body).toMatch(/\*\*Status:\*\* done/);
    // The first pull request closed again (reopened and closed, or its event delivered late).
    await h.reopenPull(first);
    await h.closePull(first);
    await h.idle();
    expect(h.planComment(issue)!.body).toMatch(/\*\*Status:\*\* done/);
    // Its own pull request still ends it.
    await h.closePull(second.number);
    await h.idle();
    expect(h.planComment(issue)!.body).toMatch(/\*\*Status:\*\* stopped: the pull request was closed/);
  });
});
