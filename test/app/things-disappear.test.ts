import { describe, expect, it } from "vitest";
import { RECREATED_NOTE } from "../../src/github/plan-comment.js";
import { REPO } from "../support/app-harness.js";
import { useHarness, type Scenario } from "../support/scenario.js";
import { scriptedAgent, write } from "../support/scripted-agent.js";

const app = useHarness();

const PLAN = ["Write the first file.", "Write the second file.", "Write the third file."];
const agent = (options: { delayMs?: number; onCall?: (n: number) => void } = {}) => {
  let calls = 0;
  const inner = scriptedAgent({
    plan: PLAN,
    steps: PLAN.map((match, i) => ({ match, actions: [write({ [`f${i + 1}.txt`]: `${i + 1}\n` })], summary: `Wrote f${i + 1}.txt.` })),
  });
  const responder: typeof inner = async (...args) => {
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    options.onCall?.(++calls);
    return inner(...args);
  };
  return responder;
};

const PROGRAM = "<!-- l2mac:program -->";

/** Labels the issue and waits for its run: done, all three items ticked, one pull request. */
async function runToTheEnd(h: Scenario, issue: number): Promise<void> {
  await h.label(issue);
  await h.idle();
  const plan = h.planComment(issue)!.body;
  expect(plan).toMatch(/\*\*Status:\*\* done/);
  expect(plan.split("\n").filter((l) => l.startsWith("- [x] "))).toHaveLength(3);
  expect(h.gh.pulls(REPO)).toHaveLength(1);
}
const isCiLook = (path: string) => path.includes("/actions/runs?") && path.includes("head_sha=");

describe("things disappear mid-run", () => {
  it("writes a deleted plan comment again from the run's state and finishes", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write three files." });
    let deleted = false;
    h.gh.onRequest(({ method, path }) => {
      // A writer deletes the plan comment while the first instruction's commit waits for CI.
      if (deleted || method !== "GET" || !isCiLook(path)) return;
      deleted = true;
      h.gh.deleteComment(REPO, h.planComment(issue.number)!.id);
    });
    await h.label(issue.number);
    await h.idle();
    expect(deleted).toBe(true);
    const plans = h.gh.issue(REPO, issue.number).comments.filter((c) => c.user.type === "Bot" && c.body.includes(PROGRAM));
    expect(plans).toHaveLength(1);
    expect(plans[0]!.body).toContain(RECREATED_NOTE.slice(0, 40));
    expect(plans[0]!.body).toMatch(/\*\*Status:\*\* done/);
    expect(plans[0]!.body.split("\n").filter((l) => l.startsWith("- [x] "))).toHaveLength(3);
    expect(h.gh.pulls(REPO)).toHaveLength(1);
    // Each instruction ran once: the recreated state kept what was done.
    expect(h.logLines.filter((l) => l.includes('"msg":"instruction committed"'))).toHaveLength(3);
  });

  it("pauses and says so when the run's branch is deleted mid-run, and does not create it again", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write three files." });
    const branch = `l2mac/issue-${issue.number}`;
    let deletedAt = -1;
    h.gh.onRequest(async ({ method, path }) => {
      // A writer deletes the branch while the first instruction's commit waits for CI.
      if (deletedAt >= 0 || method !== "GET" || !isCiLook(path)) return;
      deletedAt = h.gh.requests.length;
      await h.gh.deleteBranch(REPO, branch);
    });
    await h.label(issue.number);
    await h.idle();
    expect(deletedAt).toBeGreaterThan(0);
    const paused = h.planComment(issue.number)!.body;
    expect(paused).toMatch(/\*\*Status:\*\* paused/);
    expect(paused).toContain(`the branch \`${branch}\` was deleted on GitHub`);
    // Found at the second instruction's push (refused, not turned into a new branch) or, when CI was not done at
    // the first look, at the next wake-up's checkout: either way no more than the first instruction is ticked.
    expect(paused.split("\n").filter((l) => l.startsWith("- [x] ")).length).toBeLessThanOrEqual(1);
    expect(await h.gh.branches(REPO)).not.toContain(branch);
    expect(h.gh.pulls(REPO)).toHaveLength(0);
    const errors = h.logLines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);

    // Continuing without restoring the branch pauses again with the same reason: no loop, no fresh branch.
    const before = h.gh.requests.length;
    await h.command(issue.number, "/l2mac continue");
    await h.idle();
    expect(h.planComment(issue.number)!.body).toContain(`the branch \`${branch}\` was deleted on GitHub`);
    expect(await h.gh.branches(REPO)).not.toContain(branch);
    expect(h.gh.requests.slice(before).filter((r) => r.path.startsWith("/api/v3/")).length).toBeLessThan(15);
    expect(h.logLines.filter((l) => l.includes('"msg":"instruction committed"'))).toHaveLength(1);
  });

  it("ends the runs of an installation the app was removed from, quietly", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write three files." });
    let removedAt = -1;
    h.gh.onRequest(async ({ method, path }) => {
      if (removedAt >= 0 || method !== "GET" || !isCiLook(path)) return;
      removedAt = h.gh.requests.length;
      await h.deliver("installation", h.gh.uninstall());
    });
    await h.label(issue.number);
    await h.idle();
    expect(removedAt).toBeGreaterThan(0);
    const after = h.gh.requests.slice(removedAt).filter((r) => r.path.startsWith("/api/v3/"));
    // A few requests find out that access is gone; none loops.
    expect(after.length).toBeLessThan(10);
    const errors = h.logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
    expect(h.logLines.some((l) => l.includes("run ended: the app was uninstalled"))).toBe(true);
    expect(h.gh.pulls(REPO)).toHaveLength(0);
  });

  it("replaces an installation token that expires mid-instruction without the run noticing", async () => {
    // Each token lives 2 s (GitHub's: an hour) and the agent's replies take 0.4 s, so tokens run out during instructions.
    const h = await app.start({ llm: agent({ delayMs: 400 }) });
    h.gh.setTokenLifetime(2000);
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write three files." });
    await runToTheEnd(h, issue.number);
    // New tokens were taken as the old ones neared their expiry, before GitHub refused any (REST or git).
    expect(h.gh.issuedTokens.length).toBeGreaterThan(3);
    expect(h.gh.requests.filter((r) => r.status === 401)).toEqual([]);
  });

  // While the LLM plans, the next request is REST (the plan comment); during an instruction, it is git's push.
  it.each([
    { when: "planning", call: 1, refusedTo: "REST" },
    { when: "an instruction", call: 3, refusedTo: "git" },
  ])("takes a new installation token when GitHub refuses the kept one during $when (401 to $refusedTo)", async ({ call, refusedTo }) => {
    // GitHub stops taking every token issued so far, as it does once their hour is up or they are revoked.
    let expireTokens = () => undefined as void;
    const h = await app.start({ llm: agent({ onCall: (n) => n === call && expireTokens() }) });
    expireTokens = () => h.gh.expireTokens();
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write three files." });
    await runToTheEnd(h, issue.number);
    const refused = h.gh.requests.filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => (refusedTo === "git") === r.path.includes(".git/"))).toBe(true);
    expect(h.gh.issuedTokens.length).toBeGreaterThan(1);
    const errors = h.logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
  });
});
