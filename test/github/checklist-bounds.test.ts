import { describe, expect, it } from "vitest";
import { MAX_COMMENT_CHARS, parseChecklist, renderPlanComment } from "../../src/github/checklist.js";
import { MAX_ITEMS, MAX_ITEMS_TEXT, MAX_NOTE_CHARS, MAX_NOTES, newPlan, type Plan } from "../../src/github/plan.js";
import { planFromComment } from "../../src/github/plan-edits.js";

const ctx = { repoUrl: "https://github.example-enterprise.com/some-organisation/some-repository", now: new Date("2026-11-22T10:00:00Z") };

describe("a program within the bounds", () => {
  it("always fits one comment, even with every extra at its largest, and reads back whole", () => {
    const text = (i: number) => `Instruction ${i}: ${"x".repeat(MAX_ITEMS_TEXT / MAX_ITEMS - 20)}`;
    const plan: Plan = newPlan(
      "run1",
      "l2mac/issue-7",
      Array.from({ length: MAX_ITEMS }, (_, i) => text(i)),
    );
    plan.instructions = plan.instructions.map((i) => ({
      ...i,
      status: "done",
      commit: "f".repeat(40),
      summary: "s".repeat(600),
      usage: { promptTokens: 123_456_789, completionTokens: 12_345_678, costUsd: 1234.123456789, calls: 999 },
      ci: { result: "passed", url: `${ctx.repoUrl}/actions/runs/12345678901` },
    }));
    const full: Plan = {
      ...plan,
      phase: "paused",
      reason: "r".repeat(5000),
      notes: Array.from({ length: MAX_NOTES + 5 }, () => "n".repeat(MAX_NOTE_CHARS * 2)),
      detail: "<".repeat(6000),
    };
    const body = renderPlanComment(full, ctx);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    const back = planFromComment(parseChecklist(body))!;
    expect(back.instructions.map((i) => [i.id, i.text, i.status, i.commit])).toEqual(
      full.instructions.map((i) => [i.id, i.text, i.status, i.commit]),
    );
  });
});
