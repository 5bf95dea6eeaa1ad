import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSyntaxChecker } from "../../src/checks/syntax.js";
import { Meter } from "../../src/engine/budget.js";
import { executeInstruction, type ExecuteInstructionInput } from "../../src/engine/control-unit.js";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import type { Evaluator } from "../../src/engine/evaluator.js";
import { OpenAiLlm } from "../../src/engine/openai-llm.js";
import { denyPrefixes } from "../../src/engine/paths.js";
import { defaultPrompts, loadPromptsFile } from "../../src/engine/prompts.js";
import { call, complete, kindOf, scriptedAgent, write } from "../support/scripted-agent.js";
import {
  startScriptedLlm,
  type RecordedRequest,
  type Responder,
  type ScriptReply,
  type ScriptedLlm,
} from "../support/scripted-llm-server.js";

let dir: string;
let server: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-cu-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const INSTRUCTION = "Create the module app.ts with a greet function and tests.";

async function run(script: Responder | ScriptReply[], overrides: Partial<ExecuteInstructionInput> & { contextWindow?: number } = {}) {
  server = await startScriptedLlm(script);
  const llm = new OpenAiLlm({
    apiKey: "k",
    baseURL: server.baseURL,
    model: "gpt-4o",
    contextWindow: overrides.contextWindow ?? 128_000,
    completionReserve: overrides.contextWindow ? 500 : undefined,
    maxRetries: 2,
  });
  const store = overrides.store ?? new DirectoryFileStore(join(dir, "repo"));
  const outcome = await executeInstruction({
    llm,
    store,
    prompts: defaultPrompts("codebase"),
    task: "Build a greeter.",
    instruction: { id: 1, text: INSTRUCTION, status: "pending" },
    index: 1,
    total: 1,
    earlierSummaries: [],
    meter: new Meter({ maxTurnsPerInstruction: 40, maxContextRestarts: 30 }, { input: 1, output: 1 }),
    budgets: { maxTurnsPerInstruction: 40, maxContextRestarts: 30 },
    checkSyntax: createSyntaxChecker(),
    ...overrides,
  });
  return { outcome, requests: server.requests, violations: server.violations, store };
}

const toolResults = (r: RecordedRequest): string[] =>
  r.body.messages.filter((m: { role: string }) => m.role === "tool").map((m: { content: string }) => m.content);
const lastToolResult = (requests: RecordedRequest[], index: number): string => toolResults(requests[index]!).at(-1) ?? "";

