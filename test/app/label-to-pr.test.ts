import { describe, expect, it, vi } from "vitest";
import { REPO } from "../support/app-harness.js";
import type { RecordedRequest } from "../support/fake-github/server.js";
import { useHarness } from "../support/scenario.js";
import { kindOf, scriptedAgent, write } from "../support/scripted-agent.js";

const PLAN = [
  "Create src/store.ts with an in-memory key-value store and tests.",
  "Create src/shortener.ts that shortens URLs using the store, with tests.",
  "Document the shortener in docs/usage.md.",
];
const agent = () =>
  scriptedAgent({
    plan: PLAN,
    steps: [
      {
        match: "in-memory key-value store",
        actions: [write({ "src/store.ts": "export const store = new Map<string, string>();\n" })],
        summary: "Added src/store.ts with a Map store.",
      },
      {
        match: "shortens URLs",
        actions: [
          write({
            "src/shortener.ts":
              'import { store } from "./store.js";\nexport const shorten = (u: string) => { store.set(u, u); return u; };\n',
          }),
        ],
        summary: "Added src/shortener.ts with shorten().",
      },
      {
        match: "docs/usage.md",
        actions: [write({ "docs/usage.md": "# Usage\n\nCall `shorten(url)`.\n" })],
        summary: "Documented shorten() in docs/usage.md.",
      },
    ],
  });

const app = useHarness();

describe("label → plan → commits → pull request", () => {
  it("runs the whole loop through the real HTTP server with signed webhooks", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "URL shortener", body: "Build a URL shortener library in TypeScript with docs." });
    const main = await h.gh.branchSha(REPO, "main");

    const res = await h.label(issue.number);
    expect(res.status).toBe(200);
    await h.idle();

    expect(h.llm.violations).toEqual([]);
    expect(h.gh.unknownRoutes).toEqual([]);
    // Acknowledged by the plan comment itself: no reaction is spent on the label.
    expect(h.gh.issue(REPO, issue.number).reactions).toEqual([]);

    // The plan comment: three task items, all ticked, a done status.
    const plan = h.planComment(issue.number)!;
    const items = plan.body.split("\n").filter((l) => /^- \[[ x]\] /.test(l));
    expect(items).toHaveLength(3);
    expect(items.every((l) => l.startsWith("- [x] "))).toBe(true);
    expect(plan.body).toMatch(/\*\*Status:\*\* done · branch `l2mac\/issue-1`/);

    // Three commits on the feature branch, one per instruction, with the expected files.
    const log = await h.gh.log(REPO, "l2mac/issue-1");
    expect(log).toHaveLength(4);
    expect(log.slice(0, 3).map((c) => c.message.match(/L2MAC-Instruction: (\d)/)?.[1])).toEqual(["3", "2", "1"]);
    expect(await h.gh.readFile(REPO, "l2mac/issue-1", "src/store.ts")).toContain("new Map");
    expect(await h.gh.readFile(REPO, "l2mac/issue-1", "src/shortener.ts")).toContain("shorten");
    expect(await h.gh.readFile(REPO, "l2mac/issue-1", "docs/usage.md")).toContain("# Usage");
    for (const c of log.slice(0, 3)) expect(c.message).not.toMatch(/\[skip ci\]/i);

    // The pull request closes the issue and lists each instruction with its commit.
    const pulls = h.gh.pulls(REPO);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: "l2mac/issue-1", base: "main", state: "open" });
    expect(pulls[0]!.body).toContain(`Closes #${issue.number}`);
    expect(pulls[0]!.body).toContain(log[0]!.sha.slice(0, 7));
    expect(pulls[0]!.body).toContain("Added src/store.ts with a Map store.");
    expect(pulls[0]!.body).toMatch(/\*\*Usage:\*\* [\d,]+ tokens/);

    // The default branch is untouched, and summaries were carried forward.
    expect(await h.gh.branchSha(REPO, "main")).toBe(main);
    const docsAct = h.llm.requests.find((r) => kindOf(r) === "act" && String(r.body.messages[1].content).includes("docs/usage.md"))!;
    expect(String(docsAct.body.messages[1].content)).toContain("Added src/shortener.ts with shorten().");

    // No secret in anything the app sent or logged.
    const sent = [
      ...h.llm.requests.map((r) => JSON.stringify(r.body)),
      ...h.gh.issue(REPO, issue.number).comments.map((c) => c.body),
      ...pulls.map((p) => p.body ?? ""),
      ...log.map((c) => c.message),
      ...h.logLines,
    ].join("\n");
    expect(h.logLines.length).toBeGreaterThan(10);
    for (const secret of h.secrets()) expect(sent).not.toContain(secret);
  });

  it("keeps a commit someone else pushed to the branch mid-run", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "URL shortener", body: "Build it." });
    let human: string | undefined;
    h.gh.onRequest(async (req) => {
      const body = (req.body ?? {}) as { body?: string };
      if (!human && req.method === "PATCH" && body.body?.includes("running instruction 2 of 3")) {
        human = await h!.gh.pushAs(REPO, "l2mac/issue-1", { "NOTES.md": "human notes\n" }, "Add notes by hand");
      }
    });
    await h.label(issue.number);
    await h.idle();
    expect(human).toBeDefined();
    const log = await h.gh.log(REPO, "l2mac/issue-1");
    expect(log.map((c) => c.message.split("\n")[0])).toContain("Add notes by hand");
    expect(await h.gh.readFile(REPO, "l2mac/issue-1", "NOTES.md")).toBe("human notes\n");
    expect(h.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* done/);
    expect(h.gh.pulls(REPO)).toHaveLength(1);
  });
});

