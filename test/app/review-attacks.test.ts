import { describe, expect, it } from "vitest";
import { renderPlanComment } from "../../src/github/checklist.js";
import { newPlan, taskHashOf } from "../../src/github/plan.js";
import { taskFromIssue } from "../../src/github/sanitize.js";
import { REPO } from "../support/app-harness.js";
import { useHarness } from "../support/scenario.js";
import { scriptedAgent } from "../support/scripted-agent.js";

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
