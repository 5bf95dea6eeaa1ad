import { describe, expect, it } from "vitest";
import { REPO, type HarnessOptions } from "../support/app-harness.js";
import { useHarness, type Scenario } from "../support/scenario.js";
import { complete, kindOf, scriptedAgent, write, type StepScript } from "../support/scripted-agent.js";
import type { RecordedRequest } from "../support/scripted-llm-server.js";

/** A workflow whose test fails unless src/greet.txt says hello, printing the assertion like a test runner. */
const CHECK = `#!/bin/sh
if grep -q hello src/greet.txt; then echo "1 passed"; exit 0; fi
echo "::error file=src/greet.txt,line=1::expected a greeting"
echo "AssertionError: expected 'hello' in src/greet.txt, got '$(cat src/greet.txt)'"
exit 1
`;
const workflow = (name: string, run: string) =>
  `name: ${name}\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Run tests\n        run: ${run}\n`;
const WITH_CI = { ".github/workflows/ci.yml": workflow("CI", "sh check.sh"), "check.sh": CHECK };

const greet = (text: string) => write({ "src/greet.txt": `${text}\n` });
const PLAN = ["Write src/greet.txt with a greeting."];

const app = useHarness();

async function runIssue(
  options: Omit<HarnessOptions, "llm"> & { steps: StepScript[]; plan?: string[]; before?: (h: Scenario) => Promise<void> },
) {
  const h = await app.start({ ...options, llm: scriptedAgent({ plan: options.plan ?? PLAN, steps: options.steps }) });
  await options.before?.(h);
  const issue = h.gh.createIssue(REPO, { title: "Greeting", body: "Write a greeting file." });
  await h.label(issue.number);
  await h.idle();
  await h.gh.actionsIdle();
  return { h, issue, comment: h.planComment(issue.number)!.body };
}

const fixRequests = (requests: RecordedRequest[]) =>
  // The first request of each fix agent's conversation (system + instruction only).
  requests.filter(
    (r) =>
      kindOf(r) === "act" &&
      r.body.messages.length === 2 &&
      String(r.body.messages[1].content).includes("The checks of the previous attempt at this step failed"),
  );

