import { defaultPrompts } from "../../src/engine/prompts.js";
import { PLAN_TOOL } from "../../src/engine/tools/definitions.js";
import type { RecordedRequest, Responder, ScriptReply } from "./scripted-llm-server.js";

/** What a request to the scripted server is for, judged the way the engine builds them. */
export type RequestKind = "plan" | "summary" | "progress-note" | "act";

const prompts = defaultPrompts("codebase");
const lastText = (r: RecordedRequest): string => String(r.body.messages.at(-1)?.content ?? "");

export function kindOf(r: RecordedRequest): RequestKind {
  // By the tools, not the tool choice: servers differ in which forced choice they are sent (docs/providers.md).
  const tools: Array<{ function?: { name?: string } }> = Array.isArray(r.body.tools) ? r.body.tools : [];
  if (tools.some((t) => t.function?.name === PLAN_TOOL)) return "plan";
  // Tool-free turns: `none`, or no tools at all for servers that ignore `none`.
  if (r.body.tool_choice === "none" || tools.length === 0) {
    return lastText(r) === prompts.control_unit_exhaust_context_window ? "progress-note" : "summary";
  }
  return "act";
}

/** The instruction message (second message) of an execution request. */
export const instructionMessage = (r: RecordedRequest): string => String(r.body.messages[1]?.content ?? "");

/** Just the instruction inside that message (not the task, listing or summaries around it). */
export function instructionText(r: RecordedRequest): string {
  const message = instructionMessage(r);
  return /Your instruction, to carry out now:\n```\n([\s\S]*?)\n```/.exec(message)?.[1] ?? message;
}

export interface StepScript {
  /** Text that identifies the step in its instruction message. */
  match: string;
  /** Replies to its act requests, in order; after the last, it claims completion. */
  actions: ScriptReply[];
  summary?: string;
}

export const write = (files: Record<string, string>): ScriptReply => ({
  toolCalls: [
    {
      name: "write_files",
      arguments: { list_of_file_objects: Object.entries(files).map(([file_path, file_contents]) => ({ file_path, file_contents })) },
    },
  ],
});
export const complete: ScriptReply = { toolCalls: [{ name: "sub_task_step_complete", arguments: {} }] };
export const call = (name: string, args: unknown): ScriptReply => ({ toolCalls: [{ name, arguments: args }] });

/**
 * A scripted L2MAC agent: answers the plan request with `plan`, each step's act requests with its
 * actions (then `sub_task_step_complete`), summary requests with the step's summary.
 */
export function scriptedAgent(options: {
  plan?: string[];
  steps: StepScript[];
  onRequest?: (r: RecordedRequest, kind: RequestKind) => ScriptReply | undefined;
}): Responder {
  const used = new Map<StepScript, number>();
  const stepOf = (r: RecordedRequest): StepScript => {
    const text = instructionText(r);
    const step = options.steps.find((s) => text.includes(s.match));
    if (!step) throw new Error(`no scripted step matches the instruction message: ${text.slice(0, 300)}`);
    return step;
  };
  return (r) => {
    const kind = kindOf(r);
    const override = options.onRequest?.(r, kind);
    if (override) return override;
    switch (kind) {
      case "plan":
        return { toolCalls: [{ name: "provide_detailed_sub_task_steps_for_sub_agents", arguments: { steps: options.plan ?? [] } }] };
      case "summary":
        return { content: stepOf(r).summary ?? "Done." };
      case "progress-note":
        return { content: "Made progress on the step. More remains." };
      case "act": {
        const step = stepOf(r);
        const n = used.get(step) ?? 0;
        used.set(step, n + 1);
        return step.actions[n] ?? complete;
      }
    }
  };
}
