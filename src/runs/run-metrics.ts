import type { Phase } from "../github/phase.js";

/**
 * What a run reports for operators (Prometheus in `ops/metrics.ts`); a port, so `runs/` needs no
 * metrics library. Every method is cheap and never throws.
 */
export interface RunMetrics {
  /** The phase a run's advance ended in (runs by phase). */
  runAdvanced(run: string, phase: Phase): void;
  instructionDone(): void;
  /** One LLM call's tokens and cost (USD; 0 when the model has no known price). */
  llmCall(model: string, promptTokens: number, completionTokens: number, costUsd: number): void;
}

export const noMetrics: RunMetrics = {
  runAdvanced: () => undefined,
  instructionDone: () => undefined,
  llmCall: () => undefined,
};
