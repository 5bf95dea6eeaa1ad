import { createSyntaxChecker } from "../../src/checks/syntax.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Meter } from "../../src/engine/budget.js";
import { executeInstruction } from "../../src/engine/control-unit.js";
import { DirectoryFileStore } from "../../src/engine/directory-file-store.js";
import { EndpointMemory } from "../../src/engine/endpoint-memory.js";
import { LlmError, type ChatRequest, type ToolSpec } from "../../src/engine/llm.js";
import { stripThinking } from "../../src/engine/llm-reply.js";
import { system, toolResult, user, type AssistantMessage } from "../../src/engine/messages.js";
import { OpenAiLlm, type OpenAiLlmOptions } from "../../src/engine/openai-llm.js";
import { planProgram } from "../../src/engine/planner.js";
import { defaultPrompts } from "../../src/engine/prompts.js";
import { PLAN_TOOL } from "../../src/engine/tools/definitions.js";
import { formatCost, usageOf } from "../../src/engine/usage.js";
import { startPersonality } from "../support/llm-personalities.js";
import { complete, scriptedAgent, write } from "../support/scripted-agent.js";
import {
  startScriptedLlm,
  type Responder,
  type ScriptReply,
  type ScriptedLlm,
  type ScriptedServerOptions,
} from "../support/scripted-llm-server.js";

const checkSyntax = createSyntaxChecker();

/** Each tolerated quirk of docs/providers.md, through the real SDK against the scripted server playing it. */

const writeFile: ToolSpec = {
  name: "write_file",
  description: "Write a file",
  parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
};
const act: ChatRequest = {
  messages: [system("You write files."), user("Write hello.txt")],
  tools: [writeFile],
  toolChoice: "auto",
  purpose: "act",
};

