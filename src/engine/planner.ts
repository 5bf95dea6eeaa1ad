import { jsonrepair } from "jsonrepair";
import type { Meter } from "./budget.js";
import type { LLM } from "./llm.js";
import { system, user, type ChatMessage } from "./messages.js";
import { fillPrompt, type Prompts } from "./prompts.js";
import { countPrompt } from "./token-counter.js";
import { PLAN_TOOL, PLAN_TOOL_SPEC, PlanArgs } from "./tools/definitions.js";

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

/** Parses plan arguments, repairing truncated or slightly malformed JSON (the model may be cut off). */
export function parsePlanArguments(raw: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    try {
      value = JSON.parse(jsonrepair(raw));
    } catch (e) {
      throw new PlanError(`The plan could not be read as JSON even after repair: ${(e as Error).message}`);
    }
  }
  // Some models send the bare array.
  if (Array.isArray(value)) value = { steps: value };
  const parsed = PlanArgs.safeParse(value);
  if (!parsed.success) throw new PlanError(`The plan is not a list of steps: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data.steps.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A numbered or bulleted list in plain text, for servers that ignore a forced tool choice. */
function stepsFromText(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.match(/^\s*(?:\d+[.)]|[-*+])\s+(.+)$/)?.[1]?.trim())
    .filter((s): s is string => Boolean(s));
}

/**
 * Bootstraps the prompt program from the task with one call that forces the planning tool; if the model
 * exceeds the step limit it is asked once to merge steps. Throws PlanError with a reason the user can act on.
 */
export async function planProgram(input: {
  llm: LLM;
  prompts: Prompts;
  task: string;
  maxSteps: number;
  meter: Meter;
  /** What the planner is told of the existing repository (see repo-context.ts); absent for an empty one. */
  codebase?: string;
  signal?: AbortSignal;
}): Promise<string[]> {
  const { llm, prompts, task, maxSteps, meter } = input;
  const first = fillPrompt(prompts.first_message, { prompt_task: task, steps: maxSteps });
  const messages: ChatMessage[] = [
    system(fillPrompt(prompts.system, { prompt_task: task, steps: maxSteps })),
    user(input.codebase ? `${first}\n\n${input.codebase}` : first),
  ];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const exceeded = meter.exceeded();
    if (exceeded) throw new PlanError(`Planning stopped: ${exceeded}.`);
    // A request the server must refuse is not sent (callers bound the task with boundTask first).
    const prompt = countPrompt(messages, [PLAN_TOOL_SPEC]);
    if (prompt > llm.contextWindow - llm.completionReserve) {
      throw new PlanError(
        `The planning request is ${prompt} tokens, more than the ${llm.contextWindow - llm.completionReserve} the model's context window leaves for a prompt.`,
      );
    }
    const response = await llm.complete(
      { messages, tools: [PLAN_TOOL_SPEC], toolChoice: { name: PLAN_TOOL }, temperature: 0, purpose: "plan" },
      { signal: input.signal },
    );
    meter.record(response.usage);
    const call = response.message.tool_calls?.find((c) => c.function.name === PLAN_TOOL);
    const steps = call ? parsePlanArguments(call.function.arguments) : stepsFromText(response.message.content ?? "");
    if (steps.length === 0) throw new PlanError("The model returned an empty plan.");
    if (steps.length <= maxSteps) return steps;
    if (!call || attempt === 2) {
      throw new PlanError(`The model planned ${steps.length} steps, more than the limit of ${maxSteps}.`);
    }
    // Every call of the reply gets its answer before the next request, or the API rejects it.
    messages.push(response.message);
    for (const c of response.message.tool_calls ?? []) {
      messages.push({
        role: "tool",
        tool_call_id: c.id,
        content: `error: ${steps.length} steps is more than the limit of ${maxSteps}. Merge related steps and call ${PLAN_TOOL} again with at most ${maxSteps} steps, keeping every requirement.`,
      });
    }
  }
  throw new PlanError("The model did not produce a plan.");
}
