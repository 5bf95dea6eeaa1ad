import { z } from "zod";

/**
 * The run's phases: planning → awaiting-approval → running ⇄ evaluating → finishing → done, and paused or
 * failed from anywhere; stopped when its pull request was closed, its issue closed or its label removed. An active phase moves on by itself (and is woken again after a restart); every
 * other phase waits for a person: a command, an edit of the checklist, a new label.
 */
export const PhaseSchema = z.enum([
  "planning",
  "awaiting-approval",
  "running",
  "evaluating",
  "finishing",
  "done",
  "paused",
  "failed",
  "stopped",
]);
export type Phase = z.infer<typeof PhaseSchema>;

const ACTIVE: ReadonlySet<Phase> = new Set(["planning", "running", "evaluating", "finishing"]);

/** The run works on by itself: planning, running, evaluating or finishing. */
export const isActive = (phase: Phase): boolean => ACTIVE.has(phase);

/** The run waits for a person: done, failed, paused, stopped or awaiting approval. */
export const isStopped = (phase: Phase): boolean => !ACTIVE.has(phase);