let server: ScriptedLlm | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "l2mac-quirks-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function setup(
  script: Responder | ScriptReply[],
  options: Partial<OpenAiLlmOptions> = {},
  serverOptions: ScriptedServerOptions = {},
) {
  server = await startScriptedLlm(script, serverOptions);
  const llm = new OpenAiLlm({
    apiKey: "sk-test-key",
    baseURL: server.baseURL,
    model: "m",
    contextWindow: 32_000,
    maxRetries: 1,
    ...options,
  });
  return { llm, server };
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

const ids = (m: AssistantMessage) => (m.tool_calls ?? []).map((c) => c.id);

describe("tool-call ids", () => {
  it("gives missing, empty and duplicated ids stable, distinct 9-alphanumeric ones, unique in the conversation", async () => {
    const { llm, server } = await setup([
      {
        toolCalls: [
          { name: "write_file", arguments: { path: "a" }, id: null },
          { name: "write_file", arguments: { path: "b" }, id: "" },
          { name: "write_file", arguments: { path: "c" }, id: "dup" },
          { name: "write_file", arguments: { path: "d" }, id: "dup" },
        ],
      },
      { toolCalls: [{ name: "write_file", arguments: { path: "e" }, id: "functions.write_file:0" }] },
      { toolCalls: [{ name: "write_file", arguments: { path: "f" }, id: "functions.write_file:0" }] },
    ]);
    const first = (await llm.complete(act)).message;
    expect(ids(first)).toHaveLength(4);
    expect(new Set(ids(first)).size).toBe(4);
    for (const id of ids(first)) expect(id).toMatch(/^[A-Za-z0-9]{9}$/);
    const history = [...act.messages, first, ...ids(first).map((id) => toolResult(id, "ok"))];
    const second = (await llm.complete({ ...act, messages: history })).message;
    const third = (await llm.complete({ ...act, messages: [...history, second, toolResult(ids(second)[0]!, "ok")] })).message;
    // The same server id on two turns ("functions.write_file:0") is two ids here.
    expect(new Set([...ids(first), ...ids(second), ...ids(third)]).size).toBe(6);
    expect(server.violations).toEqual([]);
  });

  it("answers each of several calls with the same server id exactly once", async () => {
    const store = new DirectoryFileStore(join(dir, "repo"));
    const { llm, server } = await setup([
      {
        toolCalls: [
          {
            name: "write_files",
            arguments: { list_of_file_objects: [{ file_path: "a.ts", file_contents: "export const a = 1;\n" }] },
            id: "x",
          },
          {
            name: "write_files",
            arguments: { list_of_file_objects: [{ file_path: "b.ts", file_contents: "export const b = 1;\n" }] },
            id: "x",
          },
        ],
      },
      complete,
      { content: "Wrote a.ts and b.ts." },
    ]);
    const outcome = await executeInstruction({
      checkSyntax,
      llm,
      store,
      prompts: defaultPrompts("codebase"),
      task: "t",
      instruction: { id: 1, text: "Write a.ts and b.ts.", status: "pending" },
      index: 1,
      total: 1,
      earlierSummaries: [],
      meter: new Meter({ maxTurnsPerInstruction: 10, maxContextRestarts: 3 }, undefined),
      budgets: { maxTurnsPerInstruction: 10, maxContextRestarts: 3 },
    });
    expect(outcome.status).toBe("complete");
    expect(await store.read("b.ts")).toContain("b = 1");
    const answered = (server.requests[1]!.body.messages as Array<{ role: string; tool_call_id?: string }>).filter((m) => m.role === "tool");
    expect(answered).toHaveLength(2);
    expect(new Set(answered.map((m) => m.tool_call_id)).size).toBe(2);
    expect(server.violations).toEqual([]);
  });

  it('drops a call without a function (LM Studio\'s {"id": "", "type": "function"}) and never echoes it', async () => {
    const { llm } = await setup([
      { toolCalls: [{ name: "write_file", arguments: { path: "a" } }], rawCalls: [{ id: "", type: "function" }] },
    ]);
    const message = (await llm.complete(act)).message;
    expect(message.tool_calls).toHaveLength(1);
    expect(message.tool_calls![0]!.function.name).toBe("write_file");
  });
});

describe("reply shapes", () => {
  it('takes tool calls that come with finish_reason "stop", and "tool_calls" that come with none', async () => {
    const { llm } = await setup([
      { toolCalls: [{ name: "write_file", arguments: { path: "a" } }], finishReason: "stop" },
      { content: "1. Write it", finishReason: "tool_calls", message: { tool_calls: [] } },
    ]);
    const first = await llm.complete(act);
    expect(first.message.tool_calls).toHaveLength(1);
    expect(first.finishReason).toBe("stop");
    const second = await llm.complete(act);
    expect(second.message).toEqual({ role: "assistant", content: "1. Write it" });
  });

  it('reads content null, "" and arrays of parts, dropping thinking parts, and sends "" back beside calls', async () => {
    const { llm, server } = await setup([
      { content: null, toolCalls: [{ name: "write_file", arguments: { path: "a" } }] },
      { content: "" },
      {
        content: [
          { type: "thinking", thinking: [{ type: "text", text: "- secret" }] },
          { type: "text", text: "Hello" },
          { type: "text", text: " there" },
        ],
      },
      { content: "ok" },
    ]);
    const first = (await llm.complete(act)).message;
    expect(first.content).toBeNull();
    expect((await llm.complete(act)).message.content).toBe("");
    expect((await llm.complete(act)).message.content).toBe("Hello there");
    await llm.complete({ ...act, messages: [...act.messages, first, toolResult(ids(first)[0]!, "ok")] });
    expect(server.requests[3]!.body.messages[2].content).toBe("");
  });
});

describe("reasoning", () => {
  it.each([
    ["a block", "<think>\n- a\n</think>\n1. Do it", "1. Do it"],
    ["a block named thinking", "<thinking>x</thinking>Answer", "Answer"],
    ["a closing tag only (opened by the template)", "- a\n- b\n</think>\n\nAnswer", "Answer"],
    ["an opening tag cut off", "Answer <think>- a\n- b", "Answer "],
    ["no reasoning", "  Answer as it is\n", "  Answer as it is\n"],
  ])("strips %s", (_case, text, out) => {
    expect(stripThinking(text)).toBe(out);
  });

  it("never makes <think> bullets or a reasoning field plan steps, when a forced call is answered in prose", async () => {
    const { llm } = await setup([
      { content: "<think>\n- weigh options\n- not a step\n</think>\n1. Write main.py\n2. Add tests" },
      { content: "1. Write main.py", message: { reasoning: "- not a step", reasoning_content: "- nor this" } },
    ]);
    const plan = () =>
      planProgram({
        llm,
        prompts: defaultPrompts("codebase"),
        task: "A tool.",
        maxSteps: 5,
        meter: new Meter({ maxTurnsPerInstruction: 5, maxContextRestarts: 1 }, undefined),
      });
    expect(await plan()).toEqual(["Write main.py", "Add tests"]);
    expect(await plan()).toEqual(["Write main.py"]);
  });

  it("keeps reasoning_content of a tool-call turn out of content, and sends it back only after DeepSeek asks for it", async () => {
    const { llm, server } = await startDeepSeekLike();
    const first = (await llm.complete(act)).message;
    expect(first.content).toBe("");
    expect(first.reasoning).toBe("because");
    await llm.complete({ ...act, messages: [...act.messages, first, toolResult(ids(first)[0]!, "ok")] });
    // Refused without it, then sent it, then keeps sending it: remembered for the endpoint.
    expect(server.requests[1]!.body.messages[2]).not.toHaveProperty("reasoning_content");
    expect(server.requests[2]!.body.messages[2].reasoning_content).toBe("because");
    await llm.complete({ ...act, messages: [...act.messages, first, toolResult(ids(first)[0]!, "ok")] });
    expect(server.requests).toHaveLength(4);
    expect(server.requests[3]!.body.messages[2].reasoning_content).toBe("because");
  });

  it("sends reasoning_content to api.deepseek.com from the start, and to no other server", async () => {
    const memory = new EndpointMemory();
    const deepseek = new OpenAiLlm({ apiKey: "k", baseURL: "https://api.deepseek.com", model: "deepseek-chat", memory });
    expect(deepseek.quirks.echoReasoning).toBe(true);
    const { llm, server } = await setup([
      { toolCalls: [{ name: "write_file", arguments: { path: "a" } }], message: { reasoning_content: "r" } },
      { content: "ok" },
    ]);
    const first = (await llm.complete(act)).message;
    await llm.complete({ ...act, messages: [...act.messages, first, toolResult(ids(first)[0]!, "ok")] });
    // OpenAI (played by the scripted server) rejects a field it does not know.
    expect(server.violations).toEqual([]);
  });

  it("carries Gemini's extra_content on each call back unchanged", async () => {
    const extra = { google: { thought_signature: "sig-1" } };
    const { llm, server } = await setup(
      [{ toolCalls: [{ name: "write_file", arguments: { path: "a" }, extra: { extra_content: extra } }] }, { content: "ok" }],
      {},
      { accepts: { toolCallKeys: ["extra_content"] } },
    );
    const first = (await llm.complete(act)).message;
    await llm.complete({ ...act, messages: [...act.messages, first, toolResult(ids(first)[0]!, "ok")] });
    expect(server.requests[1]!.body.messages[2].tool_calls[0].extra_content).toEqual(extra);
  });
});

async function startDeepSeekLike() {
  const responder: Responder = (r) => {
    const missing = (r.body.messages as Array<Record<string, unknown>>).findIndex(
      (m) => m.role === "assistant" && Array.isArray(m.tool_calls) && typeof m.reasoning_content !== "string",
    );
    if (missing >= 0) {
      return {
        status: 400,
        body: {
          error: {
            message: `Missing \`reasoning_content\` field in the assistant message at message index ${missing}.`,
            type: "invalid_request_error",
          },
        },
      };
    }
    return { toolCalls: [{ name: "write_file", arguments: { path: "a" } }], content: "", message: { reasoning_content: "because" } };
  };
  return setup(responder, {}, { accepts: { messageKeys: ["reasoning_content"] } });
}

describe("error bodies in any envelope", () => {
  it.each([
    [
      "nested (OpenAI)",
      { error: { message: "Invalid schema for function", type: "invalid_request_error" } },
      /Invalid schema for function/,
    ],
    [
      "flat (Mistral, vLLM < 0.10.1)",
      { object: "error", message: "Tool call id was x but must be 9", type: "invalid_function_call", code: "3280" },
      /Tool call id was x but must be 9/,
    ],
    [
      "an array (Gemini)",
      [{ error: { code: 400, message: "Invalid JSON payload received.", status: "INVALID_ARGUMENT" } }],
      /^Gemini rejected the request: Invalid JSON payload received\.$/,
    ],
    ["a string (LM Studio, Ollama native)", { error: "Invalid 'messages' in payload" }, /: Invalid 'messages' in payload$/],
    [
      "with upstream detail (OpenRouter)",
      { error: { code: 400, message: "Provider returned error", metadata: { raw: "bad tool schema", provider_name: "X" } } },
      /Provider returned error: bad tool schema \(provider X\)/,
    ],
  ])("shows the server's words: %s", async (_case, body, words) => {
    const { llm } = await setup([{ status: 400, body }], _case.includes("Gemini") ? { family: "gemini" } : {});
    const error = await failure(llm.complete(act));
    expect(error.kind).toBe("bad-request");
    expect(error.message).toMatch(words);
    expect(error.message).not.toMatch(/no body/);
  });

  it("shows the text of a non-JSON error page", async () => {
    const { llm } = await setup([
      { status: 400, raw: "<html><body><h1>400 Bad Request</h1>nginx</body></html>", contentType: "text/html" },
    ]);
    expect((await failure(llm.complete(act))).message).toMatch(/400 Bad Request nginx/);
  });

  it("treats a 200 body that is an error as that error: retried when 5xx (OpenRouter), a context overflow when it says so (LM Studio 0.4.21)", async () => {
    const { llm, server } = await setup([
      { status: 200, body: { error: { code: 502, message: "Provider returned error", metadata: { raw: "upstream overloaded" } } } },
      { content: "ok" },
      {
        status: 200,
        body: {
          error:
            "Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens",
        },
      },
    ]);
    expect((await llm.complete(act)).message.content).toBe("ok");
    expect(server.requests).toHaveLength(2);
    expect((await failure(llm.complete(act))).kind).toBe("context-length");
  });
});

describe("refused parameters and tool choices: retried once with a change, remembered per endpoint", () => {
  it("drops parallel_tool_calls after a refusal naming it (LiteLLM, Azure, Gemini)", async () => {
    const refusal: ScriptReply = {
      status: 400,
      body: {
        error: {
          message: "litellm.UnsupportedParamsError: anthropic does not support parameters: {'parallel_tool_calls': False}",
          code: "400",
        },
      },
    };
    const memory = new EndpointMemory();
    const { llm, server } = await setup([refusal, { content: "a" }, { content: "b" }], { parallelToolCalls: false, memory });
    expect((await llm.complete(act)).message.content).toBe("a");
    expect(server.requests[0]!.body.parallel_tool_calls).toBe(false);
    expect(server.requests[1]!.body).not.toHaveProperty("parallel_tool_calls");
    // A new LLM for the same endpoint (the next run) starts from what was learned.
    const next = new OpenAiLlm({
      apiKey: "k",
      baseURL: server.baseURL,
      model: "m",
      contextWindow: 32_000,
      parallelToolCalls: false,
      memory,
    });
    await next.complete(act);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.body).not.toHaveProperty("parallel_tool_calls");
  });

  it('falls back from "required" to "auto" after a refused forced choice (LM Studio, DeepSeek), and plans from the reply', async () => {
    const refusals: string[] = [];
    const { llm, server } = await setup((r) => {
      if (r.body.tool_choice === "required") {
        refusals.push("required");
        return {
          status: 400,
          body: { error: { message: "Thinking mode does not support this tool_choice", type: "invalid_request_error" } },
        };
      }
      return { toolCalls: [{ name: PLAN_TOOL, arguments: { steps: ["One", "Two"] } }] };
    });
    const plan = () =>
      planProgram({
        llm,
        prompts: defaultPrompts("codebase"),
        task: "A tool.",
        maxSteps: 5,
        meter: new Meter({ maxTurnsPerInstruction: 5, maxContextRestarts: 1 }, undefined),
      });
    expect(await plan()).toEqual(["One", "Two"]);
    expect(await plan()).toEqual(["One", "Two"]);
    expect(refusals).toHaveLength(1);
    expect(server.requests.map((r) => r.body.tool_choice)).toEqual(["required", "auto", "auto"]);
    expect(llm.quirks.learned).toEqual(['forced tool calls are sent as tool_choice "auto": the server refused "required"']);
  });

  it("moves to max_completion_tokens and drops temperature when the model asks (a reasoning model behind a deployment name)", async () => {
    const { llm, server } = await setup([
      {
        status: 400,
        body: {
          error: {
            message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            param: "max_tokens",
          },
        },
      },
      {
        status: 400,
        body: { error: { message: "Unsupported value: 'temperature' does not support 0 with this model.", param: "temperature" } },
      },
      { content: "ok" },
    ]);
    await llm.complete({ ...act, temperature: 0, maxTokens: 100 });
    expect(server.requests[2]!.body).toMatchObject({ max_completion_tokens: 100 });
    expect(server.requests[2]!.body).not.toHaveProperty("temperature");
    expect(server.requests[2]!.body).not.toHaveProperty("max_tokens");
  });

  it("retries Groq's tool_use_failed (the model's malformed output) once", async () => {
    const failed: ScriptReply = {
      status: 400,
      body: { error: { message: "Failed to call a function. Please adjust your prompt.", code: "tool_use_failed" } },
    };
    const { llm, server } = await setup([failed, { content: "ok" }, failed, failed]);
    expect((await llm.complete(act)).message.content).toBe("ok");
    expect((await failure(llm.complete(act))).kind).toBe("bad-request");
    expect(server.requests).toHaveLength(4);
  });

  it("puts a short assistant turn between tool results and a user message after Mistral's refusal", async () => {
    const started = await startPersonality("mistral", () => ({ content: "fine" }));
    server = started.server;
    const llm = new OpenAiLlm({ apiKey: "k", baseURL: started.baseURL, model: started.personality.model, contextWindow: 32_000 });
    const call = { id: "Ab3dEf6hJ", type: "function" as const, function: { name: "write_file", arguments: "{}" } };
    const history = [
      ...act.messages,
      { role: "assistant" as const, content: "", tool_calls: [call] },
      toolResult(call.id, "ok"),
      user("Next?"),
    ];
    expect((await llm.complete({ ...act, messages: history })).message.content).toBe("fine");
    const sent = server.requests.at(-1)!.body.messages.map((m: { role: string }) => m.role);
    expect(sent).toEqual(["system", "user", "assistant", "tool", "assistant", "user"]);
    expect(started.personality.played).toContain("user after tool refused");
  });
});

