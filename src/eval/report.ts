import { totalTokens } from "../engine/usage.js";
import { plainText } from "../github/markdown-text.js";
import type { RunRecord } from "./run-record.js";
import { formatNumber, METRICS, ourCell, paperCell, type TaskSummary } from "./summary.js";

/** What the evaluation was run with: recorded in eval.json and checked again by --resume. */
export interface EvalSettings {
  model: string;
  judgeModel: string;
  seeds: number;
  steps: number;
  runTests: boolean;
}

const PAPER_HEADER = "Paper: Code-L2MAC (GPT-4)";

function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

const metricRows = (s: TaskSummary): string[][] => METRICS.map((m) => [m.label, ourCell(s, m.key), paperCell(s.task, m.key)]);

const runCell = (r: RunRecord): string[] => [
  String(r.seed),
  r.run.status === "done" ? `done (${r.run.done})` : `${r.run.status} (${r.run.done}/${r.run.instructions})`,
  r.features ? `${r.features.implemented}/${r.features.total} (${formatNumber(r.features.percent)} %)` : "error",
  String(r.syntaxErrors),
  "errors" in r.lint ? String(r.lint.errors) : "–",
  String(r.loc),
  String(r.files),
  r.tests ? ("error" in r.tests ? "error" : `${r.tests.passed}/${r.tests.failed}${r.tests.timedOut ? " (timeout)" : ""}`) : "–",
  (totalTokens(r.coderUsage) + (r.judge ? totalTokens(r.judge.usage) : 0)).toLocaleString("en-US"),
  `$${(r.coderUsage.costUsd + (r.judge?.usage.costUsd ?? 0)).toFixed(4)}`,
];
const RUN_HEADERS = ["Seed", "Run (instructions)", "Features", "Syntax", "Lint", "LOC", "Files", "Tests (passed/failed)", "Tokens", "Cost"];

function heading(s: TaskSummary): string {
  const scored = s.metrics.features.n;
  return `${s.task.title} (${s.task.id}) · ${s.task.features.length} features · ${scored} of ${s.runs.length} runs judged`;
}

/** The terminal report: per task, our figures beside the paper's, then one line per run and the notes. */
export function renderTerminal(summaries: readonly TaskSummary[], settings: EvalSettings): string {
  const out: string[] = [`Model ${settings.model}, judge ${settings.judgeModel}; mean ± 95 % confidence half-width over the runs.`];
  for (const s of summaries) {
    out.push("", heading(s));
    out.push(...columns([["Metric", "This evaluation", PAPER_HEADER], ...metricRows(s)]).map((l) => `  ${l}`));
    out.push("", ...columns([RUN_HEADERS, ...s.runs.map(runCell)]).map((l) => `  ${l}`));
    for (const note of s.notes) out.push(`  ! ${note}`);
  }
  return out.join("\n");
}

const mdRow = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
const mdTable = (headers: readonly string[], rows: readonly string[][]): string[] => [
  mdRow(headers),
  mdRow(headers.map(() => "---")),
  ...rows.map((r) => mdRow(r.map((c) => plainText(c, 300)))),
];

/** eval.md: the same tables as Markdown, with what the numbers mean. Text from task files and runs is escaped. */
export function renderMarkdown(summaries: readonly TaskSummary[], settings: EvalSettings, createdAt: string): string {
  const out = [
    "# L2MAC evaluation",
    "",
    `Coder \`${plainText(settings.model, 100)}\`, judge \`${plainText(settings.judgeModel, 100)}\`; ${settings.seeds} seed(s) per task; ` +
      `at most ${settings.steps} instructions per run; tests ${settings.runTests ? "run (--run-tests)" : "not run"}. Written ${createdAt}.`,
    "",
    "**Features %** is the share of the task's numbered checklist that a separate judge call (temperature 0) counted as fully " +
      "implemented, read from the last line of its reply (`FEATURES_FUNCTIONAL=<n>`); a reply without that line is an error " +
      "for the run, not a zero. **Syntax errors** come from the project's own checker over every generated file; **lint errors** " +
      "from the language's linter where one is installed (`pylint -E`, import errors off, as the paper counted). Figures are " +
      "mean ± 95 % confidence half-width (Student's t) over the runs that have them; n is given when fewer runs have a figure " +
      "than were made. The paper's figures are GPT-4-0613 runs from Holt et al., ICLR 2024.",
  ];
  for (const s of summaries) {
    out.push("", `## ${plainText(s.task.title, 200)} (\`${s.task.id}\`)`, "");
    out.push(`${s.task.features.length} features · ${s.metrics.features.n} of ${s.runs.length} runs judged.`, "");
    out.push(...mdTable(["Metric", "This evaluation", PAPER_HEADER], metricRows(s)));
    if (s.task.paper) out.push("", `Paper figures: ${plainText(s.task.paper.source, 300)}.`);
    out.push("", "### Runs", "", ...mdTable(RUN_HEADERS, s.runs.map(runCell)));
    if (s.notes.length > 0) out.push("", ...s.notes.map((n) => `- ${plainText(n, 600)}`));
  }
  out.push("", "![Features % per task](features.svg)", "");
  return out.join("\n");
}

