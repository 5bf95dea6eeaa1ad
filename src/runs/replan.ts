import type { Meter } from "../engine/budget.js";
import type { LLM } from "../engine/llm.js";
import { planProgram } from "../engine/planner.js";
import type { Prompts } from "../engine/prompts.js";
import { boundTask, taskTokenBudget } from "../engine/task-budget.js";
import { itemText, type Plan } from "../github/plan.js";

/**
 * `/l2mac replan`: plans the unchecked part again from the current task. Finished and skipped items stay
 * as they are, in place; the new instructions replace the unchecked ones after them.
 */
export async function replan(input: {
  plan: Plan;
  task: string;
  llm: LLM;
  prompts: Prompts;
  maxInstructions: number;
  meter: Meter;
  signal?: AbortSignal;
}): Promise<Plan> {
  const { plan } = input;
  const kept = plan.instructions.filter((i) => i.status !== "pending");
  const done = kept.filter((i) => i.status === "done").map((i, n) => `${n + 1}. ${i.text}${i.summary ? ` (${i.summary})` : ""}`);
  // The list is bounded like the task it follows, so the request fits the window however long the program.
  const list = boundTask(done.join("\n"), Math.floor(taskTokenBudget(input.llm, input.prompts) / 2)).text;
  const task = done.length > 0 ? `${input.task}\n\nAlready done, do not plan again:\n${list}` : input.task;
  const steps = await planProgram({
    llm: input.llm,
    prompts: input.prompts,
    task,
    maxSteps: Math.max(1, input.maxInstructions - kept.length),
    meter: input.meter,
    signal: input.signal,
  });
  let nextId = plan.nextId;
  const fresh = steps.map((text) => ({ id: nextId++, text: itemText(text), status: "pending" as const }));
  return { ...plan, nextId, usage: input.meter.total, instructions: [...kept, ...fresh], current: undefined };
}
