import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import { call, instructionMessage, kindOf, scriptedAgent, write } from "./support/scripted-agent.js";
import { startScriptedLlm, type ScriptedLlm } from "./support/scripted-llm-server.js";

const PLAN = [
  "Create the storage module store.py with an in-memory dict and tests in test_store.py.",
  "Create the URL shortener service shortener.py using the store, with tests.",
  "Write README.md explaining how to run the service and its tests.",
];

const STEPS = [
  {
    match: "storage module",
    actions: [
      write({ "store.py": "STORE = {}\n", "test_store.py": "from store import STORE\n\ndef test_empty():\n    assert STORE == {}\n" }),
    ],
    summary: "Added store.py with STORE dict.",
  },
  {
    match: "URL shortener service",
    actions: [write({ "shortener.py": "from store import STORE\n\ndef shorten(url):\n    STORE[url] = url\n    return url\n" })],
    summary: "Added shortener.py with shorten().",
  },
  { match: "README.md", actions: [write({ "README.md": "# Shortener\n\nRun `pytest`.\n" })], summary: "Documented usage in README.md." },
];

function io(env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

let dir: string;
let llm: ScriptedLlm | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-cli-"));
});
afterEach(async () => {
  await llm?.close();
  llm = undefined;
  await rm(dir, { recursive: true, force: true });
});

const env = (baseURL: string) => ({ OPENAI_API_KEY: "sk-test-secret-key", OPENAI_BASE_URL: baseURL, L2MAC_MODEL: "gpt-4o-mini" });