describe("GitHub Actions as the evaluator", () => {
  it("accepts an instruction whose CI is green on the first try", async () => {
    const { h, comment } = await runIssue({
      files: WITH_CI,
      config: "ci:\n  fix_attempts: 3\n",
      steps: [{ match: "greeting", actions: [greet("hello")], summary: "Wrote the greeting." }],
    });
    expect(comment).toMatch(/\*\*Status:\*\* done/);
    expect(comment).toMatch(/✅ \[`[0-9a-f]{7}`\]\([^)]+\) · \[CI passed\]\(http[^)]+actions\/runs\/\d+\)/);
    expect(fixRequests(h.llm.requests)).toHaveLength(0);
    const pr = h.gh.pulls(REPO)[0]!;
    expect(pr.body).toContain("✅ passed");
    expect(pr.body).toContain("**CI:** 1 of 1 instructions passed CI.");
  });

  it("sends the failing assertion from the job log back to a fresh agent, commits the fix and goes green", async () => {
    const { h, issue, comment } = await runIssue({
      files: WITH_CI,
      steps: [{ match: "greeting", actions: [greet("hi"), complete, greet("hello"), complete], summary: "Wrote the greeting." }],
    });
    const fixes = fixRequests(h.llm.requests);
    expect(fixes).toHaveLength(1);
    const feedback = String(fixes[0]!.body.messages[1].content);
    expect(feedback).toContain("AssertionError: expected 'hello' in src/greet.txt, got 'hi'");
    expect(feedback).toContain("src/greet.txt:1: expected a greeting");
    // GitHub's generic annotation adds nothing and is left out.
    expect(feedback).not.toContain(".github:1: Process completed with exit code");
    expect(feedback).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    const log = await h.gh.log(REPO, `l2mac/issue-${issue.number}`);
    expect(log[0]!.message).toMatch(/^Fix CI: Write src\/greet.txt with a greeting\./);
    expect(log[0]!.message).toContain("L2MAC-Attempt: 1");
    expect(comment).toMatch(/\*\*Status:\*\* done/);
    expect(comment).toContain("CI passed");
    expect(h.gh.pulls(REPO)).toHaveLength(1);
    expect(h.llm.violations).toEqual([]);
  });

  it("pauses with the failure shown once the fix attempts are used up", async () => {
    const { h, comment } = await runIssue({
      files: WITH_CI,
      config: "ci:\n  fix_attempts: 1\n",
      steps: [{ match: "greeting", actions: [greet("hi"), complete, greet("hi there"), complete], summary: "Wrote it." }],
    });
    expect(fixRequests(h.llm.requests)).toHaveLength(1);
    expect(comment).toMatch(/\*\*Status:\*\* paused: CI still fails on `[0-9a-f]{7}` after 1 fix attempt \(CI \/ test\)/);
    expect(comment).toContain("<summary>Last CI failure</summary>");
    expect(comment).toContain("got 'hi there'");
    expect(comment).toMatch(/❌ \[`[0-9a-f]{7}`\]/);
    expect(h.gh.pulls(REPO)).toHaveLength(0);
  });

  it("continues on syntax checks, with a note, when no workflow covers the branch", async () => {
    const { h, comment } = await runIssue({
      config: "ci:\n  wait_for_runs_minutes: 0.01\n",
      steps: [{ match: "greeting", actions: [greet("hi")], summary: "Wrote it." }],
    });
    expect(comment).toMatch(/\*\*Status:\*\* done/);
    expect(comment).toContain("No GitHub Actions run appeared for");
    expect(comment).toContain("· no CI ·");
    expect(h.gh.pulls(REPO)[0]!.body).toContain("no workflow ran for some commits");
  });

  it("notes a red default branch and does not send its failures to the agent", async () => {
    const files = { ".github/workflows/ci.yml": workflow("CI", "test -f LICENSE") };
    const { h, comment } = await runIssue({
      files,
      before: async (h) => {
        await h.gh.runWorkflows(REPO, "main");
        await h.gh.actionsIdle();
      },
      steps: [{ match: "greeting", actions: [greet("hi")], summary: "Wrote it." }],
    });
    expect(comment).toContain("The default branch's CI is already failing (CI / test)");
    expect(comment).toContain("CI fails as on the default branch");
    expect(comment).toMatch(/\*\*Status:\*\* done/);
    expect(fixRequests(h.llm.requests)).toHaveLength(0);
  });

  it("waits for every workflow of the commit", async () => {
    const files = {
      ...WITH_CI,
      ".github/workflows/ci.yml": workflow("Quick", "true"),
      ".github/workflows/slow.yml": workflow("Slow", "sleep 1 && sh check.sh"),
    };
    const { h, comment } = await runIssue({
      files,
      steps: [{ match: "greeting", actions: [greet("hi"), complete, greet("hello"), complete], summary: "Wrote it." }],
    });
    // Only the slow workflow fails: accepting on the quick one alone would skip the fix.
    expect(fixRequests(h.llm.requests)).toHaveLength(1);
    expect(String(fixRequests(h.llm.requests)[0]!.body.messages[1].content)).toContain("Workflow `Slow`");
    expect(comment).toMatch(/\*\*Status:\*\* done/);
  });

  it("picks the result up by polling when the webhook never arrives", async () => {
    const { h, comment } = await runIssue({
      files: WITH_CI,
      before: async (h) => {
        h.gh.dropActionsWebhooks(true);
        // A run that takes a while, so some polls find nothing new (the first look waits a poll interval after the push).
        h.gh.setRunDelay(3000);
      },
      steps: [{ match: "greeting", actions: [greet("hello")], summary: "Wrote it." }],
    });
    expect(comment).toMatch(/\*\*Status:\*\* done/);
    expect(comment).toContain("CI passed");
    // Unchanged polls were conditional: at least one answered 304.
    expect(h.gh.requests.some((r) => r.path.includes("/actions/runs?") && r.status === 304)).toBe(true);
  });

  it("evaluates a human's fix pushed to the branch when the run is continued", async () => {
    const { h, issue, comment } = await runIssue({
      files: WITH_CI,
      config: "ci:\n  fix_attempts: 0\n",
      steps: [{ match: "greeting", actions: [greet("hi")], summary: "Wrote it." }],
    });
    expect(comment).toMatch(/\*\*Status:\*\* paused: CI still fails/);
    await h.gh.pushAs(REPO, `l2mac/issue-${issue.number}`, { "src/greet.txt": "hello\n" }, "Fix the greeting by hand");
    await h.gh.actionsIdle();
    await h.command(issue.number, "/l2mac continue");
    await h.idle();
    await h.gh.actionsIdle();
    const body = h.planComment(issue.number)!.body;
    expect(body).toMatch(/\*\*Status:\*\* done/);
    expect(body).toContain("CI passed");
    expect(fixRequests(h.llm.requests)).toHaveLength(0);
    expect(h.gh.pulls(REPO)).toHaveLength(1);
  });

  it("reports a cancelled run plainly instead of asking the agent to fix it", async () => {
    const { h, comment } = await runIssue({
      files: WITH_CI,
      before: async (h) => h.gh.setConclusionOverride(REPO, "CI", "cancelled"),
      steps: [{ match: "greeting", actions: [greet("hello")], summary: "Wrote it." }],
    });
    expect(comment).toMatch(
      /\*\*Status:\*\* paused: CI for `[0-9a-f]{7}` could not judge the change: \[CI\]\([^)]+\) ended as `cancelled`/,
    );
    expect(fixRequests(h.llm.requests)).toHaveLength(0);
  });
});
