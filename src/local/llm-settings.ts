import { z } from "zod";
import { OpenAiLlm } from "../engine/openai-llm.js";
import { UsageError } from "./local-run.js";

/** The LLM connection for local use: explicit options first, then the environment. */
export interface LlmSettings {
  apiKey?: string;
  baseURL?: string;
  model?: string;
  contextWindow?: number;
  maxRetries?: number;
}

export const DEFAULT_MODEL = "gpt-4o";

const Env = z.object({
  OPENAI_API_KEY: z.string().trim().min(1).optional(),
  OPENAI_BASE_URL: z.string().trim().url().optional(),
  L2MAC_MODEL: z.string().trim().min(1).optional(),
  L2MAC_CONTEXT_WINDOW: z.coerce.number().int().min(1024).optional(),
  L2MAC_MAX_RETRIES: z.coerce.number().int().min(0).max(20).optional(),
});

/** Empty variables count as unset, as shells and .env files commonly leave them. */
const present = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== ""));

export function createLlm(settings: LlmSettings, env: NodeJS.ProcessEnv = process.env): OpenAiLlm {
  const parsed = Env.safeParse(present(env));
  if (!parsed.success) {
    throw new UsageError(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const e = parsed.data;
  const apiKey = settings.apiKey ?? e.OPENAI_API_KEY;
  if (!apiKey) {
    throw new UsageError(
      "OPENAI_API_KEY is not set. Export your key (export OPENAI_API_KEY=...), or, for a local OpenAI-compatible server " +
        "that does not check keys, any non-empty value together with --base-url.",
    );
  }
  return new OpenAiLlm({
    apiKey,
    baseURL: settings.baseURL ?? e.OPENAI_BASE_URL,
    model: settings.model ?? e.L2MAC_MODEL ?? DEFAULT_MODEL,
    contextWindow: settings.contextWindow ?? e.L2MAC_CONTEXT_WINDOW,
    maxRetries: settings.maxRetries ?? e.L2MAC_MAX_RETRIES,
  });
}
