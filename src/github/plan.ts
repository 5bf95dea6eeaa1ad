import { createHash } from "node:crypto";
import { z } from "zod";
import { updateInstruction, type Instruction } from "../engine/program.js";
import { UsageSchema, zeroUsage, type Usage } from "../engine/usage.js";
import { clip } from "./markdown-text.js";
import { PhaseSchema, type Phase } from "./phase.js";

/**
 * A run's durable state on GitHub: the prompt program (as task-list items in the plan comment) plus a
 * hidden state block. The server keeps no database; any worker reconstructs the run from these. The
 * block's short keys (`h`, `c`, `s`, `ci.r` …) stay here: `stateOf` writes them and `planFromComment`
 * (plan-edits.ts) reads them; everything else works with the Plan.
 */

/** passed · failed (still failing after fix attempts) · none (no CI covers the branch) · base (fails as on the default branch) */
export const CiResultSchema = z.enum(["passed", "failed", "none", "base"]);
export type CiResult = z.infer<typeof CiResultSchema>;

/** What CI said about an instruction's commit, and the run to look at. */
export interface CiNote {
  result: CiResult;
  url?: string;
}

/** A CI note as the state block keeps it (short keys: the block is read back from every comment). */
const CiNoteStateSchema = z.object({ r: CiResultSchema, url: z.string().optional() });

/** The commit being evaluated by CI, and how many fix attempts it has had. */
export const CiEvaluationSchema = z.object({
  sha: z.string(),
  attempt: z.number().int().nonnegative(),
  since: z.string(),
});
export type CiEvaluation = z.infer<typeof CiEvaluationSchema>;

/**
 * Where an instruction came from when a review of the run's pull request asked for it: the reviewer, the
 * review (or comment) to link, the pull request, and for a line comment its id (for the reply in its
 * thread and the diff hunk shown to the agent), path and line. `a`: the thread has been answered.
 */
export const ReviewOriginStateSchema = z.object({
  by: z.string().max(100),
  url: z.string().max(500),
  pr: z.number().int().positive(),
  c: z.number().int().positive().optional(),
  /** The thread's top comment when `c` is a reply in it: replies are made to the top one (GitHub takes no reply to a reply). */
  t: z.number().int().positive().optional(),
  p: z.string().max(500).optional(),
  l: z.number().int().positive().optional(),
  a: z.boolean().optional(),
  /** Asked for by `/l2mac <text>` on the pull request rather than by a review. */
  k: z.literal("cmd").optional(),
});
export type ReviewOriginState = z.infer<typeof ReviewOriginStateSchema>;

/** What the app last rendered for one item: the base of a three-way merge with the user's edits. */
export const ItemStateSchema = z.object({
  /** Hash of the item's text as rendered. */
  h: z.string(),
  /** Whether the box was ticked as rendered. */
  c: z.boolean(),
  s: z.enum(["pending", "done", "skipped"]),
  sum: z.string().optional(),
  sha: z.string().optional(),
  u: UsageSchema.optional(),
  redo: z.boolean().optional(),
  ci: CiNoteStateSchema.optional(),
  rv: ReviewOriginStateSchema.optional(),
});
export type ItemState = z.infer<typeof ItemStateSchema>;

export const PlanStateSchema = z.object({
  v: z.literal(1),
  runId: z.string(),
  phase: PhaseSchema,
  reason: z.string().optional(),
  /** The instruction being run or evaluated. */
  current: z.number().int().optional(),
  branch: z.string(),
  usage: UsageSchema,
  nextId: z.number().int().positive(),
  /** Items by id, in the order the app rendered them. */
  order: z.array(z.number().int().positive()),
  items: z.record(z.string(), ItemStateSchema),
  pr: z.number().int().optional(),
  evaluation: CiEvaluationSchema.optional(),
  /** The default branch's CI before the run: failing job names are not blamed on the run. */
  base: z.object({ red: z.boolean(), failingJobs: z.array(z.string()) }).optional(),
  notes: z.array(z.string()).optional(),
  /** Details of the last CI failure, shown folded under the status. */
  detail: z.string().optional(),
  /** `updated_at` of the comment version this state was merged from: an edit after it was overwritten. */
  seen: z.string().optional(),
  /** Hash of the task (issue title and body) the run was started or last accepted with. */
  taskHash: z.string().optional(),
  /** A changed task waiting for `/l2mac accept`: its hash, and the app's comment showing the diff. */
  pendingTask: z.object({ h: z.string(), comment: z.number().int().optional() }).optional(),
});
export type PlanState = z.infer<typeof PlanStateSchema>;

/** An instruction as the GitHub side tracks it: the engine's fields plus its CI result and its review origin. */
export type PlanInstruction = Instruction & { ci?: CiNote; origin?: ReviewOriginState };

/** The run as the worker handles it. */
export interface Plan {
  runId: string;
  phase: Phase;
  reason?: string;
  current?: number;
  branch: string;
  usage: Usage;
  nextId: number;
  instructions: PlanInstruction[];
  pr?: number;
  evaluation?: CiEvaluation;
  base?: { red: boolean; failingJobs: string[] };
  notes?: string[];
  detail?: string;
  seen?: string;
  taskHash?: string;
  /** A changed task waiting for `/l2mac accept`: its hash, and the app's comment showing the diff. */
  pendingTask?: PendingTask;
}

