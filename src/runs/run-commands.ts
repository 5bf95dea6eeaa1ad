import type { CommandName } from "../github/commands.js";
import { isStopped } from "../github/phase.js";
import type { Plan } from "../github/plan.js";
import { reasons, replies } from "./reasons.js";

/** A command for a run, as carried by a queued job. */
export interface RunCommand {
  name: Exclude<CommandName, "help">;
  /** Who gave it, for the status line. */
  actor: string;
}

/**
 * The state changes of `/l2mac continue` and `/l2mac stop` (pure). Continue re-evaluates a commit whose
 * CI paused the run (someone may have fixed or re-run it) and otherwise resumes at the first unchecked item.
 * Returns a reply when there is nothing to do.
 */
export function applyRunCommand(plan: Plan, command: RunCommand, now: Date): { plan: Plan; reply?: string } {
  if (command.name === "stop") {
    if (isStopped(plan.phase) && plan.phase !== "awaiting-approval") return { plan };
    return {
      plan: { ...plan, phase: "paused", reason: reasons.stoppedBy(command.actor), current: plan.evaluation ? plan.current : undefined },
    };
  }
  if (command.name !== "continue" || !isStopped(plan.phase)) return { plan };
  // Stopped before a plan existed: continuing means planning.
  if (plan.instructions.length === 0) return { plan: { ...plan, phase: "planning", reason: undefined } };
  const pending = plan.instructions.some((i) => i.status === "pending");
  const evaluating =
    plan.evaluation && plan.instructions.find((i) => i.id === plan.current && i.status === "pending" && i.commit === plan.evaluation?.sha);
  if (evaluating && plan.evaluation) {
    return {
      plan: { ...plan, phase: "evaluating", reason: undefined, evaluation: { ...plan.evaluation, attempt: 0, since: now.toISOString() } },
    };
  }
  if (!pending && plan.phase === "done") {
    return { plan, reply: replies.nothingToContinue(command.actor) };
  }
  return { plan: { ...plan, phase: "running", reason: undefined, current: undefined, evaluation: undefined, detail: undefined } };
}
