import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { DEFAULT_CONTEXT_WINDOW, knownContextWindow } from "../../src/engine/context-window.js";
import { EndpointMemory } from "../../src/engine/endpoint-memory.js";
import { connectLlm } from "../../src/engine/llm-connection.js";
import type { OpenAiLlm } from "../../src/engine/openai-llm.js";
import { serverPrompt, startPersonality, type PersonalityName } from "../support/llm-personalities.js";
import { scriptedAgent, write } from "../support/scripted-agent.js";
import { startScriptedLlm, type ScriptedLlm } from "../support/scripted-llm-server.js";

let server: ScriptedLlm | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-window-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("the table of known models", () => {
  it.each([
    // Dated snapshots are matched exactly before any prefix (issue 15 found these wrong).
    ["gpt-4-1106-preview", 128_000],
    ["gpt-4-0125-preview", 128_000],
    ["gpt-4-vision-preview", 128_000],
    ["gpt-3.5-turbo-0613", 4_096],
    ["gpt-3.5-turbo-1106", 16_385],
    ["gpt-4-0613", 8_192],
    ["gpt-4o-2024-08-06", 128_000],
    ["openai/gpt-4.1-mini", 1_047_576],
    ["claude-sonnet-4-5", 200_000],
    ["gemini-2.5-flash", 1_048_576],
    ["deepseek-chat", 131_072],
  ])("%s → %i", (model, tokens) => {
    expect(knownContextWindow(model)).toBe(tokens);
  });

  it("knows no self-hosted model: their servers load what they load", () => {
    expect(knownContextWindow("qwen3:8b")).toBeUndefined();
    expect(knownContextWindow("llama3.1:8b")).toBeUndefined();
  });
});