export interface PendingTask {
  hash: string;
  comment?: number;
}

export const normaliseItemText = (text: string): string =>
  text
    .replace(/<!--[\s\S]*?(-->|$)/g, "")
    .replace(/\s+/g, " ")
    .trim();

/**
 * Bounds on what a program holds, whoever wrote it (the planner, a user's edit): the comment must render,
 * and every request must fit the model's window.
 */
export const MAX_ITEM_CHARS = 1_000;
export const MAX_ITEMS = 100;
/** Items' text together; past it, an edit's new lines are left out. */
export const MAX_ITEMS_TEXT = 40_000;
/** The newest notes are kept, each at most this long. */
export const MAX_NOTES = 10;
export const MAX_NOTE_CHARS = 500;
const MAX_REASON_CHARS = 1_000;
/** The last CI failure is kept (and shown, folded) up to this many characters, its end first. */
export const MAX_DETAIL_CHARS = 6_000;

/** An instruction's text as the program keeps it: one line, no hidden comments, at most MAX_ITEM_CHARS. */
export const itemText = (text: string): string => clip(normaliseItemText(text), MAX_ITEM_CHARS);

export const textHash = (text: string): string => createHash("sha256").update(normaliseItemText(text)).digest("hex").slice(0, 10);

/**
 * The hash that stands for a task a writer approved: all of SHA-256 over the exact sanitised text (a
 * short hash would let an issue author search for a different text with the same one).
 */
export const taskHashOf = (task: string): string => createHash("sha256").update(task).digest("hex");

export function newPlan(runId: string, branch: string, steps: readonly string[]): Plan {
  return {
    runId,
    phase: "running",
    branch,
    usage: zeroUsage(),
    nextId: steps.length + 1,
    instructions: steps.map((text, i) => ({ id: i + 1, text: itemText(text), status: "pending" as const })),
  };
}

/** The state block recorded with a rendering of `plan`. */
export function stateOf(plan: Plan): PlanState {
  const items: Record<string, ItemState> = {};
  for (const i of plan.instructions) {
    items[String(i.id)] = {
      h: textHash(i.text),
      c: i.status !== "pending",
      s: i.status,
      ...(i.summary ? { sum: i.summary } : {}),
      ...(i.commit ? { sha: i.commit } : {}),
      ...(i.usage ? { u: i.usage } : {}),
      ...(i.redo ? { redo: true } : {}),
      ...(i.ci ? { ci: { r: i.ci.result, url: i.ci.url } } : {}),
      ...(i.origin ? { rv: originState(i.origin) } : {}),
    };
  }
  return {
    v: 1,
    runId: plan.runId,
    phase: plan.phase,
    ...(plan.reason ? { reason: clip(plan.reason, MAX_REASON_CHARS) } : {}),
    ...(plan.current !== undefined ? { current: plan.current } : {}),
    branch: plan.branch,
    usage: plan.usage,
    nextId: plan.nextId,
    order: plan.instructions.map((i) => i.id),
    items,
    ...(plan.pr !== undefined ? { pr: plan.pr } : {}),
    ...(plan.evaluation ? { evaluation: plan.evaluation } : {}),
    ...(plan.base ? { base: plan.base } : {}),
    ...(plan.notes?.length ? { notes: plan.notes.slice(-MAX_NOTES).map((n) => clip(n, MAX_NOTE_CHARS)) } : {}),
    ...(plan.detail ? { detail: plan.detail.slice(-MAX_DETAIL_CHARS) } : {}),
    ...(plan.seen ? { seen: plan.seen } : {}),
    ...(plan.taskHash ? { taskHash: plan.taskHash } : {}),
    ...(plan.pendingTask ? { pendingTask: pendingTaskState(plan.pendingTask) } : {}),
  };
}

/** Within the state block's bounds, whatever the payload said. */
const originState = (o: ReviewOriginState): ReviewOriginState => ({
  ...o,
  by: o.by.slice(0, 100),
  url: o.url.slice(0, 500),
  ...(o.p !== undefined ? { p: o.p.slice(0, 500) } : {}),
});

const pendingTaskState = (p: PendingTask): PlanState["pendingTask"] => ({
  h: p.hash,
  ...(p.comment !== undefined ? { comment: p.comment } : {}),
});

/** The plan with one instruction changed (its CI note included). */
export const setInstruction = (plan: Plan, id: number, patch: Partial<Omit<PlanInstruction, "id">>): Plan =>
  updateInstruction<PlanInstruction, Plan>(plan, id, patch);

export const nextPending = (plan: Plan): PlanInstruction | undefined => plan.instructions.find((i) => i.status === "pending");

/** Whether the run has pushed to its branch: then GitHub must still have it. */
export const hasPushed = (plan: Plan): boolean => Boolean(plan.evaluation) || plan.instructions.some((i) => i.commit);
