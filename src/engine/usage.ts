import { z } from "zod";
import type { TokenCounts } from "./llm.js";

export const UsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  calls: z.number().int().nonnegative(),
  /** Some calls had no usage from the server and were counted locally: the figures are estimates. */
  estimated: z.boolean().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const zeroUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    costUsd: a.costUsd + b.costUsd,
    calls: a.calls + b.calls,
    ...((a.estimated || b.estimated) && { estimated: true }),
  };
}

/** The cost as people read it: "$0.0123", or "$0.0123 (estimated)" when some calls were counted locally. */
export const formatCost = (u: Usage, digits = 2): string => `$${u.costUsd.toFixed(digits)}${u.estimated ? " (estimated)" : ""}`;

export const totalTokens = (u: Usage): number => u.promptTokens + u.completionTokens;

/** USD per million tokens. */
export interface Prices {
  input: number;
  output: number;
}

// List prices (USD / 1M tokens) of common models; anything else is priced by configuration or counted as 0.
const KNOWN_PRICES: ReadonlyArray<[prefix: string, prices: Prices]> = [
  ["gpt-4o-mini", { input: 0.15, output: 0.6 }],
  ["gpt-4o", { input: 2.5, output: 10 }],
  ["gpt-4.1-nano", { input: 0.1, output: 0.4 }],
  ["gpt-4.1-mini", { input: 0.4, output: 1.6 }],
  ["gpt-4.1", { input: 2, output: 8 }],
  ["gpt-4-turbo", { input: 10, output: 30 }],
  ["gpt-4", { input: 30, output: 60 }],
  ["gpt-3.5-turbo", { input: 0.5, output: 1.5 }],
  ["o4-mini", { input: 1.1, output: 4.4 }],
  ["o3-mini", { input: 1.1, output: 4.4 }],
  ["o3", { input: 2, output: 8 }],
];

/** Prices for a model: the configured ones, else the longest matching known prefix, else undefined. */
export function pricesFor(model: string, configured?: Prices): Prices | undefined {
  if (configured) return configured;
  const name = model.toLowerCase().replace(/^.*\//, "");
  const hit = KNOWN_PRICES.filter(([prefix]) => name.startsWith(prefix)).sort((x, y) => y[0].length - x[0].length)[0];
  return hit?.[1];
}

export const costOf = (counts: TokenCounts, prices: Prices | undefined): number =>
  prices ? (counts.promptTokens * prices.input + counts.completionTokens * prices.output) / 1_000_000 : 0;

/** One call's usage; a cost the adapter already computed for its own model wins over `prices`. */
export function usageOf(counts: TokenCounts, prices: Prices | undefined): Usage {
  return {
    promptTokens: counts.promptTokens,
    completionTokens: counts.completionTokens,
    costUsd: counts.costUsd ?? costOf(counts, prices),
    calls: 1,
    ...(counts.estimated && { estimated: true }),
  };
}