describe("control unit", () => {
  it("writes, completes, then asks for a summary with tools disabled", async () => {
    const { outcome, requests, violations } = await run(
      scriptedAgent({
        steps: [
          {
            match: "greet",
            actions: [write({ "app.ts": "export const greet = (n: string) => `hi ${n}`;\n" })],
            summary: "Added app.ts with greet().",
          },
        ],
      }),
    );
    expect(violations).toEqual([]);
    expect(outcome).toMatchObject({ status: "complete", summary: "Added app.ts with greet().", touched: ["app.ts"] });
    expect(await readFile(join(dir, "repo", "app.ts"), "utf8")).toContain("greet");
    expect(requests.map(kindOf)).toEqual(["act", "act", "summary"]);
    // Regression (reference quirk 5): the summary turn must not allow tool calls.
    expect(requests[2]!.body.tool_choice).toBe("none");
  });

  it("answers every tool call of a turn, in order, before the single control message", async () => {
    const turn: ScriptReply = {
      toolCalls: [
        { name: "write_files", arguments: { list_of_file_objects: [{ file_path: "a.ts", file_contents: "export const a = 1;\n" }] } },
        { name: "view_files", arguments: { files: ["a.ts"] } },
        { name: "list_files", arguments: {} },
      ],
    };
    const { requests, violations } = await run([turn, complete, { content: "Done." }]);
    expect(violations).toEqual([]);
    const messages = requests[1]!.body.messages as Array<{ role: string; tool_call_id?: string }>;
    const roles = messages.slice(2).map((m) => m.role);
    // Regression (reference quirk 2): no user message between the tool results.
    expect(roles).toEqual(["assistant", "tool", "tool", "tool", "user"]);
    // In the order of the calls (whose ids the adapter assigns).
    const calls = (messages[2] as unknown as { tool_calls: Array<{ id: string }> }).tool_calls.map((c) => c.id);
    expect(calls).toHaveLength(3);
    expect(messages.slice(3, 6).map((m) => m.tool_call_id)).toEqual(calls);
  });

  it("returns helpful errors for unknown tools, bad JSON and invalid arguments, and carries on", async () => {
    const { outcome, requests, violations } = await run([
      call("run_python_file", { file_name_to_run: "x.py" }),
      { toolCalls: [{ name: "write_files", arguments: '{"list_of_file_objects": [{"file_path": "a.ts", "file_con' }] },
      call("write_files", { list_of_file_objects: [{ file_path: "a.ts" }] }),
      call("view_files", { files: [] }),
      complete,
      { content: "Nothing written." },
    ]);
    expect(violations).toEqual([]);
    expect(outcome.status).toBe("complete");
    expect(lastToolResult(requests, 1)).toMatch(
      /no tool named "run_python_file".*list_files, view_files, write_files, delete_files, sub_task_step_complete/,
    );
    expect(lastToolResult(requests, 2)).toMatch(/not valid JSON.*cut off/s);
    expect(lastToolResult(requests, 3)).toMatch(/invalid arguments for write_files[\s\S]*file_contents/);
    expect(lastToolResult(requests, 4)).toMatch(/invalid arguments for view_files/);
  });

  it("reports a syntax error in a grammar with known false positives with its line, and refuses completion once", async () => {
    const pattern = /src\/app\.ts:1:\d+:/;
    const { outcome, requests } = await run([
      write({ "src/app.ts": "export function f( {\n  return 1;\n}\n" }),
      complete,
      complete,
      { content: "Summary." },
    ]);
    expect(lastToolResult(requests, 1)).toMatch(pattern);
    expect(lastToolResult(requests, 2)).toMatch(/not complete: syntax problems remain/);
    expect(lastToolResult(requests, 2)).toMatch(pattern);
    // TypeScript's grammar rejects some valid code: the same problems again, files unchanged, is taken as
    // the agent overriding a checker it knows is wrong.
    expect(outcome.status).toBe("complete");
  });

  it.each([
    ["tool.py", "import os\ndef f(:\n    pass\n", /tool\.py:2:\d+:/],
    ["package.json", '{\n  "name": "x",\n  "version": 1,\n}\n', /package\.json:4:\d+:/],
    ["main.go", 'package main\n\nfunc main() {\n\tprintln("hi"\n}\n', /main\.go:4:\d+:/],
  ])("never accepts a real syntax error in %s, whose checker has no known false positives", async (path, contents, pattern) => {
    const { outcome, requests } = await run([write({ [path]: contents }), complete, complete, complete], {
      budgets: { maxTurnsPerInstruction: 4, maxContextRestarts: 30 },
    });
    for (const i of [2, 3]) {
      expect(lastToolResult(requests, i)).toMatch(/not complete: syntax problems remain/);
      expect(lastToolResult(requests, i)).toMatch(pattern);
      expect(lastToolResult(requests, i)).toMatch(/no known false positives/);
    }
    expect(outcome.status).toBe("paused");
  });

  it("refuses path escapes with an error to the model and touches nothing outside the store", async () => {
    await mkdir(join(dir, "repo", ".git"), { recursive: true });
    await writeFile(join(dir, "repo", ".git", "config"), "[core]\n");
    await mkdir(join(dir, "outside"));
    await symlink(join(dir, "outside"), join(dir, "repo", "link"));
    const attempts: Array<[string, RegExp]> = [
      ["../x.txt", /leaves the repository/],
      ["/etc/passwd", /absolute/],
      [".git/config", /inside \.git/],
      ["link/escape.txt", /symbolic link/],
      [".github/workflows/ci.yml", /may not be changed: workflow files are off limits/],
    ];
    const { requests } = await run(
      [
        ...attempts.map(([p]) => write({ [p]: "pwned" })),
        call("view_files", { files: ["../../etc/passwd"] }),
        call("delete_files", { files: [".git/config"] }),
        complete,
        { content: "x" },
      ],
      { store: new DirectoryFileStore(join(dir, "repo"), { deny: denyPrefixes([".github/workflows"], "workflow files are off limits") }) },
    );
    attempts.forEach(([, pattern], i) => expect(lastToolResult(requests, i + 1)).toMatch(pattern));
    expect(lastToolResult(requests, attempts.length + 1)).toMatch(/leaves the repository/);
    expect(lastToolResult(requests, attempts.length + 2)).toMatch(/inside \.git/);
    expect(await readFile(join(dir, "repo", ".git", "config"), "utf8")).toBe("[core]\n");
    await expect(readFile(join(dir, "x.txt"), "utf8")).rejects.toThrow();
    await expect(readFile(join(dir, "outside", "escape.txt"), "utf8")).rejects.toThrow();
  });

  it("sends evaluator failures back as a fix prompt and completes once they pass", async () => {
    let calls = 0;
    const evaluator: Evaluator = {
      evaluate: async () => (++calls === 1 ? { ok: false, output: "FAILED test_greet: expected 'hi Ann' got 'hello Ann'" } : { ok: true }),
    };
    const { outcome, requests, violations } = await run(
      [
        write({ "app.ts": "export const x = 1;\n" }),
        complete,
        write({ "app.ts": "export const x = 2;\n" }),
        complete,
        { content: "Fixed." },
      ],
      { evaluator },
    );
    expect(violations).toEqual([]);
    expect(outcome.status).toBe("complete");
    const afterFailure = requests[2]!.body.messages;
    expect(afterFailure.at(-2).content).toContain("expected 'hi Ann' got 'hello Ann'");
    expect(afterFailure.at(-1).role).toBe("user");
    expect(afterFailure.at(-1).content).toContain("expected 'hi Ann' got 'hello Ann'");
  });

  it("unwinds whole turns when the context fills, restarts with a tool-free progress note, and never orphans a tool message", async () => {
    const big = Array.from({ length: 120 }, (_, i) => `export const value${i} = ${i}; // padding to make the file large`).join("\n");
    let views = 0;
    const { outcome, requests, violations } = await run(
      (r) => {
        const kind = kindOf(r);
        if (kind === "progress-note") return { content: "Wrote big.ts and viewed it. Still need to finish." };
        if (kind === "summary") return { content: "Finished." };
        if (!toolResults(r).length && r.body.messages[1].content.includes("Progress on this step")) return complete;
        if (views === 0) {
          views++;
          return write({ "big.ts": big });
        }
        views++;
        return call("view_files", { files: ["big.ts"] });
      },
      { contextWindow: 6000 },
    );
    // Regression (reference quirks 3 and 4): every request is valid; the overflow path runs locally.
    expect(violations).toEqual([]);
    expect(outcome.status).toBe("complete");
    const noteIndex = requests.findIndex((r) => kindOf(r) === "progress-note");
    expect(noteIndex).toBeGreaterThan(0);
    expect(requests[noteIndex]!.body.tool_choice).toBe("none");
    const restarted = requests[noteIndex + 1]!;
    expect(restarted.body.messages).toHaveLength(2);
    expect(restarted.body.messages[1].content).toContain("Wrote big.ts and viewed it.");
  });

  it("treats a context-length 400 as overflow: summarise and restart, never retry it", async () => {
    let rejected = 0;
    const { outcome, requests } = await run((r, i) => {
      const kind = kindOf(r);
      if (kind === "progress-note") return { content: "Nothing done yet." };
      if (kind === "summary") return { content: "Done." };
      if (i === 0) {
        rejected++;
        return {
          status: 400,
          body: {
            error: {
              message: "This model's maximum context length is 8192 tokens.",
              type: "invalid_request_error",
              code: "context_length_exceeded",
            },
          },
        };
      }
      return complete;
    });
    expect(rejected).toBe(1);
    expect(outcome.status).toBe("complete");
    expect(requests.map(kindOf)).toEqual(["act", "progress-note", "act", "summary"]);
  });

  it("fails the instruction with a clear reason after too many context restarts", async () => {
    const { outcome } = await run(
      (r) =>
        kindOf(r) === "progress-note"
          ? { content: "No progress." }
          : { status: 400, body: { error: { message: "context length exceeded", code: "context_length_exceeded" } } },
      { budgets: { maxTurnsPerInstruction: 40, maxContextRestarts: 3 } },
    );
    expect(outcome).toMatchObject({ status: "failed" });
    expect((outcome as { reason: string }).reason).toMatch(/ran out of context 3 times/);
  });

  it("gives agents the filled first_message of a prompts file written for the reference, as the reference does", async () => {
    // The reference's layout: the coding guidance and the task live in first_message; the instruction
    // template has no {prompt_task}, because the reference keeps first_message in every agent's context.
    const file = join(dir, "reference-prompts.yaml");
    const reference = {
      ...defaultPrompts("codebase"),
      first_message:
        "Useful to know: for Python always create requirements.txt.\nObjective: ```{prompt_task}```\nUse no more than {steps} steps.",
      control_unit_execute_instruction:
        "Objective: Execute sub task step: ```{step}```. Existing files: {file_names}. {test_writing_advice} " +
        'Summary output of previous step: ""{previous_step_output_summary}"". Respond with one of {functions_provided}.',
    };
    await writeFile(
      file,
      Object.entries(reference)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join("\n"),
    );
    const { requests } = await run([complete, { content: "Done." }], { prompts: await loadPromptsFile(file), total: 4 });
    const head = requests[0]!.body.messages as Array<{ role: string; content: string }>;
    expect(head.map((m) => m.role)).toEqual(["system", "user"]);
    const text = head[1]!.content;
    expect(text).toContain("Useful to know: for Python always create requirements.txt.");
    expect(text).toContain("Objective: ```Build a greeter.```\nUse no more than 4 steps.");
    // The planning message comes first, then the instruction, as in the reference's [system, first_message, instruction].
    expect(text.indexOf("requirements.txt")).toBeLessThan(text.indexOf(INSTRUCTION));

    // The built-in templates carry the task in the instruction itself: no planning message for agents.
    await server?.close();
    const builtIn = await run([complete, { content: "Done." }]);
    const userText = (builtIn.requests[0]!.body.messages as Array<{ content: string }>)[1]!.content;
    expect(userText).toContain("Build a greeter.");
    expect(userText).not.toContain("Plan how a team of coding agents");
  });

  it("counts the turn cap per context, so the r_max context restarts are the limit that binds", async () => {
    // Each act turn adds ~400 tokens: a 4k window fills in a few turns, well under the cap of 6 per context.
    let act = 0;
    const { outcome, requests } = await run(
      (r) =>
        kindOf(r) === "progress-note" ? { content: "Still working." } : { content: `Attempt ${++act}: ${"more thinking ".repeat(200)}` },
      { contextWindow: 4000, budgets: { maxTurnsPerInstruction: 6, maxContextRestarts: 3 } },
    );
    const acts = requests.filter((r) => kindOf(r) === "act").length;
    expect(requests.filter((r) => kindOf(r) === "progress-note")).toHaveLength(3);
    // More turns in all than the cap: counted across restarts, the cap would have paused the run first.
    expect(acts).toBeGreaterThan(6);
    expect(acts).toBeLessThanOrEqual(6 * (3 + 1));
    expect(outcome).toMatchObject({ status: "failed" });
    expect((outcome as { reason: string }).reason).toMatch(/ran out of context 3 times/);
  });

  it("pauses when the turn cap is reached", async () => {
    const { outcome } = await run(() => ({ content: "Thinking…" }), { budgets: { maxTurnsPerInstruction: 3, maxContextRestarts: 30 } });
    expect(outcome).toMatchObject({ status: "paused", reason: "instruction 1 used all 3 turns of one context without completing" });
  });

  it("raises the temperature when the agent repeats itself and lowers it again after", async () => {
    const view = call("view_files", { files: ["missing.ts"] });
    const { requests } = await run([view, view, view, view, write({ "a.ts": "export {};\n" }), complete, { content: "ok" }]);
    const temps = requests.filter((r) => kindOf(r) === "act").map((r) => r.body.temperature);
    expect(temps[0]).toBe(0);
    expect(Math.max(...temps)).toBeGreaterThan(0);
  });

  it("does not retry a plain 400 and fails with the server's message", async () => {
    const { outcome, requests } = await run([
      { status: 400, body: { error: { message: "Invalid schema for function", type: "invalid_request_error" } } },
    ]);
    expect(requests).toHaveLength(1);
    expect(outcome).toMatchObject({ status: "failed" });
    expect((outcome as { reason: string }).reason).toContain("Invalid schema for function");
  });

  it("retries a 429 honouring retry-after", async () => {
    const { outcome, requests } = await run([{ status: 429, headers: { "retry-after-ms": "20" } }, complete, { content: "ok" }]);
    expect(outcome.status).toBe("complete");
    expect(requests).toHaveLength(3);
  });
});
