import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { kindOf } from "../support/scripted-agent.js";
import { startScriptedLlm, type ScriptedLlm } from "../support/scripted-llm-server.js";
import { coderAndJudge, isJudgeRequest } from "./scripted-eval.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

let dir: string;
let llm: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-eval-"));
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
  await rm(dir, { recursive: true, force: true });
});

const env = (baseURL: string) => ({ OPENAI_API_KEY: "sk-test-secret-key", OPENAI_BASE_URL: baseURL, L2MAC_MODEL: "gpt-4o-mini" });

/** `l2mac …` as a real process, the way a user runs it. */
function cli(args: string[], extraEnv: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

const JUDGED_12 = "1. Shorten a URL: yes.\n2. Validate: no.\n\nFEATURES_FUNCTIONAL=12";
const JUDGED_15 = "Most of it is there.\nFEATURES_FUNCTIONAL=15";

describe("l2mac eval", () => {
  it("runs url_shortener twice through the engine and reports Features % from the judge's count lines", async () => {
    const { responder, judged } = coderAndJudge([JUDGED_12, JUDGED_15]);
    llm = await startScriptedLlm(responder);
    const out = join(dir, "out");
    const run = await cli(["eval", "--task", "url_shortener", "--seeds", "2", "--out", out], env(llm.baseURL));
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(llm.violations).toEqual([]);

    // Each seed is a whole engine run: planned, two instructions executed, committed in its own git workspace.
    expect(llm.requests.filter((r) => kindOf(r) === "plan" && !isJudgeRequest(r))).toHaveLength(2);
    for (const seed of [1, 2]) {
      const ws = join(out, "runs", "url_shortener", `seed-${seed}`, "workspace");
      expect(await readFile(join(ws, "shortener.py"), "utf8")).toContain("def shorten");
      expect((await stat(join(ws, ".git"))).isDirectory()).toBe(true);
    }

    // The judge: a separate call at temperature 0, no tools, the numbered checklist and every file.
    expect(judged).toHaveLength(2);
    for (const r of judged) {
      expect(r.body.temperature).toBe(0);
      expect(r.body.tools).toBeUndefined();
      const prompt = r.body.messages.map((m: { content: string }) => m.content).join("\n");
      expect(prompt).toContain("1. A user can submit a long URL and receive a short link for it.");
      expect(prompt).toContain("17. A user can give a link an expiry date and time");
      for (const file of ["store.py", "test_store.py", "shortener.py", "test_shortener.py"]) expect(prompt).toContain(`${file}\n\`\`\``);
    }

    // The table, beside the paper's figures: 12/17 and 15/17 → 79.4 ± 112 (t(0.975, 1) = 12.71).
    expect(run.out).toMatch(/URL shortener \(url_shortener\) · 17 features · 2 of 2 runs judged/);
    expect(run.out).toMatch(/Features %\s+79\.4 ± 112\s+91\.6 ± 8\.22/);
    expect(run.out).toMatch(/LOC\s+23 ± 0\s+330 ± 47\.6/);
    expect(run.out).toMatch(/Tests passed\s+– \(use --run-tests\)\s+14 ± 6\.71/);
    expect(run.out).toMatch(/1\s+done \(2\)\s+12\/17 \(70\.6 %\)/);
    expect(run.out).toMatch(/2\s+done \(2\)\s+15\/17 \(88\.2 %\)/);
    expect(run.out).toContain("▶ [1/2] url_shortener · seed 1");
    expect(run.out).toContain("✓ [2/2] url_shortener · seed 2: 15/17 features (88.2 %)");

    const json = JSON.parse(await readFile(join(out, "eval.json"), "utf8"));
    const task = json.tasks[0];
    expect(task.id).toBe("url_shortener");
    expect(task.runs.map((r: { features: { implemented: number } }) => r.features.implemented)).toEqual([12, 15]);
    expect(task.metrics.features.n).toBe(2);
    expect(task.metrics.features.mean).toBeCloseTo((100 * 13.5) / 17, 6);
    // t(0.975, 1) × s/√2, where s/√2 is 1.5 features of 17.
    expect(task.metrics.features.ci95).toBeCloseTo((12.7062047 * 100 * 1.5) / 17, 3);
    expect(task.runs[0].coderUsage.calls).toBeGreaterThan(0);
    expect(task.runs[0].judge.usage.calls).toBe(1);
    expect(JSON.stringify(json)).not.toContain("sk-test-secret-key");

    const md = await readFile(join(out, "eval.md"), "utf8");
    expect(md).toContain("## URL shortener (`url_shortener`)");
    expect(md).toContain("| Features % | 79.4 ± 112 | 91.6 ± 8.22 |");
    expect(md).toContain("![Features % per task](features.svg)");

    const svg = await readFile(join(out, "features.svg"), "utf8");
    expect(XMLValidator.validate(svg)).toBe(true);
    const rects = JSON.stringify(new XMLParser({ ignoreAttributes: false }).parse(svg));
    expect(rects).toContain("URL shortener: 79.4 % (n=2)");
    expect(svg).toMatch(/<path d="M[\d. ]+V/); // the error bar
  }, 120_000);

  it("reports a judge reply without a count line as an error for that run, while the other seed counts; --resume judges it again", async () => {
    const { responder, judged } = coderAndJudge([
      "Eleven of the features work.", // no count line
      JUDGED_15,
      "Looked again.\nFEATURES_FUNCTIONAL=11",
    ]);
    llm = await startScriptedLlm(responder);
    const out = join(dir, "out");
    const first = await cli(["eval", "--task", "url_shortener", "--seeds", "2", "--out", out], env(llm.baseURL));
    expect(first.code).toBe(1);
    expect(first.err).toContain("1 run(s) could not be fully scored");
    expect(first.out).toContain(
      "✗ [1/2] url_shortener · seed 1: features not scored: the judge's reply does not end with a FEATURES_FUNCTIONAL=<n> line",
    );
    expect(first.out).toMatch(/Features %\s+88\.2 \(n=1\)\s+91\.6 ± 8\.22/);
    expect(first.out).toMatch(/1\s+done \(2\)\s+error/);
    const md = await readFile(join(out, "eval.md"), "utf8");
    // Escaped as plain text in the Markdown: its characters cannot become markup.
    expect(md).toContain(
      String.raw`- seed 1: Features % not scored: the judge's reply does not end with a FEATURES\_FUNCTIONAL=\<n\> line.`,
    );
    const json = JSON.parse(await readFile(join(out, "eval.json"), "utf8"));
    expect(json.tasks[0].runs[0].features).toBeUndefined();
    expect(json.tasks[0].runs[0].featuresError).toMatch(/does not end with a FEATURES_FUNCTIONAL/);
    expect(json.tasks[0].metrics.features).toMatchObject({ n: 1, mean: (100 * 15) / 17 });

    const before = llm.requests.length;
    const again = await cli(["eval", "--resume", "--out", out], env(llm.baseURL));
    expect(again.err).toBe("");
    expect(again.code).toBe(0);
    const resumed = llm.requests.slice(before);
    // Only seed 1 is judged again; nothing is generated again.
    expect(resumed).toHaveLength(1);
    expect(isJudgeRequest(resumed[0]!)).toBe(true);
    expect(judged).toHaveLength(3);
    expect(again.out).toContain("↷ [2/2] url_shortener · seed 2 (scored earlier, kept)");
    expect(again.out).toMatch(/Features %\s+76\.5 ± 149\s+91\.6 ± 8\.22/);
  }, 180_000);

  it("generates again, on --resume, a run that wrote nothing because the model could not be reached", async () => {
    const { responder } = coderAndJudge([JUDGED_15]);
    let down = true;
    llm = await startScriptedLlm((r, i) =>
      down ? { status: 400, body: { error: { message: "model overloaded", type: "invalid_request_error" } } } : responder(r, i),
    );
    const out = join(dir, "out");
    const sink = () => new PassThrough().on("data", () => undefined);
    const first = new PassThrough();
    let text = "";
    first.on("data", (c) => (text += c));
    expect(await main(["eval", "--task", "url_shortener", "--out", out], { stdout: first, stderr: sink(), env: env(llm.baseURL) })).toBe(1);
    expect(text).toMatch(/the run failed after 0 of 0 instructions \(planning failed: .*model overloaded/);
    expect(text).toContain("Features % not scored: the run produced no files to judge");

    down = false;
    const second = new PassThrough();
    text = "";
    second.on("data", (c) => (text += c));
    expect(await main(["eval", "--resume", "--out", out], { stdout: second, stderr: sink(), env: env(llm.baseURL) })).toBe(0);
    expect(text).toContain("✓ [1/1] url_shortener · seed 1: 15/17 features (88.2 %)");
  }, 120_000);

  it("documents every flag in --help", async () => {
    const { EVAL_FLAGS } = await import("../../src/eval/eval-flags.js");
    const help = await cli(["eval", "--help"], {});
    expect(help.code).toBe(0);
    expect(EVAL_FLAGS.length).toBeGreaterThan(15);
    for (const flag of EVAL_FLAGS) expect(help.out).toContain(`--${flag}`);
    expect(help.out).toContain("url_shortener, microblogging, chat_app, recipe, event_planner");
    expect((await cli(["--help"], {})).out).toContain("l2mac eval --help");
  }, 60_000);

  it("continues an interrupted evaluation: scored runs are kept, the stopped one resumes where it was", async () => {
    const controller = new AbortController();
    let plans = 0;
    const { responder } = coderAndJudge([JUDGED_12, JUDGED_15], {
      onRequest: (r) => {
        // Stop in seed 2's first instruction, after its plan was saved.
        if (kindOf(r) === "plan" && !isJudgeRequest(r)) plans++;
        if (plans === 2 && kindOf(r) === "act" && !isJudgeRequest(r)) setImmediate(() => controller.abort());
      },
    });
    llm = await startScriptedLlm(responder);
    const out = join(dir, "out");
    const io = () => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let text = "";
      stdout.on("data", (c) => (text += c));
      stderr.on("data", (c) => (text += c));
      return { stdout, stderr, text: () => text };
    };
    const first = io();
    const code = await main(["eval", "--task", "url_shortener", "--seeds", "2", "--out", out], {
      ...first,
      env: env(llm.baseURL),
      signal: controller.signal,
    });
    expect(code).toBe(2);
    expect(first.text()).toContain(`Continue with: l2mac eval --resume --out ${out}`);
    await expect(stat(join(out, "runs", "url_shortener", "seed-2", "result.json"))).rejects.toThrow();

    const before = llm.requests.length;
    const second = io();
    expect(await main(["eval", "--resume", "--out", out], { ...second, env: env(llm.baseURL) })).toBe(0);
    const resumed = llm.requests.slice(before);
    // Seed 2 had its plan: it is not planned again, and seed 1 is not touched.
    expect(resumed.some((r) => kindOf(r) === "plan" && !isJudgeRequest(r))).toBe(false);
    expect(resumed.filter(isJudgeRequest)).toHaveLength(1);
    expect(second.text()).toContain("↷ [1/2] url_shortener · seed 1 (scored earlier, kept)");
    expect(second.text()).toMatch(/Features %\s+79\.4 ± 112/);

    // Starting over in the same folder without --resume is refused rather than mixing two evaluations.
    const third = io();
    await expect(main(["eval", "--out", out], { ...third, env: env(llm.baseURL) })).resolves.toBe(1);
    expect(third.text()).toContain("already holds an evaluation");
    // Nor is it resumed with another model: the runs would not be comparable.
    const fourth = io();
    await expect(main(["eval", "--resume", "--out", out, "--model", "gpt-4o"], { ...fourth, env: env(llm.baseURL) })).resolves.toBe(1);
    expect(fourth.text()).toContain(`${out} was evaluated with model "gpt-4o-mini", not "gpt-4o"`);
  }, 180_000);
});
