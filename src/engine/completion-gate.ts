import { FEEDBACK_SHARE, shareOf } from "./context-budget.js";
import type { Evaluator } from "./evaluator.js";
import type { FileStore } from "./file-store.js";
import { formatSyntaxProblem, type SyntaxChecker } from "./syntax-checker.js";
import { clipTail } from "./text.js";

export interface GateInput {
  store: FileStore;
  checkSyntax: SyntaxChecker;
  evaluator?: Evaluator;
  signal?: AbortSignal;
}

/**
 * What an agent's completion claim must pass: no syntax problems left in the files the instruction
 * touched, then the evaluator. The same syntax problems shown a second time are taken as the agent's
 * override (checkers can be wrong); any change to them is refused again.
 */
export class CompletionGate {
  /** Syntax problems already shown at a refused completion. */
  private refusedSyntax?: string;

  constructor(private readonly input: GateInput) {}

  /** `budget` is the prompt budget now: the evaluator's output is clipped to a share of it. */
  async check(touched: ReadonlySet<string>, budget: number): Promise<{ ok: boolean; message: string }> {
    const problems = await this.syntaxProblems(touched);
    let overridden = false;
    if (problems.length > 0) {
      const fingerprint = problems.join("\n");
      if (this.refusedSyntax !== fingerprint) {
        this.refusedSyntax = fingerprint;
        return {
          ok: false,
          message:
            `The step is not complete: syntax problems remain in files written during this step:\n${fingerprint}\n` +
            "Fix them. If you are certain the code is valid and the checker is wrong, call sub_task_step_complete again without changing those files.",
        };
      }
      overridden = true;
    }
    const evaluation = this.input.evaluator ? await this.input.evaluator.evaluate({ signal: this.input.signal }) : { ok: true as const };
    if (!evaluation.ok) {
      return {
        ok: false,
        message: `The checks failed, so the step is not complete yet:\n${clipTail(evaluation.output, shareOf(budget, FEEDBACK_SHARE))}`,
      };
    }
    return { ok: true, message: overridden ? "Step complete (syntax warnings overridden)." : "Step complete; the checks passed." };
  }

  private async syntaxProblems(touched: ReadonlySet<string>): Promise<string[]> {
    const problems: string[] = [];
    for (const path of [...touched].sort()) {
      const text = await this.input.store.read(path);
      if (text !== undefined) problems.push(...(await this.input.checkSyntax(path, text)).map(formatSyntaxProblem));
    }
    return problems;
  }
}
