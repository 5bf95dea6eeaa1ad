import { FEEDBACK_SHARE, shareOf } from "./context-budget.js";
import type { Evaluator } from "./evaluator.js";
import type { FileStore } from "./file-store.js";
import { formatSyntaxProblem, type SyntaxChecker, type SyntaxProblem } from "./syntax-checker.js";
import { clipTail } from "./text.js";

export interface GateInput {
  store: FileStore;
  checkSyntax: SyntaxChecker;
  evaluator?: Evaluator;
  signal?: AbortSignal;
}

/**
 * What an agent's completion claim must pass: no syntax problems left in the files the instruction
 * touched, then the evaluator. Where the checker is known to be wrong at times (problems marked
 * `unsure`: the grammars with measured false positives, listed in checks/tree-sitter-syntax.ts), the same
 * problems shown a second time are taken as the agent's override; any change to them is refused again.
 * A problem from any other checker (JSON, YAML, the grammars without known false positives) is never
 * overridden: it is a real syntax error.
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
      const fingerprint = problems.map(formatSyntaxProblem).join("\n");
      const overridable = problems.every((p) => p.unsure);
      if (!overridable || this.refusedSyntax !== fingerprint) {
        this.refusedSyntax = fingerprint;
        return { ok: false, message: refusal(fingerprint, overridable) };
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

  private async syntaxProblems(touched: ReadonlySet<string>): Promise<SyntaxProblem[]> {
    const problems: SyntaxProblem[] = [];
    for (const path of [...touched].sort()) {
      const text = await this.input.store.read(path);
      if (text !== undefined) problems.push(...(await this.input.checkSyntax(path, text)));
    }
    return problems;
  }
}

function refusal(problems: string, overridable: boolean): string {
  const head = `The step is not complete: syntax problems remain in files written during this step:\n${problems}\nFix them.`;
  return overridable
    ? `${head} If you are certain the code is valid and the checker is wrong, ` +
        "call sub_task_step_complete again without changing those files."
    : `${head} The checker of these files has no known false positives on current code, so they cannot be overridden` +
        " (if you used syntax from the language's newest release, write it the older way).";
}
