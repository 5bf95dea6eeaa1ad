#!/usr/bin/env node
import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { LLM_FLAGS, LLM_OPTIONS } from "./local/llm-flags.js";
import { formatCost, totalTokens } from "./engine/usage.js";
import { doctor } from "./local/doctor.js";
import { createLlm } from "./local/llm-settings.js";
import { defaultWorkspace, latestUnfinishedWorkspace, runLocal, UsageError } from "./local/local-run.js";
import { progressReporter } from "./local/progress.js";
import { readPromptProgram } from "./local/prompt-program.js";
import type { Program } from "./engine/program.js";
import { PromptsFileError } from "./engine/prompts.js";
import { evalMain } from "./eval/eval-command.js";
import { errorMessage } from "./engine/error-message.js";

export const USAGE = `Usage: l2mac "<task>" [options]
       l2mac --resume [--workspace DIR]
       l2mac eval [options]      score L2MAC on the paper's benchmark tasks (l2mac eval --help)
       l2mac doctor [--model NAME] [--base-url URL] [--context-window N]   check that the LLM endpoint will work

Turns a task into a prompt program and executes it, one fresh LLM agent and one git commit per instruction.

Options:
  --domain codebase|book   what to produce (default: codebase)
  --steps N                most instructions the planner may produce (default: 10)
  --prompt-program FILE|LIST  run this program instead of planning one: a file with a YAML or JSON list of
                           instructions, or the list itself, e.g. '["step one", "step two"]'
  --prompts-file FILE      YAML with the nine prompt templates, overriding the built-in ones
  --workspace DIR          where the files go (default: ./workspace/<task>-<time>); a git repository. An existing
                           project is worked on in place, on a new branch l2mac/<task> (its tree must be clean)
  --test-cmd CMD           opt-in: run CMD in the workspace when an agent claims completion; it must pass.
                           This executes the generated code on your machine.
  --test-timeout SECONDS   time limit for --test-cmd (default: 300); a timeout fails
  --model NAME             model name (default: $L2MAC_MODEL or gpt-4o)
  --base-url URL           any OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)
  --context-window N       the model's context window in tokens (default: $L2MAC_CONTEXT_WINDOW, else asked of the server)
  --max-cost USD           pause when the run has cost this much
  --max-tokens N           pause when the run has used this many tokens
  --max-turns N            turns per instruction in one context before pausing (default: 40); each of the
                           up to 30 context restarts starts a new count
  --max-retries N          retries of a failed LLM request (default: 5)
  --resume                 continue the run in --workspace (or the newest unfinished one) at its first unfinished instruction
  -h, --help               show this help

Environment: OPENAI_API_KEY (required), OPENAI_BASE_URL, L2MAC_MODEL, L2MAC_PLANNER_MODEL, L2MAC_SUMMARY_MODEL,
L2MAC_CONTEXT_WINDOW; Azure: OPENAI_API_VERSION, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY (docs/providers.md).
Exit status: 0 finished, 2 paused (resume with --resume), 1 failed or error.`;

const Flags = z.object({
  ...LLM_FLAGS,
  domain: z.enum(["codebase", "book"], { message: 'must be "codebase" or "book"' }).default("codebase"),
  steps: z.coerce.number().int().min(1).max(200).optional(),
  "prompt-program": z.string().optional(),
  "prompts-file": z.string().optional(),
  workspace: z.string().optional(),
  "test-cmd": z.string().trim().min(1).optional(),
  "test-timeout": z.coerce.number().positive().optional(),
  resume: z.boolean().default(false),
  help: z.boolean().default(false),
});

