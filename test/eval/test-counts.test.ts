import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { resolveTask, TaskSchema, type Task } from "../../src/eval/task.js";
import { countJunit, runTests } from "../../src/eval/test-counts.js";
import { startScriptedLlm, type ScriptedLlm } from "../support/scripted-llm-server.js";
import { coderAndJudge } from "./scripted-eval.js";

const hasPytest = spawnSync("python3", ["-m", "pytest", "--version"]).status === 0;
if (!hasPytest) console.warn("⚠ pytest tests of l2mac eval skipped: python3 -m pytest is not installed.");

let dir: string;
let llm: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-tests-"));
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function workspace(files: Record<string, string>): Promise<{ root: string; paths: string[] }> {
  const root = join(dir, "ws");
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return { root, paths: Object.keys(files) };
}

const shellTask = (command: string): Task =>
  TaskSchema.parse({ id: "sh", title: "Shell", language: "shell", summary: "x", features: ["x"], tests: { command } });

const REPORT = `<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5">
<testcase classname="test_a" name="test_ok"/>
<testcase classname="test_a" name="test_ok_too" time="0.01"></testcase>
<testcase classname="test_a" name="test_bad"><failure message="assert 1 == 2">trace</failure></testcase>
<testcase classname="test_b" name="test_broken"><error message="ImportError"/></testcase>
<testcase classname="test_b" name="test_later"><skipped message="later"/></testcase>
<testsuite name="nested"><testcase name="inner"/></testsuite>
</testsuite></testsuites>`;

describe("counting tests", () => {
  it("reads passed and failed cases from a JUnit report: errors fail, skips count neither way", () => {
    expect(countJunit(REPORT)).toEqual({ passed: 3, failed: 2 });
    expect(countJunit(`<testsuite tests="0"/>`)).toEqual({ passed: 0, failed: 0 });
  });

  it("runs the task's command over a copy of the files, so what the tests write stays out of them", async () => {
    const ws = await workspace({ "app.sh": "echo hi\n", "lib/data.txt": "x\n" });
    const task = shellTask(`test -f lib/data.txt && touch written-by-tests && printf '%s' '${REPORT.replace(/\n/g, "")}' > {junit}`);
    const outcome = await runTests(task, ws.root, ws.paths, join(dir, "scratch"), { timeoutMs: 30_000 });
    expect(outcome).toEqual({ passed: 3, failed: 2, timedOut: false });
    expect(await readdir(ws.root)).not.toContain("written-by-tests");
    await expect(stat(join(dir, "scratch", "files"))).rejects.toThrow();
  });

  it("counts a timeout as a failure, and stops the tests' children too", async () => {
    const ws = await workspace({ "a.txt": "a\n" });
    const marker = join(dir, "still-running");
    const task = shellTask(`(sleep 3; touch ${marker}) & sleep 30; echo never > {junit}`);
    const started = Date.now();
    expect(await runTests(task, ws.root, ws.paths, join(dir, "scratch"), { timeoutMs: 500 })).toEqual({
      passed: 0,
      failed: 1,
      timedOut: true,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 3500));
    await expect(stat(marker)).rejects.toThrow();
  });

  it("is an error, not a zero, when the tests leave no report", async () => {
    const ws = await workspace({ "a.txt": "a\n" });
    const outcome = await runTests(shellTask("echo 'no runner here' >&2; exit 3 # {junit}"), ws.root, ws.paths, join(dir, "scratch"), {
      timeoutMs: 10_000,
    });
    expect(outcome).toEqual({ error: "the test command wrote no JUnit report (exit code 3): no runner here" });
    const none = await runTests(
      TaskSchema.parse({ id: "x", title: "x", language: "cobol", summary: "x", features: ["x"] }),
      ws.root,
      ws.paths,
      join(dir, "s"),
      { timeoutMs: 1000 },
    );
    expect(none).toEqual({ error: "no test command is known for cobol; give one as tests.command in the task file" });
  });

  it.skipIf(!hasPytest)("runs pytest for Python tasks; no tests collected is 0 and 0, not a failure", async () => {
    const ws = await workspace({
      "calc.py": "def add(a, b):\n    return a + b\n",
      "test_calc.py":
        "from calc import add\n\ndef test_one():\n    assert add(1, 1) == 2\n\ndef test_two():\n    assert add(2, 2) == 4\n\ndef test_wrong():\n    assert add(2, 2) == 5\n",
    });
    const task = await resolveTask("url_shortener");
    expect(await runTests(task, ws.root, ws.paths, join(dir, "scratch"), { timeoutMs: 60_000 })).toEqual({
      passed: 2,
      failed: 1,
      timedOut: false,
    });
    expect(await readdir(ws.root)).toEqual(["calc.py", "test_calc.py"]);
    const empty = await workspace({ "calc.py": "x = 1\n" });
    expect(await runTests(task, empty.root, ["calc.py"], join(dir, "scratch2"), { timeoutMs: 60_000 })).toEqual({
      passed: 0,
      failed: 0,
      timedOut: false,
    });
  });

  it.skipIf(!hasPytest)(
    "with --run-tests, tests run during generation and are counted afterwards",
    async () => {
      const { responder } = coderAndJudge(["FEATURES_FUNCTIONAL=3"]);
      llm = await startScriptedLlm(responder);
      const out = join(dir, "out");
      const stdout = new PassThrough();
      let text = "";
      stdout.on("data", (c) => (text += c));
      const stderr = new PassThrough();
      stderr.on("data", (c) => (text += c));
      const env = { OPENAI_API_KEY: "k", OPENAI_BASE_URL: llm.baseURL, L2MAC_MODEL: "gpt-4o-mini" };
      const code = await main(["eval", "--task", "url_shortener", "--run-tests", "--out", out], { stdout, stderr, env });
      expect(code, text).toBe(0);
      expect(text).toContain("--run-tests: the generated code runs on this machine");
      expect(text).toMatch(/Tests passed\s+2 \(n=1\)\s+14 ± 6\.71/);
      expect(text).toMatch(/Tests failed\s+0 \(n=1\)\s+0 ± 0/);
      // The coder's completion claims were checked by the same tests (the paper's in-loop evaluator).
      await expect(stat(join(out, "runs", "url_shortener", "seed-1", "generation-junit.xml"))).resolves.toBeTruthy();
    },
    120_000,
  );
});
