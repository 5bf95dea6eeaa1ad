import { describe, expect, it } from "vitest";
import { MAX_COMMENT_CHARS, PLAN_MARKER, parseChecklist, renderPlanComment } from "../../src/github/checklist.js";
import { newPlan, type Plan } from "../../src/github/plan.js";
import { applyEdits, planFromComment } from "../../src/github/plan-edits.js";

const ctx = { repoUrl: "https://github.com/acme/demo", now: new Date("2026-11-22T10:00:00Z") };

function donePlan(): Plan {
  const plan = newPlan("run1", "l2mac/issue-7", ["Create the store.", "Add the API.", "Write the README."]);
  plan.instructions[0] = { ...plan.instructions[0]!, status: "done", commit: "3f2a1c9d0e", summary: "Added store.ts with 6 tests." };
  return { ...plan, current: 2, usage: { promptTokens: 40_000, completionTokens: 1_210, costUsd: 0.123, calls: 7 } };
}

const reparse = (body: string) => planFromComment(parseChecklist(body))!;
const summary = (p: Plan) => p.instructions.map((i) => `${i.id}:${i.status}${i.redo ? "(redo)" : ""}:${i.text}`);

describe("plan comment", () => {
  it("renders the marker, task items with hidden ids, the status line and a state block that round-trips", () => {
    const body = renderPlanComment(donePlan(), ctx);
    expect(body.startsWith(PLAN_MARKER)).toBe(true);
    expect(body).toContain("- [x] Create the store. <!-- l2mac:i=1 -->");
    expect(body).toContain("  ✅ [`3f2a1c9`](https://github.com/acme/demo/commit/3f2a1c9d0e) · Added store.ts with 6 tests.");
    expect(body).toContain("- [ ] Add the API. <!-- l2mac:i=2 -->\n  ⏳ running");
    expect(body).toContain(
      "**Status:** running instruction 2 of 3 · branch `l2mac/issue-7` · 41,210 tokens · $0.12 · updated 2026-11-22 10:00 UTC",
    );
    const back = reparse(body);
    expect(back.instructions).toEqual(donePlan().instructions);
    expect(back.usage).toEqual(donePlan().usage);
  });

  it("keeps the state block intact when texts contain comment terminators", () => {
    const plan = donePlan();
    plan.instructions[0]!.summary = "Wrote --> and <!-- into html.ts";
    expect(reparse(renderPlanComment(plan, ctx)).instructions[0]!.summary).toBe("Wrote --> and <!-- into html.ts");
  });

  it("stays under GitHub's comment limit by shortening summaries", () => {
    const plan = newPlan(
      "r",
      "b",
      Array.from({ length: 100 }, (_, i) => `Instruction number ${i} ${"with detail ".repeat(30)}`),
    );
    plan.instructions = plan.instructions.map((i) => ({ ...i, status: "done", commit: "a".repeat(40), summary: "s".repeat(600) }));
    const body = renderPlanComment(plan, ctx);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(reparse(body).instructions).toHaveLength(100);
  });
});

describe("the origin of an item a review asked for", () => {
  const withOrigin = (url: string): Plan => {
    const plan = newPlan("run1", "l2mac/issue-7", ["Rename it."]);
    plan.instructions[0] = { ...plan.instructions[0]!, origin: { by: "alice", url, pr: 3, c: 9, p: "a.ts", l: 2 } };
    return plan;
  };
  it("links only into this repository's pull requests, whatever URL the state block holds", () => {
    const own = renderPlanComment(withOrigin("https://github.com/acme/demo/pull/3#discussion_r9"), ctx);
    expect(own).toContain("💬 from the [review by @alice](https://github.com/acme/demo/pull/3#discussion_r9) on a.ts:2");
    for (const url of [
      "https://evil.example/acme/demo/pull/3",
      "http://github.com/acme/demo/pull/3",
      "javascript:alert(1)",
      "https://github.com/acme/demo-x/pull/3",
    ]) {
      const body = renderPlanComment(withOrigin(url), ctx);
      expect(body, url).toContain("💬 from the review by @alice on a.ts:2");
      expect(body, url).not.toContain("](");
    }
  });
});

describe("user edits", () => {
  const rendered = () => renderPlanComment(donePlan(), ctx);

  it("applies rewording, insertion, deletion, reordering, ticking and unticking made in the browser", () => {
    const edited = rendered()
      .replace(/\n/g, "\r\n")
      .replace("- [x] Create the store.", "* [ ] Create the store.")
      .replace("- [ ] Add the API.", "+ [X] Add the API.")
      .replace(
        "- [ ] Write the README. <!-- l2mac:i=3 -->",
        "- [ ] Write the README and a CHANGELOG. <!-- l2mac:i=3 -->\n- [ ] Add a Dockerfile.",
      );
    const plan = reparse(`Some text above.\r\n${edited}\r\nThanks!`);
    expect(summary(plan)).toEqual([
      "1:pending(redo):Create the store.",
      "2:skipped:Add the API.",
      "3:pending:Write the README and a CHANGELOG.",
      "4:pending:Add a Dockerfile.",
    ]);
    expect(plan.nextId).toBe(5);
  });

  it("follows an item whose hidden marker was deleted by its text, and drops deleted items", () => {
    const edited = rendered().replace(" <!-- l2mac:i=2 -->", "").replace("- [ ] Write the README. <!-- l2mac:i=3 -->\n", "");
    expect(summary(reparse(edited))).toEqual(["1:done:Create the store.", "2:pending:Add the API."]);
  });

  it("applies the user's order", () => {
    const body = rendered();
    const lines = body.split("\n");
    const api = lines.findIndex((l) => l.includes("i=2"));
    const readme = lines.findIndex((l) => l.includes("i=3"));
    [lines[api], lines[readme]] = [lines[readme]!, lines[api]!];
    expect(reparse(lines.join("\n")).instructions.map((i) => i.id)).toEqual([1, 3, 2]);
  });

  it("merges edits into the app's newer plan without undoing the app's progress", () => {
    const base = rendered();
    // The app has since finished instruction 2; meanwhile the user rewords 3 against the old rendering.
    const ours = donePlan();
    ours.instructions[1] = { ...ours.instructions[1]!, status: "done", summary: "API added.", commit: "bbbbbbb" };
    const live = parseChecklist(base.replace("Write the README.", "Write the README in French."));
    expect(summary(applyEdits(ours, live))).toEqual([
      "1:done:Create the store.",
      "2:done:Add the API.",
      "3:pending:Write the README in French.",
    ]);
  });

  it("ignores checklists that are not the app's (no state block, or another run)", () => {
    const ours = donePlan();
    expect(applyEdits(ours, parseChecklist("- [ ] evil <!-- l2mac:i=1 -->"))).toBe(ours);
    const other = renderPlanComment({ ...donePlan(), runId: "other" }, ctx);
    expect(applyEdits(ours, parseChecklist(other))).toBe(ours);
  });
});