describe("requests to GitHub", () => {
  const CI = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: test -f README.md\n";

  /** Billable REST requests (not 304, not the app's own auth) by method and path, numbers elided. */
  const billableByEndpoint = (requests: readonly RecordedRequest[]) => {
    const counts: Record<string, number> = {};
    for (const r of requests) {
      if (!r.path.startsWith("/api/v3/") || r.path.startsWith("/api/v3/app/") || r.status === 304) continue;
      const kind = `${r.method} ${r.path.replace(/\?.*$/, "").replace("/api/v3/repos/acme/demo", "").replace(/\/\d+/g, "/:n")}`;
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    return counts;
  };

  it("spends three billable requests per instruction and five per run on the green path (one of them the final write)", async () => {
    const steps = [1, 2].map((i) => ({ match: `file ${i}.`, actions: [write({ [`f${i}.txt`]: `${i}\n` })], summary: `Wrote f${i}.txt.` }));
    const h = await app.start({
      llm: scriptedAgent({ plan: steps.map((s) => `Write ${s.match}`), steps }),
      files: { ".github/workflows/ci.yml": CI },
      config: "max_instructions: 2\n",
    });
    // The start-up scan for interrupted runs (it lists the labelled issues last) is no part of a run.
    await vi.waitFor(() => expect(h.gh.requests.some((r) => r.path.startsWith("/api/v3/repos/acme/demo/issues?"))).toBe(true));
    const issue = h.gh.createIssue(REPO, { title: "Two files", body: "Write two files." });
    const before = h.gh.requests.length;
    await h.label(issue.number);
    await h.idle();
    await h.gh.actionsIdle();

    expect(h.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* done/);
    expect(billableByEndpoint(h.gh.requests.slice(before))).toEqual({
      // Per run: the config and the labeller's permission (the handler), the issue once, before planning (CI's
      // wake-ups act on the approved text the job carries), the pull request. No reaction: the plan comment acknowledges.
      "GET /contents/.github%2Fl2mac.yml": 1,
      "GET /collaborators/alice/permission": 1,
      "GET /issues/:n": 1,
      "POST /pulls": 1,
      // The plan comment: created once with the plan (no "planning" comment first: planning was quick),
      // then per instruction "committed" and "CI's verdict + the next started" (the last one: "done").
      "POST /issues/:n/comments": 1,
      "PATCH /issues/comments/:n": 4,
      // One look at each commit's CI.
      "GET /actions/runs": 2,
    });
  });
});

describe("the planning notice", () => {
  it('posts a "planning" comment when planning is slow, and the plan updates it, even with the notice still in flight', async () => {
    const agent = scriptedAgent({
      plan: ["Write a.txt."],
      steps: [{ match: "a.txt", actions: [write({ "a.txt": "a\n" })], summary: "Wrote a.txt." }],
    });
    let planned!: () => void;
    const plannedNow = new Promise<void>((resolve) => (planned = resolve));
    const h = await app.start({
      llm: async (r, i) => {
        const reply = await agent(r, i);
        if (kindOf(r) === "plan") planned();
        return reply;
      },
      env: { L2MAC_PLANNING_NOTICE_SECONDS: "0" },
    });
    const issue = h.gh.createIssue(REPO, { title: "A", body: "Write a.txt." });
    // GitHub answers the notice only after the plan came back: the plan's write finds the notice in flight.
    let heldNotice = false;
    h.gh.onRequest(async (req) => {
      if (req.method === "POST" && req.path.endsWith(`/issues/${issue.number}/comments`) && !heldNotice) {
        heldNotice = true;
        expect(String((req.body as { body?: string }).body)).toMatch(/\*\*Status:\*\* planning/);
        await plannedNow;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    await h.label(issue.number);
    await h.idle();

    expect(heldNotice).toBe(true);
    const created = h.gh.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/issues/${issue.number}/comments`));
    expect(created).toHaveLength(1);
    expect(h.gh.issue(REPO, issue.number).comments.filter((c) => c.user.type === "Bot")).toHaveLength(1);
    expect(h.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* done/);
  });
});

describe("the planning notice, when its answer is lost", () => {
  it("writes the plan on the notice GitHub made though its answer was lost, not on a second comment", async () => {
    const script = agent();
    const h = await app.start({
      llm: async (r, i) => {
        // Planning outlasts the notice's delay, so the notice is written (and its answer lost) first.
        if (kindOf(r) === "plan") await new Promise((resolve) => setTimeout(resolve, 300));
        return script(r, i);
      },
      env: { L2MAC_PLANNING_NOTICE_SECONDS: "0" },
    });
    const issue = h.gh.createIssue(REPO, { title: "Files", body: "Write the files." });
    const comments = `/issues/${issue.number}/comments`;
    let lost = 0;
    // GitHub makes the notice but its answer is a 502, and so is the look that follows it.
    h.gh.injectFaults(({ method, path, body }) => {
      if (lost === 0 && method === "POST" && path.endsWith(comments)) {
        lost = 1;
        h.gh.addComment(REPO, issue.number, (JSON.parse(body) as { body: string }).body, h.gh.botLogin);
        return { status: 502, body: { message: "Bad gateway" } };
      }
      if (lost === 1 && method === "GET" && path.includes(comments)) {
        lost = 2;
        return { status: 502, body: { message: "Bad gateway" } };
      }
      return undefined;
    });
    await h.label(issue.number);
    await h.idle();
    expect(lost).toBe(2);
    const bot = h.gh.issue(REPO, issue.number).comments.filter((c) => c.user.type === "Bot");
    expect(bot).toHaveLength(1);
    expect(bot[0]!.body).toMatch(/\*\*Status:\*\* done/);
  });
});

describe("the planning notice, when planning fails", () => {
  it("says so in the one comment the notice began", async () => {
    const h = await app.start({
      llm: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { status: 400, body: { error: { message: "the model is gone", type: "invalid_request_error" } } };
      },
      env: { L2MAC_PLANNING_NOTICE_SECONDS: "0" },
    });
    const issue = h.gh.createIssue(REPO, { title: "A", body: "Write a.txt." });
    await h.label(issue.number);
    await h.idle();
    const created = h.gh.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/issues/${issue.number}/comments`));
    expect(created).toHaveLength(1);
    expect((JSON.parse(created[0]!.body) as { body: string }).body).toMatch(/\*\*Status:\*\* planning/);
    const bot = h.gh.issue(REPO, issue.number).comments.filter((c) => c.user.type === "Bot");
    expect(bot).toHaveLength(1);
    expect(bot[0]!.body).toMatch(/\*\*Status:\*\* failed: planning failed/);
  });
});

describe("refusals", () => {
  it("replies once to a sender without write access: no LLM call, no branch", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "Do it", body: "Build a thing.", user: "rita" });
    await h.label(issue.number, { by: "rita" });
    await h.idle();
    const comments = h.gh.issue(REPO, issue.number).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/@rita only people with write access/);
    expect(h.llm.requests).toHaveLength(0);
    expect(await h.gh.branches(REPO)).toEqual(["main"]);
  });

  it("starts one run for a delivery sent three times", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "URL shortener", body: "Build it." });
    const payload = h.gh.issueLabeledPayload(REPO, issue.number, "l2mac");
    for (let i = 0; i < 3; i++) expect((await h.deliver("issues", payload, "delivery-1")).status).toBe(200);
    await h.idle();
    expect(h.llm.requests.filter((r) => kindOf(r) === "plan")).toHaveLength(1);
    expect(h.gh.issue(REPO, issue.number).comments.filter((c) => c.user.type === "Bot")).toHaveLength(1);
    expect((await h.gh.log(REPO, "l2mac/issue-1")).length).toBe(4);
  });

  it("explains an invalid .github/l2mac.yml in one comment", async () => {
    const h = await app.start({ llm: agent(), config: "max_instructions: lots\nbudgets:\n  max_cost: 3\n" });
    const issue = h.gh.createIssue(REPO, { title: "Do it", body: "Build a thing." });
    await h.label(issue.number);
    await h.idle();
    const comments = h.gh.issue(REPO, issue.number).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("`.github/l2mac.yml` is invalid");
    expect(comments[0]!.body).toContain("`max_instructions`");
    expect(comments[0]!.body).toContain("`budgets.max_cost`");
    expect(h.llm.requests).toHaveLength(0);
  });

  it("asks for a task when the issue body is empty", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "Something", body: "<!-- issue template comment -->\n" });
    await h.label(issue.number);
    await h.idle();
    const comments = h.gh.issue(REPO, issue.number).comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/no description for L2MAC to work from/);
    expect(h.llm.requests).toHaveLength(0);
  });

  it("ignores other labels and bot senders", async () => {
    const h = await app.start({ llm: agent() });
    const issue = h.gh.createIssue(REPO, { title: "x", body: "Build." });
    await h.label(issue.number, { label: "bug" });
    await h.label(issue.number, { by: "dependabot[bot]", byType: "Bot" });
    await h.idle();
    expect(h.gh.issue(REPO, issue.number).comments).toHaveLength(0);
    expect(h.llm.requests).toHaveLength(0);
  });
});
