import { describe, expect, it } from "vitest";
import type { InstructionCommits } from "../../src/engine/instruction-step.js";
import type { Plan, PlanInstruction } from "../../src/github/plan.js";
import { evaluateHead, reconcile } from "../../src/runs/reconcile.js";
import { planAt } from "./plans.js";

const NOW = "2026-11-22T10:00:00.000Z";
const on = (commits: Record<number, string>): InstructionCommits =>
  new Map(Object.entries(commits).map(([id, sha]) => [Number(id), { sha, summary: `summary of ${sha}` }]));
const item = (plan: Plan, id: number): PlanInstruction => plan.instructions.find((i) => i.id === id)!;
const withItem = (plan: Plan, id: number, patch: Partial<PlanInstruction>): Plan => ({
  ...plan,
  instructions: plan.instructions.map((i) => (i.id === id ? { ...i, ...patch } : i)),
});

/** What the branch says happened, and what the plan then says of instruction 2 (and of the run). */
const CASES: Array<{
  name: string;
  plan: Plan;
  commits: InstructionCommits;
  ci?: boolean;
  expected: Partial<PlanInstruction>;
  phase?: string;
}> = [
  {
    name: "a pending instruction committed on the branch is done, with the commit's summary",
    plan: planAt("running"),
    commits: on({ 2: "c2" }),
    expected: { status: "done", commit: "c2", summary: "summary of c2" },
  },
  {
    name: "its own summary is kept",
    plan: withItem(planAt("running"), 2, { summary: "said before" }),
    commits: on({ 2: "c2" }),
    expected: { status: "done", commit: "c2", summary: "said before" },
  },
  {
    name: "one sent round again (redo) is run again",
    plan: withItem(planAt("running"), 2, { redo: true }),
    commits: on({ 2: "c2" }),
    expected: { status: "pending", redo: true },
  },
  {
    name: "one CI failed for is not taken as done",
    plan: withItem(planAt("paused"), 2, { ci: { result: "failed" } }),
    commits: on({ 2: "c2" }),
    expected: { status: "pending" },
  },
  {
    name: "the one under evaluation is left to CI",
    plan: planAt("evaluating", { current: 2, evaluation: { sha: "c2", attempt: 0, since: NOW } }),
    commits: on({ 2: "c2" }),
    expected: { status: "pending" },
    phase: "evaluating",
  },
  {
    name: "the current one, pushed before the worker died, goes to CI",
    plan: planAt("running", { current: 2 }),
    commits: on({ 2: "c2" }),
    expected: { status: "pending", commit: "c2", summary: "summary of c2" },
    phase: "evaluating",
  },
  {
    name: "the current one is done at once without CI",
    plan: planAt("running", { current: 2 }),
    commits: on({ 2: "c2" }),
    ci: false,
    expected: { status: "done", commit: "c2" },
    phase: "running",
  },
  {
    name: "an instruction without a commit stays pending",
    plan: planAt("running"),
    commits: on({ 3: "c3" }),
    expected: { status: "pending" },
  },
];

describe("reconcile: what the branch says happened", () => {
  it.each(CASES)("$name", ({ plan, commits, ci = true, expected, phase }) => {
    const out = reconcile(plan, commits, ci, NOW);
    expect(item(out, 2)).toMatchObject(expected);
    if (phase) expect(out.phase).toBe(phase);
    // Instruction 1 was done before: nothing about it changes.
    expect(item(out, 1)).toEqual(item(plan, 1));
  });

  it("puts the current instruction's commit under evaluation from now, with no fix attempt yet", () => {
    const out = reconcile(planAt("running", { current: 2 }), on({ 2: "c2" }), true, NOW);
    expect(out.evaluation).toEqual({ sha: "c2", attempt: 0, since: NOW });
  });

  it("evaluates a newer head pushed on top of the commit under evaluation", () => {
    const plan = planAt("evaluating", { current: 2, evaluation: { sha: "c2", attempt: 1, since: "2026-11-22T09:00:00Z" } });
    const out = evaluateHead(plan, "c2-fixed", NOW);
    expect(out.evaluation).toEqual({ sha: "c2-fixed", attempt: 1, since: NOW });
    expect(item(out, 2).commit).toBe("c2-fixed");
    expect(evaluateHead(planAt("running"), "x", NOW)).toEqual(planAt("running"));
  });
});
