import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ITEMS_END, MAX_COMMENT_CHARS, PLAN_MARKER, parseChecklist, renderPlanComment } from "../../src/github/checklist.js";
import { itemText, newPlan, type Plan } from "../../src/github/plan.js";
import { applyEdits, planFromComment } from "../../src/github/plan-edits.js";

/**
 * The plan comment under hostile embedded text: whatever a CI log, a model's summary, a server's error or
 * the planner's item text holds, the program parsed back from the comment is the program rendered into
 * it, before and after a save, and after the browser edits people make. Only a line a person adds to the
 * task list changes it.
 */

const ctx = { repoUrl: "https://github.com/acme/demo", now: new Date("2026-11-22T10:00:00Z") };

const FRAGMENTS = [
  "- [ ] evil one",
  "* [x] evil two",
  "+ [X] evil three",
  "1. [ ] evil four",
  "2) [x] evil five",
  "  - [ ] nested evil",
  "<details>",
  "</details>",
  "<summary>x</summary>",
  "-->",
  "<!--",
  "--!>",
  "~~~",
  "~~~~",
  "**Status:** done",
  ITEMS_END,
  PLAN_MARKER,
  "### L2MAC prompt program",
  "<!-- l2mac:i=1 -->",
  '<!-- l2mac:state {"v":1} -->',
  "&lt;",
  "&amp;lt;",
  "&gt;",
  "> quoted",
  "[//]: # (hidden)",
  "@alice",
  "\\",
  "|",
];

const hostile: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => "`".repeat(n)) },
      { weight: 3, arbitrary: fc.constantFrom("\n", "\r\n", "\r", "\n\n", "\u2028", "\t") },
      { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 1, arbitrary: fc.constantFrom("x".repeat(65_536), "`".repeat(65_536), "<".repeat(20_000)) },
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(""));

/** Where the hostile text goes: every field of the plan that is rendered into the comment. */
const fields = fc.record({
  detail: hostile,
  reason: hostile,
  notes: fc.array(hostile, { maxLength: 3 }),
  summary: hostile,
  itemText: hostile,
  /** A reviewer's login, link and path, rendered under the item a review asked for. */
  origin: fc.record({ by: hostile, url: hostile, path: hostile }),
  phase: fc.constantFrom("paused" as const, "failed" as const, "running" as const, "evaluating" as const),
});

type Fields = typeof fields extends fc.Arbitrary<infer T> ? T : never;

function hostilePlan(f: Fields): Plan {
  const plan = newPlan("run1", "l2mac/issue-7", ["Create the store.", "Add the API.", "Write the README."]);
  const text = itemText(f.itemText) || "Fallback text.";
  plan.instructions[0] = { ...plan.instructions[0]!, status: "done", commit: "3f2a1c9d0e", summary: f.summary };
  plan.instructions[1] = {
    ...plan.instructions[1]!,
    text,
    origin: { by: f.origin.by, url: f.origin.url, pr: 3, c: 9, p: f.origin.path, l: 4 },
  };
  return {
    ...plan,
    phase: f.phase,
    current: 2,
    reason: f.reason,
    notes: f.notes,
    detail: f.detail,
    evaluation: f.phase === "evaluating" ? { sha: "3f2a1c9d0e", attempt: 1, since: "2026-11-22T09:00:00Z" } : undefined,
  };
}

/** The program as the worker reads it: ids, texts and whether each is done. */
const program = (p: Plan | undefined) => p?.instructions.map((i) => ({ id: i.id, text: i.text, status: i.status }));

/** Browser edits that delete the app's hidden or visible trailers, or change line endings. */
const BROWSER_EDITS: Record<string, (body: string) => string> = {
  none: (b) => b,
  crlf: (b) => b.replace(/\n/g, "\r\n"),
  "end marker deleted": (b) => b.replace(ITEMS_END, ""),
  "end marker and status line deleted": (b) => b.replace(ITEMS_END, "").replace(/^\*\*Status:\*\*.*$/m, ""),
};

const runs = { numRuns: 150, seed: 20261122 };

describe("the plan comment under hostile embedded text", () => {
  it("reads back exactly the rendered program, after saves and browser edits", () => {
    fc.assert(
      fc.property(fields, fc.constantFrom(...Object.keys(BROWSER_EDITS)), (f, edit) => {
        const plan = hostilePlan(f);
        const body = renderPlanComment(plan, ctx);
        expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
        const live = parseChecklist(BROWSER_EDITS[edit]!(body));
        expect(program(planFromComment(live))).toEqual(program(plan));
        // A save merges the live comment into the app's plan: nothing changes, and again after it.
        const saved = applyEdits(plan, live);
        expect(program(saved)).toEqual(program(plan));
        const again = parseChecklist(renderPlanComment(saved, ctx));
        expect(program(planFromComment(again))).toEqual(program(plan));
      }),
      runs,
    );
  });

  it("takes a line a person adds to the task list, and only that", () => {
    fc.assert(
      fc.property(fields, (f) => {
        const plan = hostilePlan(f);
        const body = renderPlanComment(plan, ctx).replace(/(<!-- l2mac:i=1 -->)/, "$1\n- [ ] Add a changelog.");
        const merged = applyEdits(plan, parseChecklist(body));
        expect(program(merged)).toEqual([
          program(plan)![0],
          { id: plan.nextId, text: "Add a changelog.", status: "pending" },
          ...program(plan)!.slice(1),
        ]);
      }),
      runs,
    );
  });

  it("keeps every embedded text inside its container when rendered", () => {
    fc.assert(
      fc.property(fields, (f) => {
        const body = renderPlanComment(hostilePlan(f), ctx);
        const lines = body.split("\n");
        const outsideLines = lines.filter((_l, i) => !insideFence(lines, i));
        // Outside the CI failure's code block: one end marker, one status line and one state block, the last line.
        expect(outsideLines.filter((l) => l === ITEMS_END)).toHaveLength(1);
        expect(outsideLines.filter((l) => l.startsWith("**Status:**"))).toHaveLength(1);
        expect(outsideLines.filter((l) => l.includes("<!-- l2mac:state "))).toHaveLength(1);
        expect(lines.at(-1)).toMatch(/^<!-- l2mac:state /);
        // Outside the CI failure's code block, HTML opens only where the app puts it: the fold around that
        // block, the marker, the end marker, three item ids and the state block.
        const outside = outsideLines.join("\n");
        const html = (tag: string) => outside.match(new RegExp(`(?<!(?:^|[^\\\\])(?:\\\\\\\\)*\\\\)${tag}`, "g")) ?? [];
        const folded = body.includes("<summary>Last CI failure</summary>") ? 1 : 0;
        expect(html("<details")).toHaveLength(folded);
        expect(html("</details")).toHaveLength(folded);
        expect(html("<!--")).toHaveLength(1 + 1 + 3 + 1);
      }),
      runs,
    );
  });
});

/** Whether line i is inside a fenced code block (the fence of the CI failure). */
function insideFence(lines: readonly string[], i: number): boolean {
  let fence: string | undefined;
  for (let n = 0; n < i; n++) {
    const f = /^(`{3,})/.exec(lines[n]!)?.[1];
    if (f && (!fence || (f.length >= fence.length && lines[n]!.trim() === f))) fence = fence ? undefined : f;
  }
  return fence !== undefined && !/^`{3,}$/.test(lines[i]!);
}