describe("a forced choice that is ignored, a tool-free turn that is not", () => {
  it('asks a turn whose tool_choice "none" was ignored again without tools, once, and from then on (Ollama)', async () => {
    const { llm, server } = await setup((r) =>
      r.body.tools ? { toolCalls: [{ name: "write_file", arguments: { path: "a" } }], content: "" } : { content: "Summary of the step." },
    );
    const summary = { ...act, toolChoice: "none" as const, purpose: "summary" as const };
    const response = await llm.complete(summary);
    expect(response.message).toEqual({ role: "assistant", content: "Summary of the step." });
    // The reply thrown away is still paid for.
    expect(response.usage.promptTokens).toBeGreaterThan(server.requests[1]!.body.messages.length);
    await llm.complete(summary);
    expect(server.requests.map((r) => r.body.tools?.length ?? 0)).toEqual([1, 0, 0]);
  });

  it("completes an instruction on a server that ignores both the forced choice and none, without looping", async () => {
    const started = await startPersonality(
      "ollama",
      scriptedAgent({ steps: [{ match: "greet", actions: [write({ "app.py": "x = 1\n" })], summary: "Wrote app.py." }] }),
    );
    server = started.server;
    // Not told it is Ollama (no discovery): it learns that "none" is ignored from the reply.
    const llm = new OpenAiLlm({ apiKey: "k", baseURL: started.baseURL, model: started.personality.model, contextWindow: 8192 });
    const outcome = await executeInstruction({
      checkSyntax,
      llm,
      store: new DirectoryFileStore(join(dir, "repo")),
      prompts: defaultPrompts("codebase"),
      task: "t",
      instruction: { id: 1, text: "Write app.py to greet.", status: "pending" },
      index: 1,
      total: 1,
      earlierSummaries: [],
      meter: new Meter({ maxTurnsPerInstruction: 10, maxContextRestarts: 3 }, undefined),
      budgets: { maxTurnsPerInstruction: 10, maxContextRestarts: 3 },
    });
    expect(outcome).toMatchObject({ status: "complete", summary: "Wrote app.py." });
    expect(started.personality.played).toContain("none ignored");
    expect(server.requests).toHaveLength(4); // write, complete, summary with tools (ignored), summary without
  });

  it("asks once more when a forced call comes back empty (LM Studio), then lets the planner say so", async () => {
    const { llm, server } = await setup([{ content: "" }, { content: "" }]);
    const error = await planProgram({
      llm,
      prompts: defaultPrompts("codebase"),
      task: "A tool.",
      maxSteps: 5,
      meter: new Meter({ maxTurnsPerInstruction: 5, maxContextRestarts: 1 }, undefined),
    }).catch((e: Error) => e);
    expect(String(error)).toMatch(/empty plan/);
    expect(server.requests).toHaveLength(2);
  });
});

