import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSyntaxChecker } from "../../src/checks/syntax.js";
import { OpenAiLlm } from "../../src/engine/openai-llm.js";
import { MemoryProgramStore } from "../../src/engine/program-store.js";
import { runProgram, type RunProgramOptions } from "../../src/engine/run-program.js";
import { GitWorkspace } from "../../src/local/git-workspace.js";
import { complete, instructionMessage, kindOf, scriptedAgent, write } from "../support/scripted-agent.js";
import { startScriptedLlm, type Responder, type ScriptedLlm } from "../support/scripted-llm-server.js";

let dir: string;
let server: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-run-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(script: Responder, options: Partial<RunProgramOptions> = {}) {
  server = await startScriptedLlm(script);
  const llm = new OpenAiLlm({ apiKey: "k", baseURL: server.baseURL, model: "gpt-4o", maxRetries: 1 });
  const store = await GitWorkspace.open(join(dir, "ws"));
  const programStore = new MemoryProgramStore();
  const result = await runProgram({ task: "Write things.", llm, store, programStore, checkSyntax: createSyntaxChecker(), ...options });
  return { ...result, store, programStore, requests: server.requests, violations: server.violations };
}

const steps = [
  { match: "first file", actions: [write({ "one.txt": "1\n" })], summary: "Wrote one.txt." },
  { match: "second file", actions: [write({ "two.txt": "2\n" })], summary: "Wrote two.txt." },
];

describe("runProgram", () => {
  it("pauses with the reason when the token budget is reached, keeping what was committed", async () => {
    const { program, store } = await start(scriptedAgent({ plan: ["Write the first file.", "Write the second file."], steps }), {
      budgets: { maxTokens: 1 },
    });
    expect(program.status).toBe("paused");
    expect(program.reason).toMatch(/token budget is used up/);
    // Planning spent the budget: nothing ran, nothing lost, the program is saved for a resume.
    expect(program.instructions).toHaveLength(2);
    expect(await store.list()).toEqual([]);
  });

  it("pauses on the cost budget mid-instruction, keeps the work in a partial commit, and resumes", async () => {
    const script = scriptedAgent({ plan: ["Write the first file.", "Write the second file."], steps });
    const first = await start(script, {
      budgets: { maxCostUsd: 0.0000001 },
      prices: { input: 1, output: 1 },
      instructions: ["Write the first file.", "Write the second file."],
    });
    expect(first.program.status).toBe("paused");
    expect(first.program.reason).toMatch(/cost budget is used up/);
    expect(first.program.instructions.map((i) => i.status)).toEqual(["pending", "pending"]);
    expect(await first.store.list()).toEqual(["one.txt"]);
    const log = await simpleGit(join(dir, "ws")).log();
    expect(log.latest?.message).toBe("Write the first file. (partial)");

    const llm = new OpenAiLlm({ apiKey: "k", baseURL: server!.baseURL, model: "gpt-4o" });
    const again = await runProgram({
      task: "Write things.",
      llm,
      store: first.store,
      programStore: first.programStore,
      checkSyntax: createSyntaxChecker(),
    });
    expect(again.program.status).toBe("done");
    expect(await first.store.list()).toEqual(["one.txt", "two.txt"]);
    expect(again.program.instructions.map((i) => i.status)).toEqual(["done", "done"]);
  });

  it("stops at the instruction limit per run", async () => {
    const { program } = await start(scriptedAgent({ steps }), {
      instructions: ["Write the first file.", "Write the second file."],
      budgets: { maxInstructions: 1 },
    });
    expect(program.status).toBe("paused");
    expect(program.reason).toMatch(/limit of 1 instructions/);
  });

  it("runs the book domain end to end (the reference's book and custom prompts crashed)", async () => {
    const { program, requests, violations } = await start(
      scriptedAgent({
        plan: ["Write the detailed outline file.", "Write chapter one."],
        steps: [
          { match: "outline", actions: [write({ "detailed_outline.md": "# Outline\n" })], summary: "Outline written." },
          { match: "chapter one", actions: [write({ "chapter_01.md": "# One\n" })], summary: "Chapter one written." },
        ],
      }),
      { domain: "book" },
    );
    expect(violations).toEqual([]);
    expect(program.status).toBe("done");
    expect(requests[0]!.body.messages[0].content).not.toMatch(/\{[a-z_]+\}/);
    expect(program.domain).toBe("book");
  });

  it("makes a partial commit of an instruction that pauses, and leaves it pending", async () => {
    const { program, store } = await start(
      (r) => (kindOf(r) === "act" && instructionMessage(r).includes("first file") ? write({ "one.txt": "draft\n" }) : complete),
      { instructions: ["Write the first file."], budgets: { maxTurnsPerInstruction: 2 } },
    );
    expect(program.status).toBe("paused");
    expect(program.instructions[0]!.status).toBe("pending");
    expect(await store.read("one.txt")).toBe("draft\n");
    expect((await store.instructionCommits(program.runId)).size).toBe(0);
  });

  it("fails clearly when planning fails", async () => {
    const { program } = await start(() => ({ status: 400, body: { error: { message: "tool_choice not supported" } } }));
    expect(program.status).toBe("failed");
    expect(program.reason).toMatch(/planning failed: .*tool_choice not supported/);
  });
});
