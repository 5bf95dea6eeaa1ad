import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { readPromptProgram } from "../../src/local/prompt-program.js";
import { instructionText, kindOf, scriptedAgent, write } from "../support/scripted-agent.js";
import { startScriptedLlm, type ScriptedLlm } from "../support/scripted-llm-server.js";

let dir: string;
let llm: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-program-"));
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("--prompt-program", () => {
  it("takes the list inline, as the reference does, in JSON quoting", async () => {
    expect(await readPromptProgram('["step one", "step two"]')).toEqual(["step one", "step two"]);
  });

  it("takes an inline Python literal: single quotes, escaped quotes, a trailing comma", async () => {
    expect(await readPromptProgram(`['Create the store, with tests.', 'Don\\'t forget the "README".',]`)).toEqual([
      "Create the store, with tests.",
      `Don't forget the "README".`,
    ]);
  });

  it("reads a file holding a Python literal with escapes, which YAML alone misreads", async () => {
    const file = join(dir, "program.txt");
    await writeFile(file, `['Handle the user\\'s input', 'Split on "\\\\n"']\n`);
    expect(await readPromptProgram(file)).toEqual(["Handle the user's input", 'Split on "\\n"']);
  });

  it("still reads YAML and JSON files", async () => {
    const yaml = join(dir, "program.yml");
    await writeFile(yaml, "- step one\n- step two\n");
    expect(await readPromptProgram(yaml)).toEqual(["step one", "step two"]);
    const json = join(dir, "program.json");
    await writeFile(json, JSON.stringify({ steps: ["only step"] }));
    expect(await readPromptProgram(json)).toEqual(["only step"]);
  });

  it("explains what it takes when given neither a file nor a list", async () => {
    await expect(readPromptProgram(join(dir, "missing.yml"))).rejects.toThrow(/no such file.*\["Create the data model/);
    await expect(readPromptProgram("['unterminated")).rejects.toThrow(/inline prompt program is not a list of strings/);
    await expect(readPromptProgram("[]")).rejects.toThrow(/non-empty list of instruction strings/);
    await expect(readPromptProgram("[1, 2]")).rejects.toThrow(/non-empty list of instruction strings/);
  });

  it("runs an inline program through the CLI without planning", async () => {
    llm = await startScriptedLlm(
      scriptedAgent({
        steps: [
          { match: "storage module", actions: [write({ "store.py": "STORE = {}\n" })], summary: "Added store.py." },
          { match: "README", actions: [write({ "README.md": "# Store\n" })], summary: "Documented it." },
        ],
      }),
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (c) => (err += c));
    stdout.resume();
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseURL, L2MAC_MODEL: "gpt-4o-mini" };
    const program = `['Create the storage module store.py.', 'Write the README.md.']`;
    const code = await main(["a store", "--workspace", join(dir, "ws"), "--prompt-program", program], { stdout, stderr, env });
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(llm.requests.some((r) => kindOf(r) === "plan")).toBe(false);
    const instructions = [...new Set(llm.requests.filter((r) => kindOf(r) === "act").map(instructionText))];
    expect(instructions).toEqual(["Create the storage module store.py.", "Write the README.md."]);
  });
});
