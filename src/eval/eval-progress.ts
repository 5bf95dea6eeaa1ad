import type { RunEventListener } from "../engine/events.js";
import { totalTokens } from "../engine/usage.js";
import { progressReporter } from "../local/progress.js";
import type { RunRecord } from "./run-record.js";
import { formatNumber } from "./summary.js";

type Out = NodeJS.WritableStream & { isTTY?: boolean };

function scoreLine(r: RunRecord): string {
  const features = r.features
    ? `${r.features.implemented}/${r.features.total} features (${formatNumber(r.features.percent)} %)`
    : `features not scored: ${r.featuresError}`;
  const lint = "errors" in r.lint ? `${r.lint.errors} lint errors` : `lint: ${r.lint.skipped}`;
  const tests = r.tests
    ? "error" in r.tests
      ? ` · tests: ${r.tests.error}`
      : ` · tests ${r.tests.passed} passed, ${r.tests.failed} failed`
    : "";
  const tokens = totalTokens(r.coderUsage) + (r.judge ? totalTokens(r.judge.usage) : 0);
  const cost = r.coderUsage.costUsd + (r.judge?.usage.costUsd ?? 0);
  return `${features} · ${r.syntaxErrors} syntax errors · ${lint} · ${r.loc} LOC in ${r.files} files${tests} · ${tokens.toLocaleString("en-US")} tokens · $${cost.toFixed(4)}`;
}

/**
 * The eval's progress display, in the style of the CLI's: one line as each run starts and ends, the
 * engine's own progress (instructions, turns, tokens) in between, and the scoring stages.
 */
export function evalProgress(out: Out, total: number) {
  let reporter: ReturnType<typeof progressReporter> | undefined;
  const line = (text: string) => out.write(`${text}\n`);
  const label = (n: number, task: string, seed: number) => `[${n}/${total}] ${task} · seed ${seed}`;
  return {
    started(n: number, task: string, seed: number): RunEventListener {
      reporter = progressReporter(out);
      line(`▶ ${label(n, task, seed)}`);
      return reporter.listener;
    },
    stage(text: string): void {
      reporter?.close();
      line(`  · ${text}`);
    },
    finished(n: number, record: RunRecord, skipped: boolean): void {
      reporter?.close();
      reporter = undefined;
      const mark = skipped ? "↷" : record.featuresError || (record.tests && "error" in record.tests) ? "✗" : "✓";
      line(`${mark} ${label(n, record.task, record.seed)}${skipped ? " (scored earlier, kept)" : ""}: ${scoreLine(record)}`);
    },
    stopped(): void {
      reporter?.close();
      reporter = undefined;
    },
  };
}
