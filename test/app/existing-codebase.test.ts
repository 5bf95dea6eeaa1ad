import { describe, expect, it } from "vitest";
import { countPrompt } from "../../src/engine/token-counter.js";
import { REPO } from "../support/app-harness.js";
import { AGENTS_RULE, existingProject, LATE_FEE_NEW, LATE_FEE_OLD, LEDGER_PATH } from "../support/existing-project.js";
import { useHarness } from "../support/scenario.js";
import { call, complete, kindOf, instructionMessage, scriptedAgent } from "../support/scripted-agent.js";
import type { RecordedRequest } from "../support/scripted-llm-server.js";

const WINDOW = 16_384;
const STEP = `In ${LEDGER_PATH}, change computeLateFee so that a late fee never exceeds 5,000 cents; change nothing else.`;

const toolResults = (r: RecordedRequest): string[] =>
  (r.body.messages as Array<{ role: string; content: unknown }>).filter((m) => m.role === "tool").map((m) => String(m.content));

/** An agent that works as one should on an existing codebase: search, view the range found, edit in place. */
const agent = () =>
  scriptedAgent({
    plan: [STEP],
    steps: [{ match: "computeLateFee", actions: [], summary: "Capped computeLateFee at 5,000 cents." }],
    onRequest: (r, kind) => {
      if (kind !== "act") return undefined;
      const results = toolResults(r);
      if (results.length === 0) return call("search_files", { pattern: "function computeLateFee", path: "src" });
      if (results.length === 1) {
        const line = Number(new RegExp(`${LEDGER_PATH}:(\\d+):`).exec(results[0]!)?.[1]);
        if (!line) throw new Error(`the search did not find the function: ${results[0]}`);
        return call("view_files", { files: [{ path: LEDGER_PATH, start_line: line - 2, end_line: line + 8 }] });
      }
      if (results.length === 2)
        return call("edit_files", { edits: [{ file_path: LEDGER_PATH, old_text: LATE_FEE_OLD, new_text: LATE_FEE_NEW }] });
      return complete;
    },
  });

const app = useHarness();

describe("an issue on an existing codebase", () => {
  it("plans from the repository, follows AGENTS.md, searches, views a range and edits one function in place", async () => {
    const files = existingProject(1000);
    const original = files[LEDGER_PATH]!;
    expect(original.split("\n").length).toBeGreaterThanOrEqual(3000);
    const h = await app.start({ llm: agent(), files, env: { L2MAC_CONTEXT_WINDOW: String(WINDOW) } });
    const issue = h.gh.createIssue(REPO, {
      title: "Cap the late fee",
      body: "computeLateFee in the billing ledger can charge huge fees on big invoices. Cap the late fee at 5,000 cents.",
    });
    await h.label(issue.number);
    await h.idle();

    expect(h.llm.violations).toEqual([]);
    for (const r of h.llm.requests)
      expect(countPrompt(r.body.messages, r.body.tools) + (r.body.max_tokens ?? 0)).toBeLessThanOrEqual(WINDOW);

    // The planner saw the repository: its listing and its AGENTS.md.
    const planning = JSON.stringify(h.llm.requests.find((r) => kindOf(r) === "plan")!.body.messages);
    expect(planning).toContain("This task changes an existing repository");
    expect(planning).toMatch(/100\d files:/);
    expect(planning).toContain("src/billing/ledger.ts");
    expect(planning).toContain(AGENTS_RULE);

    // Every execution request offers search_files and edit_files and carries AGENTS.md.
    const acts = h.llm.requests.filter((r) => kindOf(r) === "act");
    expect(acts).toHaveLength(4);
    for (const r of acts) {
      const tools = (r.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
      expect(tools).toEqual(expect.arrayContaining(["search_files", "edit_files"]));
      expect(instructionMessage(r)).toContain(AGENTS_RULE);
    }
    // The agent searched, viewed a range (not the whole file) and edited: each tool said it worked.
    const [searched, viewed, edited] = toolResults(acts[3]!);
    expect(searched).toMatch(new RegExp(`^1 matching line[\\s\\S]*${LEDGER_PATH}:\\d+: export function computeLateFee`));
    expect(viewed).toMatch(/lines \d+-\d+ of \d+\)/);
    expect(viewed).toContain("export function computeLateFee");
    expect(viewed).not.toContain("postEntry0(");
    expect(edited).toMatch(/^Edited src\/billing\/ledger\.ts: lines \d+-\d+ replaced by 6 lines\.\nSyntax checks passed\.$/);

    // The branch's ledger differs from the original only in that function, byte for byte elsewhere.
    const branch = `l2mac/issue-${issue.number}`;
    const changed = await h.gh.readFile(REPO, branch, LEDGER_PATH);
    const at = original.indexOf(LATE_FEE_OLD);
    expect(changed).toBe(original.slice(0, at) + LATE_FEE_NEW + original.slice(at + LATE_FEE_OLD.length));
    expect(await h.gh.readFile(REPO, branch, "src/modules/area3/part3/mod3.ts")).toBe(files["src/modules/area3/part3/mod3.ts"]);

    // The plan comment names the instruction file it read, and the pull request is open.
    const plan = h.planComment(issue.number)!.body;
    expect(plan).toContain("Read the repository's instructions for agents: `AGENTS.md`");
    expect(plan).toMatch(/\*\*Status:\*\* done/);
    expect(h.gh.pulls(REPO)).toEqual([expect.objectContaining({ head: branch, base: "main", state: "open" })]);
  });
});
