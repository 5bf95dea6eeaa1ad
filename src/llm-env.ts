import type { LlmEnv } from "./config.js";
import type { ConnectOptions } from "./engine/llm-connection.js";
import { familyOfHost } from "./engine/server-family.js";

/** What a front end may set over the environment: CLI flags, a repository's `model` / `models`. */
export interface LlmOverrides {
  apiKey?: string;
  baseURL?: string;
  model?: string;
  plannerModel?: string;
  summaryModel?: string;
  contextWindow?: number;
  maxRetries?: number;
}

/** The connection the LLM variables describe (server and CLI alike), overrides first. */
export function connectOptionsFromEnv(env: LlmEnv, overrides: LlmOverrides = {}): Omit<ConnectOptions, "apiKey"> & { apiKey?: string } {
  const baseURL = overrides.baseURL ?? env.OPENAI_BASE_URL;
  const azure = env.OPENAI_API_VERSION !== undefined || env.AZURE_OPENAI_ENDPOINT !== undefined || familyOfHost(baseURL) === "azure";
  const executor = overrides.model ?? env.L2MAC_MODEL;
  return {
    apiKey: overrides.apiKey ?? (azure ? (env.AZURE_OPENAI_API_KEY ?? env.OPENAI_API_KEY) : env.OPENAI_API_KEY),
    baseURL,
    model: executor,
    plannerModel: overrides.plannerModel ?? env.L2MAC_PLANNER_MODEL,
    summaryModel: overrides.summaryModel ?? env.L2MAC_SUMMARY_MODEL,
    contextWindow: overrides.contextWindow ?? env.L2MAC_CONTEXT_WINDOW,
    maxRetries: overrides.maxRetries ?? env.L2MAC_MAX_RETRIES,
    azureApiVersion: env.OPENAI_API_VERSION,
    azureEndpoint: env.AZURE_OPENAI_ENDPOINT,
  };
}
