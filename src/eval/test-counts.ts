import { cp, mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { runProcess } from "../local/run-process.js";
import { JUNIT_PLACEHOLDER, type Task } from "./task.js";

export type TestOutcome =
  | { passed: number; failed: number; timedOut: boolean }
  /** The tests could not be counted (no runner, no report): an error for the run, not a zero. */
  | { error: string };

const MAX_REPORT_BYTES = 50_000_000;

// pytest's exit status 5 means "no tests collected": not a failure, as in the reference's evaluator.
const DEFAULT_COMMANDS: Record<string, string> = {
  python: `PYTHONDONTWRITEBYTECODE=1 python3 -m pytest -q -p no:cacheprovider --junitxml=${JUNIT_PLACEHOLDER}; s=$?; [ $s -eq 5 ] && s=0; exit $s`,
};

/** The command that runs a task's tests: the task file's own, else the language's default. */
export const testCommandFor = (task: Task): string | undefined => task.tests?.command ?? DEFAULT_COMMANDS[task.language];

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const fillJunit = (command: string, junitPath: string): string => command.replaceAll(JUNIT_PLACEHOLDER, shellQuote(junitPath));

/** Passed and failed test cases in a JUnit XML report; a case with a failure or an error failed, a skipped one is neither. */
export function countJunit(xml: string): { passed: number; failed: number } {
  const parser = new XMLParser({
    ignoreAttributes: true,
    processEntities: false,
    isArray: (name) => name === "testcase" || name === "testsuite",
  });
  const root: unknown = parser.parse(xml);
  let passed = 0;
  let failed = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "testcase") {
        for (const c of value as unknown[]) {
          const kase = c && typeof c === "object" ? (c as Record<string, unknown>) : {};
          if ("failure" in kase || "error" in kase) failed++;
          else if (!("skipped" in kase)) passed++;
        }
      } else visit(value);
    }
  };
  visit(root);
  return { passed, failed };
}

/**
 * Runs the task's tests over a copy of the generated files (so what the tests write never mixes with
 * them) and counts passed and failed cases from the JUnit report. This executes generated code: it is
 * only done with `--run-tests`. A timeout counts as a failure of the whole test run.
 */
export async function runTests(
  task: Task,
  workspace: string,
  paths: readonly string[],
  scratch: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<TestOutcome> {
  const command = testCommandFor(task);
  if (!command) return { error: `no test command is known for ${task.language}; give one as tests.command in the task file` };
  const copy = join(scratch, "files");
  const junit = join(scratch, "junit.xml");
  await rm(scratch, { recursive: true, force: true });
  await mkdir(copy, { recursive: true });
  try {
    for (const path of paths) {
      await mkdir(dirname(join(copy, path)), { recursive: true });
      await cp(join(workspace, path), join(copy, path));
    }
    const run = await runProcess("sh", ["-c", fillJunit(command, junit)], {
      cwd: copy,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      env: { PYTHONDONTWRITEBYTECODE: "1" },
    });
    if (run.timedOut) return { passed: 0, failed: 1, timedOut: true };
    if (run.spawnError) return { error: `could not run the tests: ${run.spawnError.message}` };
    const size = await stat(junit).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) {
      const tail = run.output.trim().split("\n").slice(-3).join(" ");
      return { error: `the test command wrote no JUnit report (exit code ${run.code ?? run.signal}): ${tail}` };
    }
    if (size > MAX_REPORT_BYTES) return { error: `the JUnit report is ${size} bytes, over the ${MAX_REPORT_BYTES}-byte limit` };
    try {
      return { ...countJunit(await readFile(junit, "utf8")), timedOut: false };
    } catch (e) {
      return { error: `the JUnit report could not be read: ${(e as Error).message}` };
    }
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}
