import { parseArgs } from "node:util";
import { z } from "zod";
import { LLM_FLAGS, LLM_OPTIONS } from "../local/llm-flags.js";
import { UsageError } from "../local/local-run.js";

/** The flags of `l2mac eval`: the help text that documents them, and their parsing (zod at the edge). */

export const EVAL_USAGE = `Usage: l2mac eval [options]

Runs benchmark tasks through L2MAC exactly as \`l2mac "<task>"\` does and scores each run the way the paper
did: Features % by a separate LLM judge, syntax and lint errors, lines of code, files and (opt-in) tests,
as mean ± 95 % confidence interval over the seeds, beside the paper's published figures.

Options:
  --task NAME|FILE          a built-in task: url_shortener, microblogging, chat_app, recipe, event_planner,
                            finance_tracker; or a task file (YAML) with its own feature checklist.
                            Repeat for several. Default: all six built-in tasks
  --seeds N                 runs per task (default: 1; the paper used 10)
  --out DIR                 where the runs and reports go (default: ./eval-results/<time>)
  --resume                  continue the evaluation in --out (or the newest under ./eval-results): scored runs
                            are kept, interrupted ones continue, runs whose judging failed are judged again
  --run-tests               opt-in: run each task's tests, during generation when an agent claims a step
                            complete (as the paper's runs did) and afterwards to count passed and failed.
                            This executes the generated code on your machine
  --test-timeout SECONDS    time limit of each test run (default: 300); a timeout counts as a failure
  --steps N                 most instructions per run (default: 10, the paper's limit)
  --model NAME              the coder's model (default: $L2MAC_MODEL or gpt-4o)
  --base-url URL            the coder's OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)
  --context-window N        the coder's context window in tokens (default: known size)
  --judge-model NAME        the judge's model (default: the coder's; the paper judged with GPT-4)
  --judge-base-url URL      the judge's endpoint (default: the coder's)
  --judge-context-window N  the judge's context window in tokens; files that do not fit are left out, and
                            the report says so
  --max-cost USD            per run: stop generating when the run has cost this much
  --max-tokens N            per run: stop generating when the run has used this many tokens
  --max-turns N             turns per instruction in one context before a run stops (default: 40); each
                            of the up to 30 context restarts starts a new count
  --max-retries N           retries of a failed LLM request (default: 5)
  -h, --help                show this help

A run stopped by a budget is scored on what it wrote, and the report says so.
Writes to --out: eval.json, eval.md, features.svg (Features % per task with error bars), and per run
runs/<task>/seed-<n>/ with its workspace (a git repository), result.json and the judge's reply.
Environment: OPENAI_API_KEY (required), OPENAI_BASE_URL, L2MAC_MODEL, L2MAC_CONTEXT_WINDOW;
L2MAC_JUDGE_API_KEY for a judge endpoint that takes another key.
Exit status: 0 every run scored; 1 an error, or some runs could not be scored (eval.md says why);
2 stopped (continue with --resume).`;

const Flags = z.object({
  ...LLM_FLAGS,
  task: z.array(z.string().trim().min(1)).optional(),
  seeds: z.coerce.number().int().min(1).max(100).optional(),
  out: z.string().optional(),
  resume: z.boolean().default(false),
  "run-tests": z.boolean().optional(),
  "test-timeout": z.coerce.number().positive().default(300),
  steps: z.coerce.number().int().min(1).max(200).optional(),
  "judge-model": z.string().trim().min(1).optional(),
  "judge-base-url": z.string().url().optional(),
  "judge-context-window": z.coerce.number().int().min(1024).optional(),
  help: z.boolean().default(false),
});

const OPTIONS = {
  ...LLM_OPTIONS,
  task: { type: "string", multiple: true },
  seeds: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  "run-tests": { type: "boolean" },
  "test-timeout": { type: "string" },
  steps: { type: "string" },
  "judge-model": { type: "string" },
  "judge-base-url": { type: "string" },
  "judge-context-window": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Every flag `l2mac eval` takes (the help text documents each). */
export const EVAL_FLAGS = Object.keys(OPTIONS);

export type EvalFlags = z.infer<typeof Flags>;

/** The flags in `argv`, or a UsageError saying which one is wrong. */
export function parseEvalFlags(argv: readonly string[]): EvalFlags {
  let raw;
  try {
    raw = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${EVAL_USAGE}`);
  }
  const parsed = Flags.safeParse(raw.values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path[0]?.toString()}: ${i.message}`).join("\n"));
  return parsed.data;
}