describe("usage", () => {
  it("counts locally when the server sends no usage, and the cost then says it is estimated", async () => {
    const { llm } = await setup([{ content: "hello there", usage: null }]);
    const response = await llm.complete(act);
    expect(response.usage.estimated).toBe(true);
    expect(response.usage.promptTokens).toBeGreaterThan(10);
    const usage = usageOf(response.usage, { input: 1, output: 1 });
    expect(formatCost(usage, 4)).toMatch(/^\$0\.\d{4} \(estimated\)$/);
  });

  it("shrinks the window by how much more the server's tokenizer counts", async () => {
    const { llm } = await setup(
      (r) => ({ content: "ok", usage: { prompt_tokens: Math.ceil(JSON.stringify(r.body.messages).length), completion_tokens: 1 } }),
      {
        contextWindow: 10_000,
        completionReserve: 1000,
      },
    );
    expect(llm.contextWindow).toBe(10_000);
    await llm.complete({ ...act, messages: [system("x".repeat(4000)), user("Write hello.txt")] });
    expect(llm.contextWindow).toBeLessThan(10_000);
    expect(llm.contextWindow).toBeGreaterThanOrEqual(1000 + 9000 / 2);
  });
});

describe("context-length wordings: the summarise-and-restart path", () => {
  it.each([
    ["OpenAI", 400, { error: { message: "This model's maximum context length is 128000 tokens.", code: "context_length_exceeded" } }],
    [
      "vLLM",
      400,
      {
        error: {
          message:
            "This model's maximum context length is 8192 tokens. However, you requested 2048 output tokens and your prompt contains at least 6145 input tokens",
          type: "BadRequestError",
        },
      },
    ],
    [
      "llama.cpp",
      400,
      {
        error: {
          code: 400,
          message: "request (5000 tokens) exceeds the available context size (4096 tokens), try increasing it",
          type: "exceed_context_size_error",
        },
      },
    ],
    [
      "LM Studio",
      400,
      {
        error:
          "Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens",
      },
    ],
    [
      "LiteLLM",
      400,
      { error: { message: "litellm.ContextWindowExceededError: This model's maximum context length is 16384 tokens", code: "400" } },
    ],
    [
      "OpenRouter",
      400,
      {
        error: { message: "This endpoint's maximum context length is 32768 tokens. However, you requested about 40000 tokens", code: 400 },
      },
    ],
    [
      "Gemini",
      400,
      [
        {
          error: {
            code: 400,
            message: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
            status: "INVALID_ARGUMENT",
          },
        },
      ],
    ],
    [
      "Anthropic",
      400,
      { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 200251 tokens > 200000 maximum" } },
    ],
    [
      "Anthropic (with max_tokens)",
      400,
      {
        type: "error",
        error: { type: "invalid_request_error", message: "input length and `max_tokens` exceed context limit: 199759 + 8192 > 200000" },
      },
    ],
    [
      "Kimi",
      400,
      { error: { message: "Invalid request: Your request exceeded model token limit: 131072", type: "invalid_request_error" } },
    ],
  ])("%s", async (_server, status, body) => {
    const { llm } = await setup([{ status, body }]);
    expect((await failure(llm.complete(act))).kind).toBe("context-length");
  });

  it("is not Groq's per-minute limit (413), which stops with its numbers instead", async () => {
    const body = {
      error: {
        message:
          "Request too large for model `llama-3.3-70b-versatile` in organization `o` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 14137, please reduce your message size and try again.",
        type: "tokens",
        code: "rate_limit_exceeded",
      },
    };
    const { llm } = await setup([{ status: 413, body }], { model: "llama-3.3-70b-versatile" });
    const error = await failure(llm.complete(act));
    expect(error.kind).toBe("incompatible");
    expect(error.message).toBe(
      "Groq refused a request of 14137 tokens because your plan allows 6000 tokens per minute for `llama-3.3-70b-versatile`; lower `budgets.max_tokens`, pick a model with a higher limit, or upgrade the Groq plan.",
    );
  });

  it("summarises and restarts an instruction on Gemini's wording", async () => {
    let overflowed = false;
    const agent = scriptedAgent({ steps: [{ match: "greet", actions: [write({ "a.py": "a = 1\n" })], summary: "Wrote a.py." }] });
    const { llm, server } = await setup(async (r, i) => {
      if (!overflowed && r.body.tool_choice === "auto") {
        overflowed = true;
        return {
          status: 400,
          body: [
            {
              error: {
                code: 400,
                message: "The input token count (40000) exceeds the maximum number of tokens allowed (32000).",
                status: "INVALID_ARGUMENT",
              },
            },
          ],
        };
      }
      return agent(r, i);
    });
    const outcome = await executeInstruction({
      checkSyntax,
      llm,
      store: new DirectoryFileStore(join(dir, "repo")),
      prompts: defaultPrompts("codebase"),
      task: "t",
      instruction: { id: 1, text: "Write a.py to greet.", status: "pending" },
      index: 1,
      total: 1,
      earlierSummaries: [],
      meter: new Meter({ maxTurnsPerInstruction: 10, maxContextRestarts: 3 }, undefined),
      budgets: { maxTurnsPerInstruction: 10, maxContextRestarts: 3 },
      onEvent: () => undefined,
    });
    expect(outcome.status).toBe("complete");
    expect(
      server.requests.some(
        (r) =>
          r.body.tool_choice === "none" &&
          String(r.body.messages.at(-1).content) === defaultPrompts("codebase").control_unit_exhaust_context_window,
      ),
    ).toBe(true);
  });
});

describe("a content filter", () => {
  it("stops with a sentence instead of taking an empty reply as an answer (Azure)", async () => {
    const { llm } = await setup([{ content: null, finishReason: "content_filter" }], { family: "azure" });
    const error = await failure(llm.complete(act));
    expect(error.kind).toBe("bad-request");
    expect(error.message).toMatch(/^Azure OpenAI's content filter withheld the model's reply; rephrase the task/);
  });
});
