import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { connectLlm } from "../../src/engine/llm-connection.js";
import { costOf, pricesFor } from "../../src/engine/usage.js";
import { REPO, startHarness, type Harness } from "../support/app-harness.js";
import { kindOf, scriptedAgent, write } from "../support/scripted-agent.js";
import { startScriptedLlm, type RecordedRequest, type ScriptedLlm } from "../support/scripted-llm-server.js";

/** Models per role: a strong planner, a cheap summariser, each priced on its own. */

const PLAN = ["Create the storage module store.py.", "Write README.md."];
const STEPS = [
  { match: "storage module", actions: [write({ "store.py": "STORE = {}\n" })], summary: "Added store.py." },
  { match: "README.md", actions: [write({ "README.md": "# Store\n" })], summary: "Documented the store." },
];

let server: ScriptedLlm | undefined;
let h: Harness | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-roles-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await h?.close();
  h = undefined;
  await rm(dir, { recursive: true, force: true });
});

const fixedUsage = { prompt_tokens: 1000, completion_tokens: 100 };
const modelsByKind = (requests: RecordedRequest[]) => {
  const out: Record<string, Set<string>> = {};
  for (const r of requests) (out[kindOf(r)] ??= new Set()).add(r.body.model);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
};

describe("models per role", () => {
  it("plans, acts and summarises with each role's model, and prices every call as its own model (CLI, L2MAC_*_MODEL)", async () => {
    const agent = scriptedAgent({ plan: PLAN, steps: STEPS });
    server = await startScriptedLlm(async (r, i) => {
      const reply = await agent(r, i);
      return "status" in reply || "hang" in reply ? reply : { ...reply, usage: fixedUsage };
    });
    const out = new PassThrough();
    const err = new PassThrough();
    let errText = "";
    err.on("data", (c) => (errText += c));
    const ws = join(dir, "ws");
    const code = await main(["a store", "--workspace", ws, "--steps", "2"], {
      stdout: out,
      stderr: err,
      env: {
        OPENAI_API_KEY: "k",
        OPENAI_BASE_URL: server.baseURL,
        L2MAC_MODEL: "gpt-4o-mini",
        L2MAC_PLANNER_MODEL: "gpt-4.1",
        L2MAC_SUMMARY_MODEL: "gpt-4.1-nano",
      },
    });
    expect(errText).toBe("");
    expect(code).toBe(0);
    expect(modelsByKind(server.requests)).toEqual({ plan: ["gpt-4.1"], act: ["gpt-4o-mini"], summary: ["gpt-4.1-nano"] });
    const expected = server.requests.reduce(
      (sum, r) => sum + costOf({ promptTokens: 1000, completionTokens: 100 }, pricesFor(r.body.model)),
      0,
    );
    const program = JSON.parse(await readFile(join(ws, ".l2mac", "program.json"), "utf8"));
    expect(program.usage.costUsd).toBeCloseTo(expected, 10);
    // Not what pricing every call as the executor would give.
    const asExecutor = server.requests.length * costOf({ promptTokens: 1000, completionTokens: 100 }, pricesFor("gpt-4o-mini"));
    expect(Math.abs(program.usage.costUsd - asExecutor)).toBeGreaterThan(1e-4);
  });

  it("fits every request to the smallest window among the models", async () => {
    server = await startScriptedLlm([]);
    const { llm } = await connectLlm({
      apiKey: "k",
      baseURL: server.baseURL,
      model: "gpt-4o",
      plannerModel: "gpt-4.1",
      summaryModel: "gpt-4",
    });
    expect(llm.contextWindow).toBe(8192);
    expect(llm.models).toEqual(["gpt-4o", "gpt-4.1", "gpt-4"]);
  });

  it("takes a repository's models from .github/l2mac.yml", async () => {
    h = await startHarness({
      llm: scriptedAgent({ plan: PLAN, steps: STEPS }),
      config: "ci:\n  wait_for_runs_minutes: 0.01\nmodels:\n  planner: gpt-4.1\n  summary: gpt-4.1-nano\n",
    });
    const issue = h.gh.createIssue(REPO, { title: "A store", body: "Build a store with docs." });
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "l2mac"));
    await h.idle();
    expect(h.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* done/);
    expect(modelsByKind(h.llm.requests)).toEqual({ plan: ["gpt-4.1"], act: ["gpt-4o-mini"], summary: ["gpt-4.1-nano"] });
  });

  it("refuses a cost budget when a role's model has no price, naming that model", async () => {
    h = await startHarness({
      llm: scriptedAgent({ plan: PLAN, steps: STEPS }),
      config: "ci:\n  wait_for_runs_minutes: 0.01\nbudgets:\n  max_cost_usd: 1\nmodels:\n  summary: my-local-summariser\n",
    });
    const issue = h.gh.createIssue(REPO, { title: "A store", body: "Build a store with docs." });
    await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "l2mac"));
    await h.idle();
    expect(h.planComment(issue.number)!.body).toMatch(/the price of model \\?`my-local-summariser\\?` is unknown/);
    expect(h.llm.requests).toHaveLength(0);
  });
});
