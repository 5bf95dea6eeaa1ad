import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseEnv, LlmEnvSchema, readServerEnv } from "../src/config.js";
import { configJsonSchema, SCHEMA_PATH } from "../scripts/config-schema.js";

describe("the published JSON Schema of .github/l2mac.yml", () => {
  it("is what `npm run schema` generates from the zod schema today", () => {
    // A config change without `npm run schema` would leave editors validating against the old keys.
    expect(JSON.parse(readFileSync(SCHEMA_PATH, "utf8"))).toEqual(JSON.parse(configJsonSchema()));
  });

  it("describes every key and refuses unknown ones, as the app does", () => {
    const schema = JSON.parse(configJsonSchema()) as {
      additionalProperties: boolean;
      properties: Record<string, { description?: string }>;
    };
    expect(schema.additionalProperties).toBe(false);
    for (const [key, property] of Object.entries(schema.properties)) expect(property.description, key).toBeTruthy();
  });
});

describe("environment variables", () => {
  it("count as unset when blank, for the server and the CLI alike", () => {
    const blank = { L2MAC_MODEL: " ", OPENAI_BASE_URL: "", L2MAC_CONTEXT_WINDOW: "", L2MAC_WORKER_CONCURRENCY: "" };
    const server = readServerEnv(blank);
    const cli = parseEnv(LlmEnvSchema, blank);
    expect(server.L2MAC_MODEL).toBe("gpt-4o");
    expect(cli.L2MAC_MODEL).toBe("gpt-4o");
    expect(server.OPENAI_BASE_URL).toBeUndefined();
    expect(server.L2MAC_CONTEXT_WINDOW).toBeUndefined();
    expect(server.L2MAC_WORKER_CONCURRENCY).toBe(2);
  });

  it("name the variable that is wrong", () => {
    expect(() => readServerEnv({ L2MAC_CONTEXT_WINDOW: "ten" })).toThrow(/L2MAC_CONTEXT_WINDOW/);
  });
});