const OPTIONS = {
  ...LLM_OPTIONS,
  domain: { type: "string" },
  steps: { type: "string" },
  "prompt-program": { type: "string" },
  "prompts-file": { type: "string" },
  workspace: { type: "string" },
  "test-cmd": { type: "string" },
  "test-timeout": { type: "string" },
  resume: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The `l2mac` command; returns the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === "doctor") return doctor(argv.slice(1), io);
  try {
    if (argv[0] === "eval") return await evalMain(argv.slice(1), io);
    const parsed = parseCommandLine(argv);
    if (parsed === "help") {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const workspace = await chooseWorkspace(parsed);
    const program = await runTask(parsed, workspace, io);
    return report(program, workspace, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof PromptsFileError) {
      io.stderr.write(`l2mac: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

interface CommandLine {
  flags: z.infer<typeof Flags>;
  /** The task from the positional words; "" when resuming. */
  task: string;
}

function parseCommandLine(argv: readonly string[]): CommandLine | "help" {
  let raw;
  try {
    raw = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (e) {
    throw new UsageError(`${errorMessage(e)}\n\n${USAGE}`);
  }
  const parsed = Flags.safeParse(raw.values);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
  }
  const flags = parsed.data;
  if (flags.help) return "help";
  const task = raw.positionals.join(" ").trim();
  if (!task && !flags.resume) throw new UsageError(`No task given.\n\n${USAGE}`);
  return { flags, task };
}

/** `--workspace`, else with `--resume` the newest unfinished run, else a new folder named for the task. */
async function chooseWorkspace({ flags, task }: CommandLine): Promise<string> {
  if (flags.workspace) return resolve(flags.workspace);
  if (!flags.resume) return defaultWorkspace(task);
  const latest = await latestUnfinishedWorkspace();
  if (!latest) throw new UsageError("Nothing to resume: no unfinished run under ./workspace. Name one with --workspace DIR.");
  return latest;
}

async function runTask({ flags, task }: CommandLine, workspace: string, io: CliIo): Promise<Program> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const llm = await createLlm(
    { model: flags.model, baseURL: flags["base-url"], contextWindow: flags["context-window"], maxRetries: flags["max-retries"] },
    io.env,
    (warning) => io.stderr.write(`l2mac: ${warning}\n`),
  );
  const instructions = flags["prompt-program"] ? await readPromptProgram(flags["prompt-program"]) : undefined;
  const progress = progressReporter(io.stdout);
  say(`${flags.resume ? "Resuming" : "Workspace"}: ${workspace} · model ${llm.model}`);
  if (flags["test-cmd"]) say(`Evaluator: \`${flags["test-cmd"]}\` runs the generated code on this machine.`);
  const { program, branch } = await runLocal({
    task: task || undefined,
    domain: flags.domain,
    steps: flags.steps,
    instructions,
    promptsFile: flags["prompts-file"],
    workspace,
    testCommand: flags["test-cmd"],
    testTimeoutMs: flags["test-timeout"] ? flags["test-timeout"] * 1000 : undefined,
    llm,
    budgets: {
      maxCostUsd: flags["max-cost"],
      maxTokens: flags["max-tokens"],
      ...(flags["max-turns"] ? { maxTurnsPerInstruction: flags["max-turns"] } : {}),
    },
    resume: flags.resume,
    signal: io.signal,
    onEvent: progress.listener,
  }).finally(() => progress.close());
  if (branch) say(`Commits are on branch ${branch.branch}; your branch ${branch.base} is unchanged.`);
  return program;
}

/** What the run came to, and the exit status: 0 finished, 2 paused, 1 failed. */
function report(program: Program, workspace: string, io: CliIo): number {
  const done = program.instructions.filter((i) => i.status === "done").length;
  const spent = `${totalTokens(program.usage).toLocaleString("en-US")} tokens, ${formatCost(program.usage, 4)}`;
  if (program.status === "done") {
    io.stdout.write(`Done: ${done} instructions, ${spent}. Files in ${workspace}\n`);
    return 0;
  }
  const verb = program.status === "paused" ? "Paused" : "Failed";
  io.stderr.write(
    `${verb} after ${done} of ${program.instructions.length} instructions (${spent}): ${program.reason ?? "unknown reason"}\n`,
  );
  if (program.instructions.length > 0) io.stderr.write(`Continue with: l2mac --resume --workspace ${workspace}\n`);
  return program.status === "paused" ? 2 : 1;
}

async function isEntryPoint(): Promise<boolean> {
  if (!process.argv[1]) return false;
  const self = fileURLToPath(import.meta.url);
  return (await realpath(process.argv[1]).catch(() => process.argv[1])) === self;
}

if (await isEntryPoint()) {
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write("\nStopping after the current step of the agent… (Ctrl-C again to quit at once)\n");
    controller.abort();
  });
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
}
