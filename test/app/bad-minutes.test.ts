import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/app-harness.js";
import { useHarness } from "../support/scenario.js";
import { scriptedAgent, write } from "../support/scripted-agent.js";

const app = useHarness();

const PLAN = ["Write the first file.", "Write the second file.", "Write the third file."];
const agent = () =>
  scriptedAgent({
    plan: PLAN,
    steps: PLAN.map((match, i) => ({ match, actions: [write({ [`f${i + 1}.txt`]: `${i + 1}\n` })], summary: `Wrote f${i + 1}.txt.` })),
  });

/** The production client (retries and throttling on), with retry waits shortened so the test does not take minutes. */
const Resilient = ProbotOctokit.defaults((o: { throttle?: object }) => ({
  ...o,
  retry: { retryAfterBaseValue: 20 },
  throttle: { ...o.throttle, enabled: true },
}));

/** A fixed sequence of GitHub's bad minutes: about 10 % 502/503, some 403 secondary rate limits, some resets (each within a run's ~45 requests). */
function badMinutes() {
  let n = 0;
  const seen: string[] = [];
  const fault = (req: { method: string; path: string }) => {
    n += 1;
    if (n % 10 === 3) return (seen.push(`${n} 502 ${req.method} ${req.path}`), { status: n % 20 === 3 ? 502 : 503, text: "Bad Gateway" });
    if (n % 17 === 0) {
      seen.push(`${n} 403 ${req.method} ${req.path}`);
      return {
        status: 403,
        body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
        headers: { "retry-after": "1" },
      };
    }
    if (n % 29 === 0) return (seen.push(`${n} reset ${req.method} ${req.path}`), "reset" as const);
    return undefined;
  };
  return { fault, seen };
}

describe("GitHub's bad minutes", () => {
  it("completes a run through 5xx, secondary rate limits and resets: one plan comment, one PR, nothing twice", async () => {
    const h = await app.start({ llm: agent(), octokit: Resilient });
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write three files." });
    const faults = badMinutes();
    h.gh.injectFaults(faults.fault);
    expect((await h.label(issue.number)).status).toBe(200);
    await h.idle();
    h.gh.injectFaults(undefined);

    // Every kind of fault was met, on reads and on writes.
    expect(faults.seen.some((f) => / 50[23] POST /.test(f) || / 50[23] PATCH /.test(f))).toBe(true);
    expect(faults.seen.some((f) => / 403 /.test(f))).toBe(true);
    expect(faults.seen.some((f) => / reset /.test(f))).toBe(true);

    const comments = h.gh.issue(REPO, issue.number).comments;
    const plans = comments.filter((c) => c.user.type === "Bot" && c.body.includes("<!-- l2mac:program -->"));
    expect(plans).toHaveLength(1);
    const bodies = comments.filter((c) => c.user.type === "Bot").map((c) => c.body);
    expect(new Set(bodies).size).toBe(bodies.length);
    const plan = plans[0]!.body;
    expect(plan).toMatch(/\*\*Status:\*\* done/);
    const items = plan.split("\n").filter((l) => /^- \[[ x]\] /.test(l));
    expect(items).toHaveLength(3);
    expect(items.every((l) => l.startsWith("- [x] "))).toBe(true);
    expect(h.gh.pulls(REPO)).toHaveLength(1);
    for (const file of ["f1.txt", "f2.txt", "f3.txt"]) expect(await h.gh.readFile(REPO, `l2mac/issue-${issue.number}`, file)).toBeDefined();
  }, 120_000);
});
