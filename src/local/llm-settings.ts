import { llmEnvProblem, LlmEnvSchema, parseEnv, type LlmEnv } from "../config.js";
import type { LLM } from "../engine/llm.js";
import { connectLlm, LlmConfigError, type Connection } from "../engine/llm-connection.js";
import type { Prices } from "../engine/usage.js";
import { connectOptionsFromEnv } from "../llm-env.js";
import { UsageError } from "./local-run.js";
import { errorMessage } from "../engine/error-message.js";

/** The LLM connection for local use: explicit options first, then the environment. */
export interface LlmSettings {
  apiKey?: string;
  baseURL?: string;
  model?: string;
  plannerModel?: string;
  summaryModel?: string;
  contextWindow?: number;
  maxRetries?: number;
  prices?: Prices;
}

/** A bad variable is the user's to fix: a usage error (exit 1 with the message), not a crash. */
export function llmEnv(env: NodeJS.ProcessEnv): LlmEnv {
  let parsed: LlmEnv;
  try {
    parsed = parseEnv(LlmEnvSchema, env);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const problem = llmEnvProblem(parsed);
  if (problem) throw new UsageError(problem);
  return parsed;
}

export const MISSING_KEY =
  "OPENAI_API_KEY is not set. Export your key (export OPENAI_API_KEY=...), or, for a local OpenAI-compatible server " +
  "that does not check keys, any non-empty value together with --base-url.";

/**
 * Connects to the configured LLM: asks the server for the model's window unless one is set, and warns
 * (through `warn`) when it has to assume one.
 */
export async function connectLocalLlm(
  settings: LlmSettings,
  env: NodeJS.ProcessEnv = process.env,
  warn?: (message: string) => void,
): Promise<Connection> {
  const options = connectOptionsFromEnv(llmEnv(env), settings);
  if (!options.apiKey) throw new UsageError(MISSING_KEY);
  try {
    return await connectLlm({ ...options, apiKey: options.apiKey, prices: settings.prices, warn });
  } catch (error) {
    if (error instanceof LlmConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export async function createLlm(
  settings: LlmSettings,
  env: NodeJS.ProcessEnv = process.env,
  warn?: (message: string) => void,
): Promise<LLM> {
  return (await connectLocalLlm(settings, env, warn)).llm;
}
