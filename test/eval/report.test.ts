import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { renderChart, renderMarkdown, renderTerminal } from "../../src/eval/report.js";
import type { RunRecord } from "../../src/eval/run-record.js";
import { summariseTask } from "../../src/eval/summary.js";
import { resolveTask, TaskSchema } from "../../src/eval/task.js";

const usage = (tokens: number, cost: number) => ({ promptTokens: tokens, completionTokens: 0, costUsd: cost, calls: 3 });

function record(seed: number, patch: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 1,
    task: "url_shortener",
    seed,
    model: "gpt-4o",
    judgeModel: "gpt-4o",
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: "2026-01-01T00:10:00Z",
    run: { status: "done", instructions: 8, done: 8 },
    files: 10,
    loc: 300 + seed,
    syntaxErrors: 0,
    syntaxProblems: [],
    lint: { tool: "pylint -E", errors: seed - 1, messages: [] },
    features: { implemented: 14 + seed, total: 17, percent: (100 * (14 + seed)) / 17 },
    judge: { usage: usage(5000, 0.0125), omitted: [] },
    coderUsage: usage(400_000, 1.0),
    ...patch,
  };
}

const settings = { model: "gpt-4o", judgeModel: "gpt-4o", seeds: 3, steps: 10, runTests: false };

describe("reports", () => {
  it("puts every metric beside the paper's and explains what is missing", async () => {
    const task = await resolveTask("url_shortener");
    const s = summariseTask(
      task,
      [
        record(1),
        record(2),
        record(3, { run: { status: "paused", reason: "the cost budget is used up ($2.0000 of $2.00)", instructions: 8, done: 5 } }),
      ],
      settings,
    );
    const text = renderTerminal([s], settings);
    expect(text).toMatch(/Features %\s+94\.1 ± 14\.6\s+91\.6 ± 8\.22/);
    expect(text).toMatch(/Lint errors\s+1 ± 2\.48\s+0 ± 0/);
    expect(text).toMatch(/LOC\s+302 ± 2\.48\s+330 ± 47\.6/);
    expect(text).toMatch(/Tokens per run\s+405,000 ± 0/);
    expect(text).toMatch(/Cost per run \(USD\)\s+\$1\.0125 ± 0\.0000/);
    expect(text).toMatch(/Tests passed\s+– \(use --run-tests\)/);
    expect(text).toContain(
      "! seed 3: the run paused after 5 of 8 instructions (the cost budget is used up ($2.0000 of $2.00)); scored on what it wrote.",
    );
    expect(text).toMatch(/3\s+paused \(5\/8\)\s+17\/17 \(100 %\)/);
  });

  it("keeps a task file's title and the runs' messages from becoming Markdown or SVG markup", () => {
    const task = TaskSchema.parse({
      id: "hostile",
      title: 'Shop | <img src=x onerror="alert(1)"> & ## Heading',
      summary: "x",
      features: ["a", "b"],
    });
    const s = summariseTask(
      task,
      [
        record(1, {
          task: "hostile",
          features: undefined,
          featuresError: "the judge call failed: 500 <script>alert(1)</script> | col",
        }),
      ],
      settings,
    );
    const md = renderMarkdown([s], settings, "2026-01-01T00:00:00Z");
    // Every `<` is backslash-escaped, which CommonMark renders as the character, never as a tag.
    expect(md).not.toMatch(/(^|[^\\])<(img|script|\/script)/m);
    expect(md).toContain('## Shop \\| \\<img src=x onerror="alert\\(1\\)"\\> & \\#\\# Heading (`hostile`)');
    // Every table row keeps its column count: no `|` from the data splits a cell.
    for (const row of md.split("\n").filter((l) => l.startsWith("| Seed") || l.startsWith("| 1 "))) {
      expect(row.replace(/\\\|/g, "").split("|").length).toBe(12);
    }
    const svg = renderChart([s]);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain("<img");
    expect(svg).toContain("Shop | &lt;img src=x onerr"); // the axis label, cut to 24 characters and escaped
  });
});