const xml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

/** An SVG bar chart of Features % per task, ours beside the paper's, with 95 % error bars where there are any. */
export function renderChart(summaries: readonly TaskSummary[]): string {
  const group = 150;
  const bar = 44;
  const left = 60;
  const top = 40;
  const plot = 260;
  const width = Math.max(440, left + summaries.length * group + 20);
  const height = top + plot + 80;
  const y = (pct: number) => top + plot - (Math.max(0, Math.min(100, pct)) / 100) * plot;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>Features % per task: this evaluation beside the paper (Code-L2MAC, GPT-4)</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14">Features implemented (%) · mean ± 95 % CI</text>`,
  ];
  for (const tick of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end">${tick}</text>`);
  }
  const bars = (x: number, mean: number | undefined, ci: number | undefined, fill: string, label: string) => {
    if (mean === undefined) {
      parts.push(`<text x="${x + bar / 2}" y="${y(0) - 4}" text-anchor="middle" fill="#999">n/a</text>`);
      return;
    }
    parts.push(
      `<rect x="${x}" y="${y(mean)}" width="${bar}" height="${y(0) - y(mean)}" fill="${fill}"><title>${xml(label)}</title></rect>`,
    );
    if (ci !== undefined && ci > 0) {
      const cx = x + bar / 2;
      const [hi, lo] = [y(mean + ci), y(mean - ci)];
      parts.push(
        `<path d="M${cx} ${hi}V${lo}M${cx - 8} ${hi}H${cx + 8}M${cx - 8} ${lo}H${cx + 8}" stroke="#222" stroke-width="1.5" fill="none"/>`,
      );
    }
  };
  summaries.forEach((s, i) => {
    const x = left + i * group + 20;
    const ours = s.metrics.features;
    const paper = s.task.paper?.features_percent;
    bars(
      x,
      ours.mean,
      ours.n >= 2 ? ours.ci95 : undefined,
      "#3b6fb6",
      `${s.task.title}: ${ours.mean?.toFixed(1) ?? "n/a"} % (n=${ours.n})`,
    );
    bars(x + bar + 6, paper?.mean, paper?.ci, "#b0b0b0", `${s.task.title}, paper: ${paper?.mean ?? "n/a"} %`);
    parts.push(`<text x="${x + bar + 3}" y="${top + plot + 18}" text-anchor="middle">${xml(s.task.title.slice(0, 24))}</text>`);
  });
  const legendY = top + plot + 45;
  parts.push(
    `<rect x="${left}" y="${legendY - 10}" width="12" height="12" fill="#3b6fb6"/><text x="${left + 18}" y="${legendY}">this evaluation</text>`,
  );
  parts.push(
    `<rect x="${left + 140}" y="${legendY - 10}" width="12" height="12" fill="#b0b0b0"/><text x="${left + 158}" y="${legendY}">paper (Code-L2MAC, GPT-4)</text>`,
  );
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** eval.json: settings, and per task its summary and every run's record. */
export function buildJson(summaries: readonly TaskSummary[], settings: EvalSettings, createdAt: string): unknown {
  return {
    version: 1,
    createdAt,
    settings,
    tasks: summaries.map((s) => ({
      id: s.task.id,
      title: s.task.title,
      language: s.task.language,
      features: s.task.features.length,
      paper: s.task.paper,
      metrics: s.metrics,
      missing: s.missing,
      notes: s.notes,
      runs: s.runs,
    })),
  };
}
