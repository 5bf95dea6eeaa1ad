import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateCodebase } from "../src/library.js";
import { call, scriptedAgent } from "./support/scripted-agent.js";
import { startScriptedLlm, type ScriptedLlm } from "./support/scripted-llm-server.js";

let dir: string;
let llm: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-lib-"));
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("generateCodebase on an existing directory", () => {
  it("changes the repository in place on a new branch and returns its files", async () => {
    const repo = join(dir, "project");
    await mkdir(repo);
    const git = simpleGit(repo);
    await git.init(["--initial-branch=trunk"]);
    await git.addConfig("user.name", "Dev");
    await git.addConfig("user.email", "dev@example.com");
    await writeFile(join(repo, "util.js"), "export const twice = (x) => x * 2;\n");
    await git.add(".").then(() => git.commit("Add util"));
    const trunk = (await git.revparse(["trunk"])).trim();
    llm = await startScriptedLlm(
      scriptedAgent({
        plan: ["In util.js, make twice() return x + x."],
        steps: [
          {
            match: "util.js",
            actions: [call("edit_files", { edits: [{ file_path: "util.js", old_text: "x * 2", new_text: "x + x" }] })],
            summary: "twice() adds.",
          },
        ],
      }),
    );
    const files = await generateCodebase("make twice add", {
      workspace: repo,
      apiKey: "sk-test",
      baseURL: llm.baseURL,
      model: "gpt-4o-mini",
      contextWindow: 16_384,
    });
    expect(files).toEqual({ "util.js": "export const twice = (x) => x + x;\n" });
    expect(llm.violations).toEqual([]);
    expect((await git.revparse(["trunk"])).trim()).toBe(trunk);
    expect((await git.raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("l2mac/make-twice-add");
    expect((await git.log()).all.map((c) => c.message)).toEqual(["In util.js, make twice() return x + x.", "Add util"]);
  });
});
