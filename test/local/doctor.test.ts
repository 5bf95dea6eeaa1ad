import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { REPO, startHarness, type Harness } from "../support/app-harness.js";
import { personality, startPersonality, type PersonalityName } from "../support/llm-personalities.js";
import { startScriptedLlm, type Responder, type ScriptedLlm } from "../support/scripted-llm-server.js";

/** `l2mac doctor` against the servers of docs/providers.md: the verdict, its one sentence, the exit status. */

let server: ScriptedLlm | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await h?.close();
  h = undefined;
});

// A model that does what it is asked: calls the tool it is told to.
const obliging: Responder = (r) =>
  r.body.tool_choice === "none" || !r.body.tools ? { content: "ok" } : { toolCalls: [{ name: "report_status", arguments: { ok: true } }] };

async function doctor(env: NodeJS.ProcessEnv, args: string[] = []) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const code = await main(["doctor", ...args], { stdout, stderr, env });
  return { code, out, err };
}

async function against(name: PersonalityName, model: Responder = obliging) {
  const started = await startPersonality(name, model);
  server = started.server;
  return doctor({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: started.baseURL, ...started.env });
}

describe("l2mac doctor", () => {
  it("says OpenAI will work, and why (exit 0)", async () => {
    const { code, out, err } = await against("openai");
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/✓ reachable: http:\/\/127\.0\.0\.1:\d+\/v1 answers and accepts the key/);
    expect(out).toMatch(/✓ model listed: `gpt-4o-mini` is listed/);
    expect(out).toMatch(/✓ context window: 128,000 tokens, from the table of known models/);
    expect(out).toMatch(/✓ forced tool call: answered with a tool call/);
    expect(out).toMatch(/✓ unforced tool call: answered with a tool call/);
    expect(out).toMatch(/– streaming: not used by L2MAC/);
    expect(out).toMatch(/Verdict: ready\. L2MAC will work with `gpt-4o-mini` at http:\/\/127\.0\.0\.1:\d+\/v1\./);
  });

  it("says Ollama will work though it ignores forced choices, with the window it loaded (exit 0)", async () => {
    const prose: Responder = (r) => (r.body.tool_choice === "required" ? { content: "Sure, reporting ok." } : obliging(r, 0));
    const { code, out } = await against("ollama", prose);
    expect(code).toBe(0);
    expect(out).toMatch(/✓ reachable: .* \(Ollama\) answers/);
    expect(out).toMatch(/✓ context window: 8,192 tokens, from Ollama's \/api\/ps context_length \(the loaded window\)/);
    expect(out).toMatch(
      /! forced tool call: the server ignored the forced tool choice and answered in text; L2MAC then reads the plan from a numbered list/,
    );
    expect(out).toMatch(/Verdict: ready\./);
  });

  it.each<[PersonalityName, RegExp]>([
    [
      "ollama-notools",
      /^Verdict: not ready\. Model `gemma:2b` on Ollama does not support tool calls; pull one whose `ollama show` lists "tools", e\.g\. `qwen3` or `llama3\.1`, and set `L2MAC_MODEL` to it\.\n$/,
    ],
    [
      "vllm-noparser",
      /^Verdict: not ready\. The vLLM server at http:\/\/127\.0\.0\.1:\d+\/v1 was started without tool calling; restart it with `--enable-auto-tool-choice --tool-call-parser <parser>` \(e\.g\. `hermes` for Qwen models\) — see docs\.vllm\.ai\/features\/tool_calling\.\n$/,
    ],
    [
      "openrouter-notools",
      /^Verdict: not ready\. Model `some\/chat-only` on OpenRouter has no provider that supports tool calls; pick a model whose page lists "tools" under supported parameters, e\.g\. `openai\/gpt-4\.1-mini` or `qwen\/qwen3-coder`\.\n$/,
    ],
  ])("says %s will not work, in its sentence (exit 1)", async (name, sentence) => {
    const { code, err } = await against(name);
    expect(code).toBe(1);
    expect(err).toMatch(sentence);
    expect(personality(name).outcome).toHaveProperty("stops");
  });

  it("says a llama-server window too small for L2MAC is the problem, and how to fix it", async () => {
    const started = await startPersonality("llamacpp", obliging, { window: 1536 });
    server = started.server;
    const { code, out, err } = await doctor({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: started.baseURL, ...started.env });
    expect(code).toBe(1);
    expect(out).toMatch(/! model listed: `qwen2\.5-coder` is not among the 1 models listed \(\/models\/q\.gguf\)/);
    expect(err).toMatch(
      /^Verdict: not ready\. llama-server at http:\/\/127\.0\.0\.1:\d+\/v1 gives each request only 1,536 tokens \(`-c` divided among `--parallel` slots\); restart it with a larger `-c` or `--parallel 1`\.\n$/,
    );
  });

  it("says a model that answers in text when it should call a tool cannot write files", async () => {
    const { code, err } = await against("openai", () => ({ content: "I would rather talk." }));
    expect(code).toBe(1);
    expect(err).toMatch(
      /Verdict: not ready\. Model `gpt-4o-mini` at \S+ does not support tool calls, which L2MAC needs to write files; pick one that does/,
    );
  });

  it("says what a refused key, an unreachable endpoint and a missing key need", async () => {
    server = await startScriptedLlm([], {
      routes: () => ({
        status: 401,
        body: { error: { message: "Incorrect API key provided: sk-wrong", type: "invalid_request_error", code: "invalid_api_key" } },
      }),
    });
    const refused = await doctor({ OPENAI_API_KEY: "sk-wrong", OPENAI_BASE_URL: server.baseURL });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^Verdict: not ready\. The LLM endpoint at http:\/\/127\.0\.0\.1:\d+\/v1 refused the API key \(401\); set OPENAI_API_KEY to a key it accepts\.\n$/,
    );
    expect(refused.out + refused.err).not.toContain("sk-wrong");
    const url = server.baseURL;
    await server.close();
    server = undefined;
    const unreachable = await doctor({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: url });
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(
      /^Verdict: not ready\. Could not reach the LLM endpoint at http:\/\/127\.0\.0\.1:\d+\/v1 \(.*ECONNREFUSED.*\); start the server, or correct OPENAI_BASE_URL\.\n$/,
    );
    const missing = await doctor({ OPENAI_BASE_URL: url });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/OPENAI_API_KEY is not set/);
  });

  it("reports the adaptations it learned, e.g. DeepSeek refusing a forced choice", async () => {
    const { code, out } = await against("deepseek");
    expect(code).toBe(0);
    expect(out).toMatch(/! adapted: forced tool calls are sent as tool_choice "auto": the server refused "required"/);
  });
});

describe("the app's start-up", () => {
  it("logs the same verdict once, without waiting for it", async () => {
    const p = personality("vllm-noparser");
    h = await startHarness({
      llm: p.responder(obliging),
      llmServer: p.server,
      env: { L2MAC_MODEL: p.model, L2MAC_STARTUP_CHECK: "true" },
    });
    // The server already answers webhooks; the check logs when it is done.
    const issue = h.gh.createIssue(REPO, { title: "t", body: "b" });
    expect((await h.deliver("issues", h.gh.issueLabeledPayload(REPO, issue.number, "other-label"))).status).toBe(200);
    const verdicts = async () => h!.logLines.filter((l) => l.includes("LLM check:"));
    for (let i = 0; i < 100 && (await verdicts()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const lines = await verdicts();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toMatch(
      /^LLM check: not ready\. The vLLM server at \S+ was started without tool calling; restart it with/,
    );
    expect(JSON.parse(lines[0]!).level).toBe(40);
  });
});
