import type { CallPurpose, ChatRequest, ChatResponse, LLM } from "./llm.js";

/** Which model serves each kind of call: a strong one may plan, a cheap one summarise. */
export interface RoleModels<T> {
  planner: T;
  executor: T;
  summary: T;
}

const ROLE_OF: Record<CallPurpose, keyof RoleModels<unknown>> = {
  plan: "planner",
  act: "executor",
  summary: "summary",
  "progress-note": "summary",
  // `l2mac eval`'s judge is its own LLM; routed here, it is a summary-like tool-free call.
  judge: "summary",
};

/**
 * One LLM port over a model per role, routed by each request's `purpose`, so the engine's control flow
 * is the same whether one model or three serve a run. Every request must fit every model (the summary
 * turn carries the executor's conversation), so the window is the smallest of them. Each model's
 * adapter prices its own calls, so cost figures and budgets add up per model.
 */
export class RoleLlm implements LLM {
  constructor(private readonly roles: RoleModels<LLM>) {}

  /** The executor's: it does most of the work, and names the run in logs. */
  get model(): string {
    return this.roles.executor.model;
  }

  get models(): string[] {
    return [...new Set([this.roles.executor.model, this.roles.planner.model, this.roles.summary.model])];
  }

  get contextWindow(): number {
    return Math.min(...this.distinct().map((l) => l.contextWindow));
  }

  get completionReserve(): number {
    return Math.min(...this.distinct().map((l) => l.completionReserve));
  }

  /** The model that serves calls for `purpose`. */
  for(purpose: CallPurpose): LLM {
    return this.roles[ROLE_OF[purpose]];
  }

  complete(request: ChatRequest, options?: { signal?: AbortSignal }): Promise<ChatResponse> {
    return this.for(request.purpose).complete(request, options);
  }

  private distinct(): LLM[] {
    return [...new Set([this.roles.executor, this.roles.planner, this.roles.summary])];
  }
}

/** Every model behind an LLM port. */
export const modelsOf = (llm: LLM): readonly string[] => llm.models ?? [llm.model];
