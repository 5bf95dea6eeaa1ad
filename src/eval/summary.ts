import { totalTokens } from "../engine/usage.js";
import type { RunRecord } from "./run-record.js";
import { summarise, type MetricSummary } from "./stats.js";
import type { Figure, PaperFigures, Task } from "./task.js";

export type MetricKey = "features" | "syntaxErrors" | "lintErrors" | "loc" | "files" | "testsPassed" | "testsFailed" | "tokens" | "costUsd";

interface MetricDef {
  key: MetricKey;
  label: string;
  /** The paper's figure for the same metric, where it published one. */
  paper?: keyof Omit<PaperFigures, "source">;
  value(r: RunRecord): number | undefined;
}

const passedTests = (r: RunRecord) => (r.tests && "passed" in r.tests ? r.tests : undefined);

/** The metrics of the paper's tables (Features %, errors, LOC, tests) and what a run cost, in display order. */
export const METRICS: readonly MetricDef[] = [
  { key: "features", label: "Features %", paper: "features_percent", value: (r) => r.features?.percent },
  { key: "syntaxErrors", label: "Syntax errors", value: (r) => r.syntaxErrors },
  // The paper's "# Errors" column counts pylint -E errors: our lint count is the one to compare.
  { key: "lintErrors", label: "Lint errors", paper: "lint_errors", value: (r) => ("errors" in r.lint ? r.lint.errors : undefined) },
  { key: "loc", label: "LOC", paper: "loc", value: (r) => r.loc },
  { key: "files", label: "Files", value: (r) => r.files },
  { key: "testsPassed", label: "Tests passed", paper: "tests_passed", value: (r) => passedTests(r)?.passed },
  { key: "testsFailed", label: "Tests failed", paper: "tests_failed", value: (r) => passedTests(r)?.failed },
  { key: "tokens", label: "Tokens per run", value: (r) => totalTokens(r.coderUsage) + (r.judge ? totalTokens(r.judge.usage) : 0) },
  { key: "costUsd", label: "Cost per run (USD)", value: (r) => r.coderUsage.costUsd + (r.judge?.usage.costUsd ?? 0) },
];

export interface TaskSummary {
  task: Task;
  runs: RunRecord[];
  metrics: Record<MetricKey, MetricSummary>;
  /** Why a metric has no value in this evaluation, when none of the runs has one. */
  missing: Partial<Record<MetricKey, string>>;
  /** Per-run remarks: errors, early stops, files the judge could not see. */
  notes: string[];
}

export const paperFigure = (task: Task, key: MetricKey): Figure | undefined => {
  const field = METRICS.find((m) => m.key === key)?.paper;
  return field ? task.paper?.[field] : undefined;
};

export function summariseTask(task: Task, runs: readonly RunRecord[], settings: { runTests: boolean }): TaskSummary {
  const metrics = Object.fromEntries(
    METRICS.map((m) => [m.key, summarise(runs.map((r) => m.value(r)).filter((v): v is number => v !== undefined))]),
  ) as Record<MetricKey, MetricSummary>;
  const missing: Partial<Record<MetricKey, string>> = {};
  if (!settings.runTests) missing.testsPassed = missing.testsFailed = "use --run-tests";
  const skipped = runs.map((r) => ("skipped" in r.lint ? r.lint.skipped : undefined)).find(Boolean);
  if (skipped) missing.lintErrors = skipped;
  if (metrics.features.n === 0 && runs.length > 0) missing.features = "no run could be judged";
  const notes: string[] = [];
  for (const r of runs) {
    const seed = `seed ${r.seed}`;
    if (r.run.status !== "done")
      notes.push(
        `${seed}: the run ${r.run.status} after ${r.run.done} of ${r.run.instructions} instructions (${r.run.reason ?? "no reason given"}); scored on what it wrote.`,
      );
    if (r.featuresError) notes.push(`${seed}: Features % not scored: ${r.featuresError}.`);
    if (r.judge && r.judge.omitted.length > 0)
      notes.push(`${seed}: ${r.judge.omitted.length} of ${r.files} files did not fit the judge's context window and were not judged.`);
    if (r.tests && "error" in r.tests) notes.push(`${seed}: tests not counted: ${r.tests.error}.`);
    if (r.tests && "timedOut" in r.tests && r.tests.timedOut) notes.push(`${seed}: the tests timed out, counted as 1 failed and 0 passed.`);
  }
  return { task, runs: [...runs], metrics, missing, notes };
}

/** Three significant digits (the paper's style), whole numbers from 100 up: 91.6, 8.22, 330, 0.0123. */
export function formatNumber(x: number): string {
  if (x === 0) return "0";
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  return String(Number(x.toPrecision(3)));
}

export const formatFigure = (mean: number, ci: number | undefined): string =>
  ci === undefined ? formatNumber(mean) : `${formatNumber(mean)} ± ${formatNumber(ci)}`;

/** This evaluation's cell for a metric: mean ± CI, with n when fewer runs than were made have it. */
export function ourCell(summary: TaskSummary, key: MetricKey): string {
  const m = summary.metrics[key];
  if (m.mean === undefined) return `– (${summary.missing[key] ?? "no value"})`;
  const ci = m.n >= 2 ? m.ci95 : undefined;
  const text = key === "costUsd" ? `$${m.mean.toFixed(4)}${ci === undefined ? "" : ` ± ${ci.toFixed(4)}`}` : formatFigure(m.mean, ci);
  return m.n < summary.runs.length || m.n === 1 ? `${text} (n=${m.n})` : text;
}

export function paperCell(task: Task, key: MetricKey): string {
  const f = paperFigure(task, key);
  return f ? formatFigure(f.mean, f.ci) : "–";
}