describe("asking the server", () => {
  it.each<[PersonalityName, number, RegExp]>([
    ["vllm", 8192, /vLLM's \/v1\/models max_model_len/],
    ["llamacpp", 4096, /llama-server's/],
    ["lmstudio", 4096, /LM Studio's \/api\/v0\/models loaded_context_length/],
    ["ollama", 8192, /Ollama's \/api\/ps context_length/],
    ["litellm", 16384, /LiteLLM's \/model\/info max_input_tokens/],
    // The smaller of the model's 131072 and its top provider's 32768.
    ["openrouter", 32768, /OpenRouter's \/models context_length/],
    ["groq", 131072, /context_window/],
  ])("%s → %i", async (name, tokens, source) => {
    const started = await startPersonality(name, () => ({ content: "ok" }));
    server = started.server;
    const { llm } = await connectLlm({ apiKey: "k", baseURL: started.baseURL, model: started.personality.model });
    expect(llm.contextWindow).toBe(tokens);
    expect((llm as OpenAiLlm).contextWindowSource.source).toMatch(source);
    expect(server.violations).toEqual([]);
  });

  it("prefers llama-server's per-slot /props n_ctx when it is smaller than meta.n_ctx", async () => {
    server = await startScriptedLlm([], {
      routes: (p) => {
        if (p.path === "/v1/models")
          return { status: 200, body: { data: [{ id: "/m.gguf", owned_by: "llamacpp", meta: { n_ctx: 16384 } }] } };
        if (p.path === "/props") return { status: 200, body: { default_generation_settings: { n_ctx: 4096 }, total_slots: 4 } };
        return undefined;
      },
    });
    const { llm } = await connectLlm({ apiKey: "k", baseURL: server.baseURL, model: "any" });
    expect(llm.contextWindow).toBe(4096);
  });

  it("takes L2MAC_CONTEXT_WINDOW over what the server says, and the table over nothing", async () => {
    const started = await startPersonality("vllm", () => ({ content: "ok" }));
    server = started.server;
    const configured = await connectLlm({ apiKey: "k", baseURL: started.baseURL, model: started.personality.model, contextWindow: 6000 });
    expect(configured.llm.contextWindow).toBe(6000);
    const openai = await connectLlm({ apiKey: "k", baseURL: started.baseURL, model: "gpt-4o-mini" });
    // vLLM lists one model: its window is the server's, whatever the name.
    expect(openai.llm.contextWindow).toBe(8192);
  });

  it("assumes a conservative window with a warning when nothing reports one", async () => {
    server = await startScriptedLlm([]);
    const warnings: string[] = [];
    const { llm } = await connectLlm({ apiKey: "k", baseURL: server.baseURL, model: "mystery-model", warn: (w) => warnings.push(w) });
    expect(llm.contextWindow).toBe(DEFAULT_CONTEXT_WINDOW);
    expect(warnings).toEqual([
      "No context window is known for model `mystery-model`: assuming 4,096 tokens. Set L2MAC_CONTEXT_WINDOW to the window the server gives the model.",
    ]);
  });

  it("asks once per endpoint and model for a while, not once per run", async () => {
    const started = await startPersonality("vllm", () => ({ content: "ok" }));
    server = started.server;
    const memory = new EndpointMemory();
    await connectLlm({ apiKey: "k", baseURL: started.baseURL, model: started.personality.model, memory });
    const asked = server.probes.length;
    await connectLlm({ apiKey: "k", baseURL: started.baseURL, model: started.personality.model, memory });
    expect(server.probes.length).toBe(asked);
  });

  it("never fails a connection for an endpoint that cannot be reached: the run says so on its first call", async () => {
    const closed = await startScriptedLlm([]);
    const url = closed.baseURL;
    await closed.close();
    const { llm } = await connectLlm({ apiKey: "k", baseURL: url, model: "gpt-4o" });
    expect(llm.contextWindow).toBe(128_000);
  });
});

describe("a server that reports max_model_len and cuts silently beyond it", () => {
  // Each step writes big files over several turns, so its conversation outgrows the window and must be restarted.
  const big = (name: string, n: number) =>
    write({ [`${name}.py`]: `# ${name}\n${"value = 'the quick brown fox jumps over the lazy dog'\n".repeat(n)}` });
  const PLAN = ["Create the storage module store.py.", "Create the service module service.py.", "Write the docs module docs.py."];
  const STEPS = [
    {
      match: "storage module",
      actions: [big("store_a", 60), big("store_b", 60), big("store_c", 60), big("store_d", 60)],
      summary: "Added store modules.",
    },
    { match: "service module", actions: [big("svc_a", 60), big("svc_b", 60), big("svc_c", 60)], summary: "Added service modules." },
    { match: "docs module", actions: [big("docs", 40)], summary: "Added docs." },
  ];

  it("never receives a prompt over it (no L2MAC_CONTEXT_WINDOW set), and the window used is the server's, not the default", async () => {
    const started = await startPersonality("vllm", scriptedAgent({ plan: PLAN, steps: STEPS }), {
      silentCut: true,
      tokenRatio: 1.25,
      window: 8192,
    });
    server = started.server;
    const out = new PassThrough();
    const err = new PassThrough();
    let errText = "";
    err.on("data", (c) => (errText += c));
    const code = await main(["modules", "--workspace", join(dir, "ws"), "--steps", "3"], {
      stdout: out,
      stderr: err,
      env: { OPENAI_API_KEY: "k", OPENAI_BASE_URL: started.baseURL, L2MAC_MODEL: started.personality.model },
    });
    expect(errText).toBe("");
    expect(code).toBe(0);
    expect(started.personality.problems).toEqual([]);
    // The server's own counts (its tokenizer counts 25% more than ours) went right up to the window.
    const prompts = server.requests.map((r) => serverPrompt(r.body, 1.25) + (r.body.max_tokens ?? 0));
    expect(Math.max(...prompts)).toBeGreaterThan(DEFAULT_CONTEXT_WINDOW);
    expect(Math.max(...prompts)).toBeLessThanOrEqual(8192);
    expect(server.requests.some((r) => r.body.tool_choice === "none" && /context/i.test(String(r.body.messages.at(-1).content)))).toBe(
      true,
    );
  });
});
