import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { readServerEnv } from "../../src/config.js";
import { azureConnection } from "../../src/engine/azure.js";
import { LlmError } from "../../src/engine/llm.js";
import { connectLlm } from "../../src/engine/llm-connection.js";
import { system, user } from "../../src/engine/messages.js";
import { startPersonality } from "../support/llm-personalities.js";
import type { ScriptedLlm } from "../support/scripted-llm-server.js";

let server: ScriptedLlm | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const request = { messages: [system("s"), user("u")], purpose: "act" as const };

describe("Azure OpenAI", () => {
  it.each([
    [
      { apiVersion: "2024-10-21", endpoint: "https://res.openai.azure.com/" },
      { kind: "deployments", baseURL: "https://res.openai.azure.com/openai", apiVersion: "2024-10-21" },
    ],
    [
      { apiVersion: "2024-10-21", baseURL: "https://res.openai.azure.com/openai" },
      { kind: "deployments", baseURL: "https://res.openai.azure.com/openai", apiVersion: "2024-10-21" },
    ],
    [
      { apiVersion: "2024-10-21", baseURL: "https://res.openai.azure.com/openai/deployments/gpt4o" },
      { kind: "deployments", baseURL: "https://res.openai.azure.com/openai/deployments/gpt4o", apiVersion: "2024-10-21" },
    ],
    [{ endpoint: "https://res.openai.azure.com" }, { kind: "v1", baseURL: "https://res.openai.azure.com/openai/v1" }],
    [{ baseURL: "https://res.openai.azure.com/openai/v1/" }, { kind: "v1", baseURL: "https://res.openai.azure.com/openai/v1/" }],
    [{ baseURL: "http://127.0.0.1:11434/v1" }, { kind: "not-azure" }],
  ])("is reached as configured: %j", (input, expected) => {
    expect(azureConnection(input)).toEqual(expected);
  });

  it("says what is missing when an Azure endpoint has no api-version, at start-up and in the CLI", async () => {
    const env = { OPENAI_BASE_URL: "https://res.openai.azure.com/", APP_ID: "1" };
    expect(() => readServerEnv(env)).toThrow(
      /OPENAI_BASE_URL points at Azure OpenAI but OPENAI_API_VERSION is not set; set it \(e\.g\. 2024-10-21\)/,
    );
    const err = new PassThrough();
    let text = "";
    err.on("data", (c) => (text += c));
    expect(await main(["task"], { stdout: new PassThrough(), stderr: err, env: { ...env, OPENAI_API_KEY: "k" } })).toBe(1);
    expect(text).toMatch(/OPENAI_API_VERSION is not set/);
  });

  it("sends the deployment URL, the api-version and the api-key header, never the key as a bearer token", async () => {
    const started = await startPersonality("azure", () => ({ content: "ok" }));
    server = started.server;
    const { llm } = await connectLlm({ apiKey: "azure-key", baseURL: started.baseURL, model: "gpt-4o", azureApiVersion: "2024-10-21" });
    expect((await llm.complete(request)).message.content).toBe("ok");
    expect(server.requests[0]!.path).toBe("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");
    expect(server.requests[0]!.headers["api-key"]).toBe("azure-key");
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    // The deployment list says nothing of windows: none is asked for; the table knows gpt-4o.
    expect(server.probes).toEqual([]);
    expect(llm.contextWindow).toBe(128_000);
  });

  it("explains a 404 for an unknown deployment in one sentence", async () => {
    const started = await startPersonality("azure", () => ({ content: "ok" }));
    server = started.server;
    const { llm } = await connectLlm({
      apiKey: "k",
      baseURL: started.baseURL,
      model: "no-such-deployment",
      azureApiVersion: "2024-10-21",
      maxRetries: 0,
    });
    const error = (await llm.complete(request).catch((e: unknown) => e)) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error.kind).toBe("incompatible");
    expect(error.message).toBe(
      "Azure OpenAI answered 404 Resource not found; check `AZURE_OPENAI_ENDPOINT`, the deployment name (used as `L2MAC_MODEL`) and `OPENAI_API_VERSION`.",
    );
  });
});