describe("l2mac CLI", () => {
  it("plans 3 instructions, writes the files, commits once per instruction and carries summaries forward", async () => {
    llm = await startScriptedLlm(scriptedAgent({ plan: PLAN, steps: STEPS }));
    const ws = join(dir, "ws");
    const run = io(env(llm.baseURL));
    const code = await main(["a URL shortener", "--workspace", ws, "--steps", "3"], run.io);
    expect(run.err()).toBe("");
    expect(code).toBe(0);
    expect(llm.violations).toEqual([]);

    expect(await readFile(join(ws, "store.py"), "utf8")).toBe("STORE = {}\n");
    expect(await readFile(join(ws, "shortener.py"), "utf8")).toContain("def shorten");
    expect(await readFile(join(ws, "README.md"), "utf8")).toContain("pytest");

    const log = await simpleGit(ws).log();
    expect(log.all).toHaveLength(3);
    const messages = [...log.all].reverse().map((c) => `${c.message}\n${c.body}`);
    messages.forEach((m, i) => {
      expect(m).toContain(`L2MAC-Instruction: ${i + 1}`);
      expect(m).toMatch(/L2MAC-Run: [0-9a-f]+/);
    });
    // .l2mac/ is the run's own state: never committed.
    expect(await simpleGit(ws).raw(["ls-files"])).not.toContain(".l2mac");

    // Summaries carried forward: each agent sees the summaries of the instructions before it.
    const acts = llm.requests.filter((r) => kindOf(r) === "act");
    const firstActOf = (match: string) => instructionMessage(acts.find((r) => instructionMessage(r).includes(match))!);
    expect(firstActOf("storage module")).not.toContain("Added store.py");
    expect(firstActOf("URL shortener service")).toContain("Added store.py with STORE dict.");
    expect(firstActOf("README.md")).toContain("Added store.py with STORE dict.");
    expect(firstActOf("README.md")).toContain("Added shortener.py with shorten().");

    const program = JSON.parse(await readFile(join(ws, ".l2mac", "program.json"), "utf8"));
    expect(program.status).toBe("done");
    expect(program.instructions.map((i: { status: string }) => i.status)).toEqual(["done", "done", "done"]);
    expect(program.instructions[0].commit).toBe(log.all[2]!.hash);

    const transcript = (await readFile(join(ws, ".l2mac", "transcript.jsonl"), "utf8")).trim().split("\n");
    expect(transcript).toHaveLength(llm.requests.length);
    expect(transcript.join("\n")).not.toContain("sk-test-secret-key");
    expect(run.out()).toContain("Done: 3 instructions");
  });

  it("resumes an interrupted run at the first unfinished instruction without redoing the others", async () => {
    const ws = join(dir, "ws");
    let killed = false;
    let child: ReturnType<typeof spawn> | undefined;
    const exited = new Promise<void>((resolve) => {
      llm = undefined;
      void startScriptedLlm(
        scriptedAgent({
          plan: PLAN,
          steps: STEPS,
          // The first request for instruction 2 kills the CLI process mid-run, as a crash would.
          onRequest: (r, kind) => {
            if (!killed && kind === "act" && instructionMessage(r).includes("URL shortener service")) {
              killed = true;
              child?.kill("SIGKILL");
              return { hang: true };
            }
            return undefined;
          },
        }),
      ).then((server) => {
        llm = server;
        child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "a URL shortener", "--workspace", ws], {
          env: { ...process.env, ...env(server.baseURL) },
          stdio: "ignore",
        });
        child.on("exit", () => resolve());
      });
    });
    await exited;
    expect(killed).toBe(true);
    expect((await simpleGit(ws).log()).all).toHaveLength(1);
    const before = llm!.requests.length;

    const run = io(env(llm!.baseURL));
    const code = await main(["--resume", "--workspace", ws], run.io);
    expect(run.err()).toBe("");
    expect(code).toBe(0);
    const resumed = llm!.requests.slice(before);
    expect(resumed.some((r) => kindOf(r) === "plan")).toBe(false);
    expect(instructionMessage(resumed[0]!)).toContain("URL shortener service");
    expect(resumed.some((r) => instructionMessage(r).includes("storage module"))).toBe(false);
    const log = await simpleGit(ws).log();
    expect(log.all.map((c) => c.body.match(/L2MAC-Instruction: (\d+)/)?.[1])).toEqual(["3", "2", "1"]);
    expect(llm!.violations).toEqual([]);
  });

  it("runs a user-supplied prompt program without planning", async () => {
    llm = await startScriptedLlm(scriptedAgent({ steps: STEPS }));
    const programFile = join(dir, "program.yml");
    await writeFile(programFile, `- ${PLAN[0]}\n- ${PLAN[2]}\n`);
    const run = io(env(llm.baseURL));
    expect(await main(["a URL shortener", "--workspace", join(dir, "ws"), "--prompt-program", programFile], run.io)).toBe(0);
    expect(llm.requests.some((r) => kindOf(r) === "plan")).toBe(false);
    expect((await simpleGit(join(dir, "ws")).log()).all).toHaveLength(2);
  });

  it("explains a missing API key", async () => {
    const run = io({});
    expect(await main(["task", "--workspace", join(dir, "ws")], run.io)).toBe(1);
    expect(run.err()).toMatch(/OPENAI_API_KEY is not set/);
  });

  it("explains an unreachable endpoint and keeps nothing half-done", async () => {
    const server = await startScriptedLlm([]);
    const url = server.baseURL;
    await server.close();
    const run = io({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: url });
    expect(await main(["task", "--workspace", join(dir, "ws"), "--max-retries", "0"], run.io)).toBe(1);
    expect(run.err()).toContain("could not reach the LLM endpoint");
    expect(run.err()).toContain(url);
  });

  it("rejects an unknown domain with a clear message", async () => {
    const run = io({ OPENAI_API_KEY: "k" });
    expect(await main(["task", "--domain", "custom"], run.io)).toBe(1);
    expect(run.err()).toContain('--domain: must be "codebase" or "book"');
  });

  it("refuses to start over an existing run unless resuming", async () => {
    llm = await startScriptedLlm(scriptedAgent({ plan: [PLAN[2]!], steps: STEPS }));
    const ws = join(dir, "ws");
    expect(await main(["docs", "--workspace", ws], io(env(llm.baseURL)).io)).toBe(0);
    const again = io(env(llm.baseURL));
    expect(await main(["docs", "--workspace", ws], again.io)).toBe(1);
    expect(again.err()).toContain("--resume");
  });

  describe("on an existing git repository", () => {
    const GREET = 'def greet(name):\n    return "Hello " + name\n\n\ndef other():\n    return 1\n';
    async function existingRepo(): Promise<{ repo: string; mainHead: string }> {
      const repo = join(dir, "project");
      const git = simpleGit(await mkdir(repo, { recursive: true }).then(() => repo));
      await git.init(["--initial-branch=main"]);
      await git.addConfig("user.name", "Dev");
      await git.addConfig("user.email", "dev@example.com");
      await writeFile(join(repo, "greet.py"), GREET);
      await git.add(".");
      await git.commit("Add greet");
      await writeFile(join(repo, "AGENTS.md"), "Keep functions small.\n");
      await git.add(".");
      await git.commit("Add agent rules");
      return { repo, mainHead: (await git.revparse(["HEAD"])).trim() };
    }
    const EDIT_PLAN = ["Change greet() in greet.py to say Hi instead of Hello."];
    const editStep = {
      match: "greet.py",
      actions: [
        call("search_files", { pattern: "def greet" }),
        call("edit_files", { edits: [{ file_path: "greet.py", old_text: 'return "Hello " + name', new_text: 'return "Hi " + name' }] }),
      ],
      summary: "greet() now says Hi.",
    };

    it("commits on a new branch on top of its history, plans from its files and leaves the user's branch alone", async () => {
      const { repo, mainHead } = await existingRepo();
      llm = await startScriptedLlm(scriptedAgent({ plan: EDIT_PLAN, steps: [editStep] }));
      const run = io(env(llm.baseURL));
      const code = await main(["say hi in greet", "--workspace", repo], run.io);
      expect(run.err()).toBe("");
      expect(code).toBe(0);
      expect(llm.violations).toEqual([]);
      const git = simpleGit(repo);
      expect((await git.raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("l2mac/say-hi-in-greet");
      expect((await git.revparse(["main"])).trim()).toBe(mainHead);
      const log = (await git.log()).all.map((c) => c.message);
      expect(log).toEqual(["Change greet() in greet.py to say Hi instead of Hello.", "Add agent rules", "Add greet"]);
      expect(await readFile(join(repo, "greet.py"), "utf8")).toBe(GREET.replace("Hello", "Hi"));
      expect(run.out()).toContain("Commits are on branch l2mac/say-hi-in-greet; your branch main is unchanged.");
      expect(run.out()).toContain("Following the repository's instructions for agents: AGENTS.md");
      const plan = llm.requests.find((r) => kindOf(r) === "plan")!;
      expect(JSON.stringify(plan.body.messages)).toContain("greet.py");
      expect(JSON.stringify(plan.body.messages)).toContain("Keep functions small.");
      const acts = llm.requests.filter((r) => kindOf(r) === "act");
      expect(acts.every((r) => instructionMessage(r).includes("Keep functions small."))).toBe(true);
      // The search found the function for the agent.
      expect(JSON.stringify(acts[1]!.body.messages)).toContain("greet.py:1: def greet(name):");
    });

    it("refuses a dirty tree with a clear message and changes nothing", async () => {
      const { repo, mainHead } = await existingRepo();
      await writeFile(join(repo, "greet.py"), GREET + "# my work in progress\n");
      llm = await startScriptedLlm(scriptedAgent({ plan: EDIT_PLAN, steps: [editStep] }));
      const run = io(env(llm.baseURL));
      const code = await main(["say hi in greet", "--workspace", repo], run.io);
      expect(code).not.toBe(0);
      expect(run.err()).toContain("has uncommitted changes (1 file: greet.py). Commit or stash them first");
      expect(llm.requests).toHaveLength(0);
      const git = simpleGit(repo);
      expect((await git.raw(["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("main");
      expect((await git.revparse(["HEAD"])).trim()).toBe(mainHead);
      expect(await readFile(join(repo, "greet.py"), "utf8")).toBe(GREET + "# my work in progress\n");
    });
  });
});
