import { LlmEnvSchema, parseEnv, type LlmEnv } from "../config.js";
import { OpenAiLlm } from "../engine/openai-llm.js";
import { UsageError } from "./local-run.js";
import { errorMessage } from "../engine/error-message.js";

/** The LLM connection for local use: explicit options first, then the environment. */
export interface LlmSettings {
  apiKey?: string;
  baseURL?: string;
  model?: string;
  contextWindow?: number;
  maxRetries?: number;
}

/** A bad variable is the user's to fix: a usage error (exit 1 with the message), not a crash. */
function llmEnv(env: NodeJS.ProcessEnv): LlmEnv {
  try {
    return parseEnv(LlmEnvSchema, env);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

export function createLlm(settings: LlmSettings, env: NodeJS.ProcessEnv = process.env): OpenAiLlm {
  const e = llmEnv(env);
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
    model: settings.model ?? e.L2MAC_MODEL,
    contextWindow: settings.contextWindow ?? e.L2MAC_CONTEXT_WINDOW,
    maxRetries: settings.maxRetries ?? e.L2MAC_MAX_RETRIES,
  });
}
