import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ChatRequest, ToolSpec } from "../../src/engine/llm.js";
import { LlmError } from "../../src/engine/llm.js";
import { system, toolResult, user } from "../../src/engine/messages.js";
import { OpenAiLlm, contextWindowFor } from "../../src/engine/openai-llm.js";
import type { OpenAiLlmOptions } from "../../src/engine/openai-llm.js";
import { pricesFor, usageOf } from "../../src/engine/usage.js";
import type { ScriptReply, ScriptedLlm } from "../support/scripted-llm-server.js";
import { startScriptedLlm } from "../support/scripted-llm-server.js";

const KEY = "sk-test-SECRET-0123456789abcdef";
const writeFile: ToolSpec = {
  name: "write_file",
  description: "Write a file",
  parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } }, required: ["path", "content"] },
};
const baseRequest: ChatRequest = { messages: [system("You write files."), user("Write hello.txt")], tools: [writeFile], purpose: "act" };

let server: ScriptedLlm | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(script: ScriptReply[], options: Partial<OpenAiLlmOptions> = {}): Promise<{ llm: OpenAiLlm; server: ScriptedLlm }> {
  server = await startScriptedLlm(script);
  const llm = new OpenAiLlm({ apiKey: KEY, baseURL: server.baseURL, model: "gpt-4o-mini", maxRetries: 2, ...options });
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

describe("OpenAiLlm over the scripted server", () => {
  it("maps a tool-call reply to an assistant message with string arguments", async () => {
    const { llm, server } = await setup([{ toolCalls: [{ name: "write_file", arguments: { path: "hello.txt", content: "hi" } }] }]);
    const response = await llm.complete(baseRequest);
    expect(response.message).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: expect.stringMatching(/^[A-Za-z0-9]{9}$/),
          type: "function",
          function: { name: "write_file", arguments: '{"path":"hello.txt","content":"hi"}' },
        },
      ],
    });
    expect(response.finishReason).toBe("tool_calls");
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(server.requests[0]?.body.tools).toEqual([{ type: "function", function: writeFile }]);
    expect(server.violations).toEqual([]);
  });

  it("passes malformed arguments through verbatim and omits empty tool_calls", async () => {
    const { llm } = await setup([{ toolCalls: [{ name: "write_file", arguments: '{"path": "a' }] }, { content: "done" }]);
    const first = await llm.complete(baseRequest);
    expect(first.message.tool_calls?.[0]?.function.arguments).toBe('{"path": "a');
    const second = await llm.complete(baseRequest);
    expect(second.message).toEqual({ role: "assistant", content: "done" });
    expect(second.finishReason).toBe("stop");
  });

  it("sends a tool round trip that the checker accepts", async () => {
    const { llm, server } = await setup([
      { toolCalls: [{ name: "write_file", arguments: { path: "a", content: "b" } }] },
      { content: "ok" },
    ]);
    const first = await llm.complete(baseRequest);
    const call = first.message.tool_calls?.[0];
    expect(call).toBeDefined();
    await llm.complete({ ...baseRequest, messages: [...baseRequest.messages, first.message, toolResult(call!.id, "written")] });
    // "" rather than null beside tool calls: LM Studio rejects null, OpenAI takes both.
    expect(server.requests[1]?.body.messages.at(-2)).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(server.violations).toEqual([]);
  });

  it("maps usage, and usageOf prices it for a known model", async () => {
    const { llm } = await setup([{ content: "hi", usage: { prompt_tokens: 1000, completion_tokens: 500 } }]);
    const response = await llm.complete(baseRequest);
    expect(response.usage).toEqual({ promptTokens: 1000, completionTokens: 500 });
    const usage = usageOf(response.usage, pricesFor(llm.model));
    expect(usage.costUsd).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1_000_000, 12);
    expect(usage.calls).toBe(1);
  });

  it("estimates usage when the server sends none", async () => {
    const body = {
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "hello there" }, finish_reason: "stop" }],
    };
    const { llm } = await setup([{ status: 200, body }]);
    const response = await llm.complete(baseRequest);
    expect(response.usage.promptTokens).toBeGreaterThan(5);
    expect(response.usage.completionTokens).toBeGreaterThan(0);
  });

  it("reports a completion without choices as unavailable", async () => {
    const { llm } = await setup([{ status: 200, body: { id: "x", object: "chat.completion", created: 0, model: "m", choices: [] } }]);
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toMatch(/without choices/);
  });

  it("retries a 429 honouring retry-after-ms", async () => {
    const { llm, server } = await setup([{ status: 429, headers: { "retry-after-ms": "10" } }, { content: "ok" }]);
    const response = await llm.complete(baseRequest);
    expect(response.message.content).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("retries a 500", async () => {
    const { llm, server } = await setup([{ status: 500, headers: { "retry-after-ms": "10" } }, { content: "ok" }]);
    expect((await llm.complete(baseRequest)).message.content).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("reports 429s after the retries as unavailable", async () => {
    const busy: ScriptReply = { status: 429, headers: { "retry-after-ms": "5" } };
    const { llm, server } = await setup([busy, busy], { maxRetries: 1 });
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.status).toBe(429);
    expect(error.message).toMatch(/429.*retries were exhausted/);
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry a plain 400 and reports it as bad-request with the server's message", async () => {
    const { llm, server } = await setup([
      { status: 400, body: { error: { message: "Invalid schema for function 'write_file'", type: "invalid_request_error", code: null } } },
    ]);
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("bad-request");
    expect(error.message).toMatch(/Invalid schema for function/);
    expect(server.requests).toHaveLength(1);
  });

  it("maps context_length_exceeded to context-length without retrying", async () => {
    const message = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.";
    const { llm, server } = await setup([
      { status: 400, body: { error: { message, type: "invalid_request_error", code: "context_length_exceeded" } } },
    ]);
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("context-length");
    expect(server.requests).toHaveLength(1);
  });

  it("recognises a context-length 400 by its message alone", async () => {
    const { llm } = await setup([
      { status: 400, body: { error: { message: "the request exceeds the available context size", type: "exceed_context_size_error" } } },
    ]);
    expect((await failure(llm.complete(baseRequest))).kind).toBe("context-length");
  });

  it("maps 401 to auth without leaking the key", async () => {
    const body = {
      error: {
        message: `Incorrect API key provided: ${KEY}. You can find your API key at ...`,
        type: "invalid_request_error",
        code: "invalid_api_key",
      },
    };
    const { llm, server } = await setup([{ status: 401, body }]);
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("auth");
    expect(error.message).toMatch(/OPENAI_API_KEY/);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain("SECRET");
    expect(String(error.stack)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1);
  });

  it("reports an unreachable endpoint as unavailable, naming the URL", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const llm = new OpenAiLlm({ apiKey: KEY, baseURL: `http://127.0.0.1:${port}/v1`, model: "gpt-4o", maxRetries: 0 });
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain(`could not reach the LLM endpoint at http://127.0.0.1:${port}/v1: `);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("keeps URL credentials out of connection errors", async () => {
    const llm = new OpenAiLlm({ apiKey: KEY, baseURL: "http://user:pw@127.0.0.1:9/v1", model: "gpt-4o", maxRetries: 0 });
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toContain("http://127.0.0.1:9/v1");
    expect(error.message).not.toContain("pw");
  });

  it("reports an abort as aborted", async () => {
    const { llm } = await setup([{ hang: true }]);
    const controller = new AbortController();
    const pending = llm.complete(baseRequest, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).kind).toBe("aborted");
  });

  it("reports a timeout as unavailable", async () => {
    const { llm } = await setup([{ hang: true }], { timeoutMs: 100, maxRetries: 0 });
    const error = await failure(llm.complete(baseRequest));
    expect(error.kind).toBe("unavailable");
    expect(error.message).toMatch(/timed out/);
  });
});

describe("OpenAiLlm request mapping", () => {
  it('sends a forced choice of the only tool as "required", and of one of several tools by name', async () => {
    const { llm, server } = await setup([
      { toolCalls: [{ name: "write_file", arguments: {} }] },
      { toolCalls: [{ name: "write_file", arguments: {} }] },
    ]);
    await llm.complete({ ...baseRequest, toolChoice: { name: "write_file" } });
    // The same request for one tool, and accepted by more servers (LM Studio rejects named choices, llama.cpp ignores them).
    expect(server.requests[0]?.body.tool_choice).toBe("required");
    const other = { ...writeFile, name: "read_file" };
    await llm.complete({ ...baseRequest, tools: [writeFile, other], toolChoice: { name: "write_file" } });
    expect(server.requests[1]?.body.tool_choice).toEqual({ type: "function", function: { name: "write_file" } });
    expect(server.violations).toEqual([]);
  });

  it("sends toolChoice none as none and still declares the tools", async () => {
    const { llm, server } = await setup([{ content: "summary" }]);
    await llm.complete({ ...baseRequest, toolChoice: "none" });
    expect(server.requests[0]?.body.tool_choice).toBe("none");
    expect(server.requests[0]?.body.tools).toHaveLength(1);
  });

  it("sends no tool_choice or parallel_tool_calls without tools", async () => {
    const { llm, server } = await setup([{ content: "plan" }], { parallelToolCalls: false });
    await llm.complete({ messages: [user("plan")], toolChoice: "auto", purpose: "plan", temperature: 0.2, maxTokens: 500 });
    const body = server.requests[0]?.body;
    expect(body).not.toHaveProperty("tools");
    expect(body).not.toHaveProperty("tool_choice");
    expect(body).not.toHaveProperty("parallel_tool_calls");
    expect(body).toMatchObject({ model: "gpt-4o-mini", temperature: 0.2, max_tokens: 500 });
    expect(server.violations).toEqual([]);
  });

  it("sends parallel_tool_calls with tools only when configured", async () => {
    const { llm, server } = await setup([{ content: "a" }, { content: "b" }], { parallelToolCalls: false });
    await llm.complete(baseRequest);
    expect(server.requests[0]?.body.parallel_tool_calls).toBe(false);
    const plain = new OpenAiLlm({ apiKey: KEY, baseURL: server.baseURL, model: "gpt-4o-mini" });
    await plain.complete(baseRequest);
    expect(server.requests[1]?.body).not.toHaveProperty("parallel_tool_calls");
  });

  it("uses max_completion_tokens and no temperature for reasoning models", async () => {
    const { llm, server } = await setup([{ content: "ok" }], { model: "o3-mini" });
    await llm.complete({ ...baseRequest, temperature: 0, maxTokens: 1000 });
    const body = server.requests[0]?.body;
    expect(body.max_completion_tokens).toBe(1000);
    expect(body).not.toHaveProperty("max_tokens");
    expect(body).not.toHaveProperty("temperature");
  });
});

describe("context windows", () => {
  it.each([
    ["gpt-4o-mini", 128_000],
    ["gpt-4.1-nano", 1_047_576],
    ["o3", 200_000],
    ["o4-mini", 200_000],
    ["gpt-4-turbo-2024-04-09", 128_000],
    ["gpt-4", 8192],
    ["gpt-3.5-turbo", 16_385],
    ["openai/gpt-4o", 128_000],
    // Self-hosted: the window is the server's to say (it may load less than the model was trained for).
    ["llama3.1:8b", 4096],
  ])("%s → %i", (model, tokens) => {
    expect(contextWindowFor(model)).toBe(tokens);
  });

  it("defaults the completion reserve to min(4096, window/4)", () => {
    expect(new OpenAiLlm({ apiKey: KEY, model: "gpt-4" }).completionReserve).toBe(2048);
    expect(new OpenAiLlm({ apiKey: KEY, model: "gpt-4o" }).completionReserve).toBe(4096);
    expect(new OpenAiLlm({ apiKey: KEY, model: "x", contextWindow: 1000, completionReserve: 100 })).toMatchObject({
      contextWindow: 1000,
      completionReserve: 100,
    });
  });
});
