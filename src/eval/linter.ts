import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../local/run-process.js";

export type LintOutcome =
  | { tool: string; errors: number; messages: string[] }
  /** No linter for the language, or none installed: not a zero, just not measured. */
  | { skipped: string };

const TIMEOUT_MS = 300_000;

// `path:line:column: E1234: message`, the template asked for below.
const ERROR_LINE = /^[^\n:]+:\d+:\d+: (E\d{4}): .*$/gm;

type Runner = { file: string; args: string[] };

/** pylint as a program on PATH, else as a module of python3; undefined when neither is installed. */
async function findPylint(cwd: string): Promise<Runner | undefined> {
  for (const runner of [
    { file: "pylint", args: [] },
    { file: "python3", args: ["-m", "pylint"] },
  ]) {
    const probe = await runProcess(runner.file, [...runner.args, "--version"], { cwd, timeoutMs: 60_000 });
    if (!probe.spawnError && probe.code === 0) return runner;
  }
  return undefined;
}

/**
 * The paper's error count: `pylint -E` over the generated Python files (import errors off, since the
 * generated code's dependencies are not installed). pylint reads the code without running it; an empty
 * rcfile keeps a generated pylintrc (which could load plugins from the workspace) from being read.
 */
async function pylint(cwd: string, paths: readonly string[]): Promise<LintOutcome> {
  const py = paths.filter((p) => p.endsWith(".py"));
  if (py.length === 0) return { skipped: "no Python files" };
  const runner = await findPylint(cwd);
  if (!runner) return { skipped: "pylint is not installed" };
  const scratch = await mkdtemp(join(tmpdir(), "l2mac-pylint-"));
  try {
    const rcfile = join(scratch, "pylintrc");
    await writeFile(rcfile, "");
    const run = await runProcess(
      runner.file,
      [
        ...runner.args,
        `--rcfile=${rcfile}`,
        "--disable=all",
        "--enable=E",
        "--disable=E0401",
        "--score=no",
        "--persistent=n",
        "--msg-template={path}:{line}:{column}: {msg_id}: {msg}",
        "--",
        ...py,
      ],
      { cwd, timeoutMs: TIMEOUT_MS, env: { PYLINTHOME: scratch, PYTHONDONTWRITEBYTECODE: "1" } },
    );
    if (run.timedOut) return { skipped: `pylint took longer than ${TIMEOUT_MS / 1000} s` };
    // pylint's exit status is a bit mask of message kinds; 32 means it could not run at all.
    if (run.spawnError || run.code === null || (run.code & 32) !== 0) {
      return { skipped: `pylint could not run: ${(run.spawnError?.message ?? run.output).trim().split("\n").slice(-3).join(" ")}` };
    }
    const messages = [...run.output.matchAll(ERROR_LINE)].map((m) => m[0]);
    return { tool: "pylint -E", errors: messages.length, messages: messages.slice(0, 50) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The language's linter over the generated files, when there is one for it and it is installed. */
export async function lint(language: string, cwd: string, paths: readonly string[]): Promise<LintOutcome> {
  switch (language) {
    case "python":
      return pylint(cwd, paths);
    default:
      return { skipped: `no linter is known for ${language}` };
  }
}
