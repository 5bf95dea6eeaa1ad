import { describe, expect, it } from "vitest";
import { Meter } from "../../src/engine/budget.js";
import type { ChatRequest, ChatResponse, LLM } from "../../src/engine/llm.js";
import { parsePlanArguments, planProgram, PlanError } from "../../src/engine/planner.js";
import { defaultPrompts } from "../../src/engine/prompts.js";

/** An in-process LLM port: planner tests need no HTTP at all. */
function fakeLlm(replies: Array<Partial<ChatResponse["message"]>>): LLM & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    model: "fake",
    contextWindow: 100_000,
    completionReserve: 1000,
    requests,
    async complete(request) {
      requests.push(request);
      const reply = replies.shift() ?? { content: "" };
      return {
        message: { role: "assistant", content: null, ...reply },
        usage: { promptTokens: 10, completionTokens: 5 },
        finishReason: "stop",
      };
    },
  };
}
const planCall = (args: string) => ({
  tool_calls: [
    { id: "c1", type: "function" as const, function: { name: "provide_detailed_sub_task_steps_for_sub_agents", arguments: args } },
  ],
});
const meter = () => new Meter({ maxTurnsPerInstruction: 10, maxContextRestarts: 3 }, undefined);
const plan = (llm: LLM, maxSteps = 10) =>
  planProgram({ llm, prompts: defaultPrompts("codebase"), task: "Build it.", maxSteps, meter: meter() });

describe("planner", () => {
  it.each([
    ['{"steps": ["a", "b"]}', ["a", "b"]],
    ['{"steps": ["a", "b"', ["a", "b"]],
    ['{"steps": ["first step", "second st', ["first step", "second st"]],
    ["{steps: ['a', 'b',]}", ["a", "b"]],
    ['["a", "b"]', ["a", "b"]],
    ['{"steps": ["  a  ", "", "b"]}', ["a", "b"]],
  ])("reads %s", (raw, steps) => {
    expect(parsePlanArguments(raw)).toEqual(steps);
  });

  it("rejects something that is not a list of steps", () => {
    expect(() => parsePlanArguments('{"steps": "do it all"}')).toThrow(PlanError);
  });

  it("forces the planning tool", async () => {
    const llm = fakeLlm([planCall('{"steps": ["a"]}')]);
    expect(await plan(llm)).toEqual(["a"]);
    expect(llm.requests[0]!.toolChoice).toEqual({ name: "provide_detailed_sub_task_steps_for_sub_agents" });
  });

  it("asks once to merge a plan over the limit, then accepts the merged plan", async () => {
    const llm = fakeLlm([planCall('{"steps": ["a", "b", "c"]}'), planCall('{"steps": ["a", "b and c"]}')]);
    expect(await plan(llm, 2)).toEqual(["a", "b and c"]);
    const retry = llm.requests[1]!.messages;
    expect(retry.at(-1)).toMatchObject({ role: "tool", tool_call_id: "c1" });
    expect(String(retry.at(-1)!.content)).toMatch(/limit of 2/);
  });

  it("fails clearly when the plan stays over the limit", async () => {
    const llm = fakeLlm([planCall('{"steps": ["a", "b", "c"]}'), planCall('{"steps": ["a", "b", "c"]}')]);
    await expect(plan(llm, 2)).rejects.toThrow(/3 steps, more than the limit of 2/);
  });

  it("reads a numbered list from a server that ignores the forced tool", async () => {
    expect(await plan(fakeLlm([{ content: "Plan:\n1. Do a.\n2. Do b.\n" }]))).toEqual(["Do a.", "Do b."]);
  });

  it("rejects an empty plan", async () => {
    await expect(plan(fakeLlm([planCall('{"steps": []}')]))).rejects.toThrow(/empty plan/);
  });
});
