import { describe, expect, it } from "vitest";
import { defaultPrompts } from "../../src/engine/prompts.js";
import { boundTask, taskTokenBudget } from "../../src/engine/task-budget.js";
import { countText } from "../../src/engine/token-counter.js";

describe("boundTask", () => {
  it("leaves a task that fits as it is", () => {
    expect(boundTask("Build a URL shortener.", 100)).toEqual({ text: "Build a URL shortener.", tokens: 6, keptTokens: 6, cut: false });
  });

  it("keeps the start of a long task within the budget and says how much was cut", () => {
    const task = `Build the upload service.\n\n${"Uploads are validated and stored. ".repeat(20_000)}`;
    const bounded = boundTask(task, 1000);
    expect(bounded.cut).toBe(true);
    expect(countText(bounded.text)).toBeLessThanOrEqual(1000);
    expect(bounded.text.startsWith("Build the upload service.")).toBe(true);
    expect(bounded.text).toMatch(/\[… the rest of the task was cut: it is more than [\d,]+ tokens, of which the first [\d,]+ fit/);
    expect(bounded.keptTokens).toBeGreaterThan(800);
  });
});

describe("taskTokenBudget", () => {
  it("is a quarter of the prompt budget for the built-in prompts, which carry the task once per request", () => {
    expect(taskTokenBudget({ contextWindow: 32_768, completionReserve: 4096 }, defaultPrompts("codebase"))).toBe(6809);
  });
});
