import { alreadyCommitted, type InstructionCommits } from "../engine/instruction-step.js";
import { setInstruction, type Plan } from "../github/plan.js";

/**
 * The plan after what the branch says happened: an instruction already committed on it (the worker died
 * before saving) is not redone. The instruction under evaluation is left alone: its commit is there, but
 * CI has not accepted it yet. One CI failed for is not taken as done either.
 */
export function reconcile(plan: Plan, commits: InstructionCommits, ciEnabled: boolean, now: string): Plan {
  let out = plan;
  for (const { instruction: i, commit: found } of alreadyCommitted(plan.instructions, commits)) {
    if (i.ci?.result === "failed") continue;
    if (i.id === plan.current) {
      if (plan.evaluation) continue;
      // Pushed, then the worker died before saving: CI has not looked at it yet.
      if (ciEnabled) {
        out = setInstruction({ ...out, phase: "evaluating", evaluation: { sha: found.sha, attempt: 0, since: now } }, i.id, {
          commit: found.sha,
          summary: i.summary ?? found.summary,
        });
        continue;
      }
    }
    out = setInstruction(out, i.id, { status: "done", commit: found.sha, summary: i.summary ?? found.summary });
  }
  return out;
}

/** A commit pushed on top of the one under evaluation (a human's fix, a partial commit): the newest is evaluated. */
export function evaluateHead(plan: Plan, head: string, now: string): Plan {
  if (!plan.evaluation) return plan;
  const moved: Plan = { ...plan, evaluation: { ...plan.evaluation, sha: head, since: now } };
  return moved.current !== undefined ? setInstruction(moved, moved.current, { commit: head }) : moved;
}
