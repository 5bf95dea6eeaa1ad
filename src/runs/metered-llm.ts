import type { LLM } from "../engine/llm.js";
import { costOf, pricesFor, type Prices } from "../engine/usage.js";
import type { RunMetrics } from "./run-metrics.js";

/** The LLM with each call's tokens and cost reported to the metrics; everything else passes through unchanged. */
export function meteredLlm(llm: LLM, metrics: RunMetrics, prices?: Prices): LLM {
  const complete: LLM["complete"] = async (request, options) => {
    const response = await llm.complete(request, options);
    const { usage } = response;
    const cost = usage.costUsd ?? costOf(usage, pricesFor(llm.model, prices));
    metrics.llmCall(llm.model, usage.promptTokens, usage.completionTokens, cost);
    return response;
  };
  return new Proxy(llm, {
    // Bound to the adapter itself: its methods and getters may use private fields a proxy does not have.
    get(target, key) {
      if (key === "complete") return complete;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
