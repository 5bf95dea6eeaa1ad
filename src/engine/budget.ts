import type { TokenCounts } from "./llm.js";
import { addUsage, totalTokens, usageOf, zeroUsage, type Prices, type Usage } from "./usage.js";

/** Limits on a run. Reaching one pauses the run with the reason; nothing written is lost. */
export interface Budgets {
  /** Prompt + completion tokens over the whole run. */
  maxTokens?: number;
  maxCostUsd?: number;
  /** Instructions executed in one invocation of the run. */
  maxInstructions?: number;
  /**
   * LLM turns of one instruction in one context; each context restart starts a new count, so the
   * restarts bind (the paper's limit) and an instruction takes at most this × (maxContextRestarts + 1).
   */
  maxTurnsPerInstruction: number;
  /** Summarise-and-restart cycles per instruction before it fails (the paper's r_max). */
  maxContextRestarts: number;
}

export const DEFAULT_BUDGETS: Budgets = { maxTurnsPerInstruction: 40, maxContextRestarts: 30 };

/** Accounts every LLM call's tokens and cost against the run's budgets. */
export class Meter {
  private usage: Usage;

  constructor(
    private readonly budgets: Budgets,
    private readonly prices: Prices | undefined,
    initial: Usage = zeroUsage(),
  ) {
    this.usage = initial;
  }

  get total(): Usage {
    return this.usage;
  }

  /** Adds one call's tokens; returns that call's usage. */
  record(counts: TokenCounts): Usage {
    const call = usageOf(counts, this.prices);
    this.usage = addUsage(this.usage, call);
    return call;
  }

  /** The reason to stop, when a token or cost budget is used up. */
  exceeded(): string | undefined {
    const { maxTokens, maxCostUsd } = this.budgets;
    const tokens = totalTokens(this.usage);
    if (maxTokens !== undefined && tokens >= maxTokens) {
      return `the token budget is used up (${tokens.toLocaleString("en-US")} of ${maxTokens.toLocaleString("en-US")} tokens)`;
    }
    if (maxCostUsd !== undefined && this.usage.costUsd >= maxCostUsd) {
      return `the cost budget is used up ($${this.usage.costUsd.toFixed(4)} of $${maxCostUsd.toFixed(2)})`;
    }
    return undefined;
  }
}
