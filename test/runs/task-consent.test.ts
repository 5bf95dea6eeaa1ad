import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/github/plan.js";
import { reasons } from "../../src/runs/reasons.js";
import type { RunCommand } from "../../src/runs/run-commands.js";
import type { RunJob } from "../../src/runs/run-job.js";
import { decideConsent, type ConsentDecision } from "../../src/runs/task-consent.js";
import { planAt } from "./plans.js";

const APPROVED = "hash-of-the-approved-text";
const CHANGED = "hash-of-the-changed-text";
const NEWER = "hash-of-a-newer-text";

const cmd = (name: RunCommand["name"], actor = "alice"): RunCommand => ({ name, actor });
const job = (extra: Partial<Pick<RunJob, "approvedTask" | "commands">> = {}) => extra;
const labelled = (hash: string, by = "alice") => ({ approvedTask: { hash, text: "the text", by } });
const running = (extra: Partial<Plan> = {}) => planAt("running", { taskHash: APPROVED, ...extra });

/** The task's hash now, the run's plan, the job that woke it → what consent decides. */
const CASES: Array<{ name: string; current: string; plan?: Plan; job: ReturnType<typeof job>; expected: ConsentDecision }> = [
  { name: "no writer ever approved a task: nothing runs", current: APPROVED, job: job(), expected: { kind: "unapproved" } },
  {
    name: "the label's approval starts a run without a plan",
    current: APPROVED,
    job: job(labelled(APPROVED)),
    expected: { kind: "approved", approved: APPROVED },
  },
  {
    name: "the run goes on with the text it was approved with",
    current: APPROVED,
    plan: running(),
    job: job(),
    expected: { kind: "approved", approved: APPROVED },
  },
  {
    name: "/l2mac accept with nothing changed is answered",
    current: APPROVED,
    plan: running(),
    job: job({ commands: [cmd("accept", "bob")] }),
    expected: { kind: "approved", approved: APPROVED, nothingToAccept: "bob" },
  },
  {
    name: "a writer labelling the changed text again approves it",
    current: CHANGED,
    plan: running({ pendingTask: { hash: CHANGED } }),
    job: job({ ...labelled(CHANGED, "carol"), commands: [cmd("accept")] }),
    expected: { kind: "approved", approved: APPROVED, relabelledBy: "carol" },
  },
  {
    name: "/l2mac accept takes the change whose diff was shown",
    current: CHANGED,
    plan: running({ pendingTask: { hash: CHANGED, comment: 9 } }),
    job: job({ commands: [cmd("accept", "bob")] }),
    expected: { kind: "accepted", approved: APPROVED, by: "bob" },
  },
  {
    name: "/l2mac accept of an older diff: the newer change is shown first",
    current: NEWER,
    plan: running({ pendingTask: { hash: CHANGED, comment: 9 } }),
    job: job({ commands: [cmd("accept", "bob")] }),
    expected: { kind: "changed", approved: APPROVED, changedAgain: "bob", refused: [], newChange: true, pause: true },
  },
  {
    name: "a change pauses a running run and refuses continue and replan",
    current: CHANGED,
    plan: running(),
    job: job({ commands: [cmd("continue"), cmd("stop"), cmd("replan", "bob")] }),
    expected: { kind: "changed", approved: APPROVED, refused: [cmd("continue"), cmd("replan", "bob")], newChange: true, pause: true },
  },
  {
    name: "the same change seen again is not shown again",
    current: CHANGED,
    plan: running({ phase: "paused", reason: reasons.taskChanged(), pendingTask: { hash: CHANGED, comment: 9 } }),
    job: job(),
    expected: { kind: "changed", approved: APPROVED, refused: [], newChange: false, pause: true },
  },
  {
    name: "a run stopped for another reason stays stopped, the change recorded",
    current: CHANGED,
    plan: running({ phase: "failed", reason: "planning failed: no steps" }),
    job: job(),
    expected: { kind: "changed", approved: APPROVED, refused: [], newChange: true, pause: false },
  },
  {
    name: "a run waiting for approval pauses for the change",
    current: CHANGED,
    plan: running({ phase: "awaiting-approval" }),
    job: job(),
    expected: { kind: "changed", approved: APPROVED, refused: [], newChange: true, pause: true },
  },
  {
    name: "an issue edited between the label and the run waits before planning",
    current: CHANGED,
    job: job(labelled(APPROVED)),
    expected: { kind: "changed", approved: APPROVED, refused: [], newChange: true, pause: true },
  },
];

describe("task consent decisions", () => {
  it.each(CASES)("$name", ({ current, plan, job, expected }) => {
    expect(decideConsent(current, plan, job)).toEqual(expected);
  });
});
