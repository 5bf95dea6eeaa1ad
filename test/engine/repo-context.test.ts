import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Meter } from "../../src/engine/budget.js";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import type { ChatRequest, LLM } from "../../src/engine/llm.js";
import { planProgram } from "../../src/engine/planner.js";
import { defaultPrompts } from "../../src/engine/prompts.js";
import { planningContext, readInstructionFiles } from "../../src/engine/repo-context.js";
import { countText } from "../../src/engine/token-counter.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-repo-context-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function seed(files: Record<string, string>): Promise<DirectoryFileStore> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return new DirectoryFileStore(dir);
}

describe("instruction files", () => {
  it("reads the ones that exist, in order, and names them", async () => {
    const store = await seed({
      "AGENTS.md": "Use tabs.\nRun `make check`.\n",
      ".github/copilot-instructions.md": "Prefer small functions.\n",
      "src/a.ts": "x\n",
    });
    const files = await readInstructionFiles(store, 2000);
    expect(files.loaded).toEqual(["AGENTS.md", ".github/copilot-instructions.md"]);
    expect(files.text).toContain("AGENTS.md:\n```\nUse tabs.\nRun `make check`.\n```");
    expect(files.text).toContain("Prefer small functions.");
  });

  it("bounds a long file and marks where it was cut", async () => {
    const long = Array.from({ length: 3000 }, (_, i) => `Rule ${i}: keep the code tidy and tested.`).join("\n");
    const store = await seed({ "AGENTS.md": long, "CONTRIBUTING.md": "Sign your commits.\n" });
    const files = await readInstructionFiles(store, 600);
    expect(countText(files.text)).toBeLessThanOrEqual(600);
    expect(files.text).toContain("Rule 0:");
    expect(files.text).not.toContain("Rule 2999:");
    expect(files.text).toContain("[… AGENTS.md was cut here");
    expect(files.text).toContain("Sign your commits.");
    expect(files.loaded).toEqual(["AGENTS.md", "CONTRIBUTING.md"]);
  });

  it("stays within its budget when a file's backtick runs make the fence long", async () => {
    const fences = `${"`".repeat(700)}\nUse tabs.\n${"`".repeat(1500)}\nRun make check.\n`;
    const store = await seed({ "AGENTS.md": fences, "CLAUDE.md": fences });
    for (const budget of [400, 1000, 3000]) {
      const files = await readInstructionFiles(store, budget);
      expect(countText(files.text), String(budget)).toBeLessThanOrEqual(budget);
    }
    // The fence still holds the file: no run of backticks inside is as long as it.
    const files = await readInstructionFiles(store, 3000);
    expect(files.text).toContain("Use tabs.");
    const [fence] = files.text.split("\n")[1]!.match(/^`+/)!;
    expect(fence.length).toBeGreaterThan(700);
  });

  it("reads no instruction file through a link out of the store or into .git, nor a pipe", async () => {
    const store = await seed({ "src/a.ts": "x\n", ".git/config": "[core]\n\trepositoryformatversion = 0\n" });
    await symlink("/etc/passwd", join(dir, "AGENTS.md"));
    await mkdir(join(dir, ".github"), { recursive: true });
    await symlink(join(dir, ".git", "config"), join(dir, ".github", "copilot-instructions.md"));
    await symlink(".git/config", join(dir, "CLAUDE.md"));
    execFileSync("mkfifo", [join(dir, "CONTRIBUTING.md")]);
    expect(await readInstructionFiles(store, 2000)).toEqual({ text: "", loaded: [] });
  });

  it("is nothing for a repository without them", async () => {
    expect(await readInstructionFiles(await seed({ "README.md": "hi\n" }), 1000)).toEqual({ text: "", loaded: [] });
  });
});

describe("planning context", () => {
  it("is absent for an empty repository, which is planned as a new project", async () => {
    expect(await planningContext(new DirectoryFileStore(dir), 10_000)).toBeUndefined();
  });

  it("plans a repository with only a README and a licence as a new project, with its instruction files", async () => {
    expect(
      await planningContext(await seed({ "README.md": "# new\n", LICENSE: "MIT\n", ".github/l2mac.yml": "" }), 10_000),
    ).toBeUndefined();
    const withRules = await planningContext(await seed({ "AGENTS.md": "Use Go.\n" }), 10_000);
    expect(withRules?.instructionFiles).toEqual(["AGENTS.md"]);
    expect(withRules?.text).toContain("Use Go.");
    expect(withRules?.text).not.toContain("existing repository");
  });

  it("carries the listing, the README's start and the instruction files into the planning request", async () => {
    const store = await seed({
      "README.md": "# Billing\nComputes invoices.\n",
      "AGENTS.md": "Never change the public API.\n",
      "src/billing/fees.ts": "export const fee = 1;\n",
    });
    const context = await planningContext(store, 10_000);
    expect(context?.instructionFiles).toEqual(["AGENTS.md"]);
    const requests: ChatRequest[] = [];
    const llm: LLM = {
      model: "fake",
      contextWindow: 16_000,
      completionReserve: 1000,
      async complete(request) {
        requests.push(request);
        const call = {
          id: "p",
          type: "function" as const,
          function: { name: "provide_detailed_sub_task_steps_for_sub_agents", arguments: '{"steps":["Change src/billing/fees.ts."]}' },
        };
        return {
          message: { role: "assistant", content: null, tool_calls: [call] },
          usage: { promptTokens: 1, completionTokens: 1 },
          finishReason: "tool_calls",
        };
      },
    };
    const meter = new Meter({ maxTurnsPerInstruction: 10, maxContextRestarts: 3 }, undefined);
    await planProgram({ llm, prompts: defaultPrompts("codebase"), task: "Cap the fee.", maxSteps: 5, meter, codebase: context?.text });
    const prompt = requests[0]!.messages.map((m) => (typeof m.content === "string" ? m.content : "")).join("\n");
    expect(prompt).toContain("This task changes an existing repository");
    expect(prompt).toContain("name the existing files it reads or changes");
    expect(prompt).toContain("src/billing/fees.ts");
    expect(prompt).toContain("# Billing\nComputes invoices.");
    expect(prompt).toContain("Never change the public API.");
  });

  it("keeps the listing of a very large repository within its share", async () => {
    const files: Record<string, string> = { "AGENTS.md": "Be careful.\n" };
    for (let i = 0; i < 3000; i++) files[`pkg${i % 30}/mod${i % 7}/file${i}.ts`] = "";
    const context = await planningContext(await seed(files), 8000);
    expect(countText(context!.text)).toBeLessThan(8000 * 0.45);
    expect(context!.text).toContain("3001 files:");
    expect(context!.text).toContain("Be careful.");
  });
});
