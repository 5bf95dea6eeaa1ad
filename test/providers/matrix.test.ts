import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { REPO, startHarness, type Harness } from "../support/app-harness.js";
import { ALL_PERSONALITIES, personality, startPersonality } from "../support/llm-personalities.js";
import { scriptedAgent, write } from "../support/scripted-agent.js";
import type { ScriptedLlm } from "../support/scripted-llm-server.js";

/**
 * Every server family of docs/providers.md, played by the scripted server: the CLI's three-step run
 * and the GitHub scenario either finish, or stop with the one sentence docs/providers.md gives for that
 * server. Neither ever sends a prompt over the server's window, nor a request the server would refuse
 * that it could have avoided (the scripted server's violations).
 */

const PLAN = [
  "Create the storage module store.py with an in-memory dict and tests in test_store.py.",
  "Create the URL shortener service shortener.py using the store, with tests.",
  "Write README.md explaining how to run the service and its tests.",
];
const STEPS = [
  {
    match: "storage module",
    // Two writes: a server whose ids repeat per turn (Kimi on vLLM) would give both the same id.
    actions: [
      write({ "store.py": "STORE = {}\n" }),
      write({ "test_store.py": "from store import STORE\n\ndef test_empty():\n    assert STORE == {}\n" }),
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
const agent = () => scriptedAgent({ plan: PLAN, steps: STEPS });

// What GitHub shows of a reason is Markdown-escaped; the sentence is compared as people read it.
const unescape = (text: string) => text.replace(/\\(.)/g, "$1");

let dir: string;
let server: ScriptedLlm | undefined;
let h: Harness | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-matrix-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await h?.close();
  h = undefined;
  await rm(dir, { recursive: true, force: true });
});

function io(env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}

describe.each(ALL_PERSONALITIES)("%s", (name) => {
  const expected = personality(name).outcome;

  it("the CLI's three-step run", async () => {
    const started = await startPersonality(name, agent());
    server = started.server;
    const ws = join(dir, "ws");
    const run = io({ OPENAI_API_KEY: "sk-test-key", OPENAI_BASE_URL: started.baseURL, L2MAC_MAX_RETRIES: "2", ...started.env });
    const code = await main(["a URL shortener", "--workspace", ws, "--steps", "3"], run.io);
    expect(server.violations).toEqual([]);
    expect(started.personality.problems).toEqual([]);
    if ("done" in expected) {
      expect([...started.personality.played].sort()).toEqual(expect.arrayContaining(started.personality.plays));
      expect(run.err()).not.toMatch(/Failed|Paused/);
      expect(code).toBe(0);
      expect(await readFile(join(ws, "store.py"), "utf8")).toBe("STORE = {}\n");
      expect(await readFile(join(ws, "README.md"), "utf8")).toContain("pytest");
      expect((await simpleGit(ws).log()).all).toHaveLength(3);
      // Reasoning is never shown, parsed as a plan or committed.
      const program = await readFile(join(ws, ".l2mac", "program.json"), "utf8");
      expect(JSON.parse(program).instructions).toHaveLength(3);
      expect(program).not.toMatch(/not a step|reasoning/);
    } else {
      expect(code).not.toBe(0);
      expect(run.err()).toMatch(expected.stops);
    }
  });

  it("the GitHub scenario", async () => {
    const p = personality(name);
    h = await startHarness({
      llm: p.responder(agent()),
      llmServer: p.server,
      llmBaseURL: p.baseURL,
      env: { L2MAC_MODEL: p.model, L2MAC_MAX_RETRIES: "2", ...p.env({ origin: "", baseURL: "" } as ScriptedLlm) },
    });
    const issue = h.gh.createIssue(REPO, { title: "URL shortener", body: "Build a URL shortener in Python with tests and a README." });
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "l2mac"));
    await h.idle();
    expect(h.llm.violations).toEqual([]);
    expect(p.problems).toEqual([]);
    const plan = h.planComment(issue.number)!;
    if ("done" in expected) {
      expect([...p.played]).toEqual(expect.arrayContaining(p.plays));
      expect(plan.body).toMatch(/\*\*Status:\*\* done/);
      expect(h.gh.pulls(REPO)).toHaveLength(1);
      expect(await h.gh.readFile(REPO, "l2mac/issue-1", "shortener.py")).toContain("def shorten");
      expect(plan.body).not.toMatch(/not a step/);
    } else {
      expect(plan.body).toMatch(/\*\*Status:\*\* (failed|paused)/);
      expect(unescape(plan.body)).toMatch(expected.stops);
      expect(h.gh.pulls(REPO)).toHaveLength(0);
    }
  });
});

describe("an incompatibility met mid-run", () => {
  // OpenRouter's account runs dry after the first instruction (two writes and a completion).
  const drained = () => {
    const inner = agent();
    let acts = 0;
    return (async (r, i) => {
      if (
        r.body.tools?.some((t: { function: { name: string } }) => t.function.name === "write_files") &&
        r.body.tool_choice === "auto" &&
        ++acts > 3
      ) {
        return {
          status: 402,
          body: { error: { code: 402, message: "Insufficient credits. Add more using https://openrouter.ai/settings/credits" } },
        };
      }
      return inner(r, i);
    }) as Parameters<ReturnType<typeof personality>["responder"]>[0];
  };
  const SENTENCE =
    "OpenRouter refused the request because the account has no credits left; add credits at openrouter.ai/settings/credits, then resume the run.";

  it("pauses the GitHub run with the sentence in the plan comment, keeping the finished instruction", async () => {
    const p = personality("openrouter");
    h = await startHarness({
      llm: p.responder(drained()),
      llmServer: p.server,
      llmBaseURL: p.baseURL,
      env: { L2MAC_MODEL: p.model, L2MAC_MAX_RETRIES: "2" },
    });
    const issue = h.gh.createIssue(REPO, { title: "URL shortener", body: "Build a URL shortener in Python with tests and a README." });
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "l2mac"));
    await h.idle();
    const body = unescape(h.planComment(issue.number)!.body);
    expect(body).toMatch(/\*\*Status:\*\* paused: /);
    expect(body).toContain(SENTENCE);
    expect(body.split("\n").filter((l) => l.startsWith("- [x] "))).toHaveLength(1);
  });

  it("pauses the CLI run (exit 2) with the sentence", async () => {
    const started = await startPersonality("openrouter", drained());
    server = started.server;
    const run = io({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: started.baseURL, ...started.env });
    expect(await main(["a URL shortener", "--workspace", join(dir, "ws"), "--steps", "3"], run.io)).toBe(2);
    expect(run.err()).toContain(SENTENCE);
    expect(run.err()).toContain("Continue with: l2mac --resume");
  });
});
