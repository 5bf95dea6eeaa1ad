import { describe, expect, it } from "vitest";
import type { Phase } from "../../src/github/phase.js";
import type { Plan } from "../../src/github/plan.js";
import { applyRunCommand, type RunCommand } from "../../src/runs/run-commands.js";
import { PHASES, planAt } from "./plans.js";

const NOW = new Date("2026-11-22T10:00:00Z");
const by = (name: RunCommand["name"]): RunCommand => ({ name, actor: "alice" });

/** command × phase → the phase after it ("=" for the plan unchanged). */
const TABLE: Record<RunCommand["name"], Record<Phase, Phase | "=">> = {
  stop: {
    planning: "paused",
    "awaiting-approval": "paused",
    running: "paused",
    evaluating: "paused",
    finishing: "paused",
    done: "=",
    paused: "=",
    failed: "=",
    stopped: "=",
  },
  continue: {
    planning: "=",
    "awaiting-approval": "running",
    running: "=",
    evaluating: "=",
    finishing: "=",
    done: "running",
    paused: "running",
    failed: "running",
    stopped: "running",
  },
  // Applied elsewhere (advance-run.ts, task-consent.ts): the pure state change leaves the plan alone.
  status: Object.fromEntries(PHASES.map((p) => [p, "="])) as Record<Phase, "=">,
  replan: Object.fromEntries(PHASES.map((p) => [p, "="])) as Record<Phase, "=">,
  accept: Object.fromEntries(PHASES.map((p) => [p, "="])) as Record<Phase, "=">,
};

const cases = Object.entries(TABLE).flatMap(([name, row]) =>
  Object.entries(row).map(([phase, after]) => [name as RunCommand["name"], phase as Phase, after] as const),
);

describe("commands × phases", () => {
  it.each(cases)("/l2mac %s on a %s run → %s", (name, phase, after) => {
    const plan = planAt(phase, { reason: "earlier reason", detail: "CI said no" });
    const { plan: next, reply } = applyRunCommand(plan, by(name), NOW);
    expect(reply).toBeUndefined();
    if (after === "=") return expect(next).toBe(plan);
    expect(next.phase).toBe(after);
    if (name === "stop") expect(next.reason).toBe("stopped by @alice");
    if (name === "continue")
      expect(next).toMatchObject({ reason: undefined, current: undefined, evaluation: undefined, detail: undefined });
    expect(next.instructions).toEqual(plan.instructions);
  });
});

describe("the edges of stop and continue", () => {
  const evaluating = (extra: Partial<Plan> = {}) =>
    planAt("paused", {
      current: 2,
      evaluation: { sha: "c2", attempt: 2, since: "2026-11-22T09:00:00Z" },
      instructions: planAt("paused").instructions.map((i) => (i.id === 2 ? { ...i, commit: "c2" } : i)),
      ...extra,
    });

  it("stop keeps the instruction under evaluation, so CI is looked at again on continue", () => {
    const { plan } = applyRunCommand({ ...evaluating(), phase: "evaluating" }, by("stop"), NOW);
    expect(plan).toMatchObject({ phase: "paused", current: 2, evaluation: { sha: "c2" } });
    expect(applyRunCommand(planAt("running", { current: 2 }), by("stop"), NOW).plan.current).toBeUndefined();
  });

  it("continue on a commit CI paused looks at CI again, with the fix attempts counted afresh", () => {
    const { plan } = applyRunCommand(evaluating(), by("continue"), NOW);
    expect(plan).toMatchObject({ phase: "evaluating", current: 2, evaluation: { sha: "c2", attempt: 0, since: NOW.toISOString() } });
  });

  it("continue runs the instruction again when the commit under evaluation is no longer its commit", () => {
    const moved = evaluating({ evaluation: { sha: "other", attempt: 1, since: "2026-11-22T09:00:00Z" } });
    expect(applyRunCommand(moved, by("continue"), NOW).plan).toMatchObject({ phase: "running", current: undefined, evaluation: undefined });
  });

  it("continue before any plan existed plans", () => {
    const plan = { ...planAt("paused"), instructions: [] };
    expect(applyRunCommand(plan, by("continue"), NOW).plan).toMatchObject({ phase: "planning", reason: undefined });
  });

  it("continue on a finished program says there is nothing to continue", () => {
    const plan = planAt("done", { instructions: planAt("done").instructions.map((i) => ({ ...i, status: "done" as const })) });
    const { plan: next, reply } = applyRunCommand(plan, by("continue"), NOW);
    expect(next).toBe(plan);
    expect(reply).toBe("@alice Nothing to continue: every item of the program is done. Add or untick items first.");
  });
});
