/**
 * The evaluator port, run when an agent claims its instruction is complete. Locally: an opt-in test
 * command; on GitHub: the repository's Actions runs. No evaluator means the claim is accepted.
 */
export type Evaluation = { ok: true; output?: string } | { ok: false; output: string };

export interface Evaluator {
  evaluate(options?: { signal?: AbortSignal }): Promise<Evaluation>;
}
