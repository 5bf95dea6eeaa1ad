import { newPlan, type Plan } from "../../src/github/plan.js";
import { PhaseSchema, type Phase } from "../../src/github/phase.js";
import type { RunJob } from "../../src/runs/run-job.js";

/** A run of three instructions, the first done, at `phase`: the fixture the table tests of src/runs vary. */
export function planAt(phase: Phase, extra: Partial<Plan> = {}): Plan {
  const plan = newPlan("run1", "l2mac/issue-1", ["Write a.txt.", "Write b.txt.", "Write c.txt."]);
  return {
    ...plan,
    phase,
    instructions: plan.instructions.map((i) => (i.id === 1 ? { ...i, status: "done" as const, commit: "c1", summary: "Wrote a.txt." } : i)),
    ...extra,
  };
}

export const PHASES: readonly Phase[] = PhaseSchema.options;

/** A run's job for issue 1 of acme/demo, as the table tests of src/runs and the queue tests start from. */
export const JOB: RunJob = {
  installationId: 1,
  owner: "acme",
  repo: "demo",
  issueNumber: 1,
  cloneUrl: "http://x/acme/demo.git",
  defaultBranch: "main",
  htmlUrl: "http://x/acme/demo",
};
