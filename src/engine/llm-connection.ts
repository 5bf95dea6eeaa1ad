import { azureConnection } from "./azure.js";
import { windowWarning } from "./context-window.js";
import type { Discovery } from "./window-discovery.js";
import { EndpointMemory } from "./endpoint-memory.js";
import type { LLM } from "./llm.js";
import { OpenAiLlm } from "./openai-llm.js";
import { RoleLlm, type RoleModels } from "./role-llm.js";
import { pricesFor, type Prices } from "./usage.js";

/**
 * Builds the LLM port for a configuration: the OpenAI or Azure client, each role's model with the
 * window its server reports (unless one is configured), and the router between them. Front ends (the
 * server's worker, the CLI, `l2mac doctor`) all connect through here, so they behave alike.
 */

export interface ConnectOptions {
  apiKey: string;
  baseURL?: string;
  /** The executor's model (`L2MAC_MODEL`); the planner and the summariser default to it. */
  model: string;
  plannerModel?: string;
  summaryModel?: string;
  /** `L2MAC_CONTEXT_WINDOW`: overrides what servers report, for every role. */
  contextWindow?: number;
  maxRetries?: number;
  timeoutMs?: number;
  azureApiVersion?: string;
  azureEndpoint?: string;
  /** Configured USD per million tokens: the executor's price, and that of any role model without a list price. */
  prices?: Prices;
  memory?: EndpointMemory;
  /** Skip asking servers for windows (tests of other things, `--context-window`). */
  discover?: boolean;
  fetch?: typeof fetch;
  /** Told once per assumed window. */
  warn?: (message: string) => void;
}

export interface Connection {
  /** The port the engine uses: the executor's model, or a router over the models per role. */
  llm: LLM;
  roles: RoleModels<OpenAiLlm>;
  /** What each distinct model's server said, by model. */
  discoveries: Map<string, Discovery>;
}

export class LlmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LlmConfigError";
  }
}

export async function connectLlm(options: ConnectOptions): Promise<Connection> {
  const azure = azureConnection({ baseURL: options.baseURL, apiVersion: options.azureApiVersion, endpoint: options.azureEndpoint });
  if (typeof azure === "string") throw new LlmConfigError(azure);
  const memory = options.memory ?? new EndpointMemory();
  const names: RoleModels<string> = {
    executor: options.model,
    planner: options.plannerModel ?? options.model,
    summary: options.summaryModel ?? options.model,
  };
  const built = new Map<string, OpenAiLlm>();
  const discoveries = new Map<string, Discovery>();
  const build = (model: string): OpenAiLlm => {
    const executor = model === names.executor;
    // A role model is priced by its list price first: the configured price is the executor's.
    const prices = executor ? pricesFor(model, options.prices) : (pricesFor(model) ?? options.prices);
    return new OpenAiLlm({
      apiKey: options.apiKey,
      baseURL: azure.kind === "not-azure" ? options.baseURL : azure.baseURL,
      ...(azure.kind === "deployments" && { azureApiVersion: azure.apiVersion }),
      ...(azure.kind !== "not-azure" && { family: "azure" as const }),
      model,
      contextWindow: options.contextWindow,
      maxRetries: options.maxRetries,
      timeoutMs: options.timeoutMs,
      memory,
      pricing: { prices },
      fetch: options.fetch,
    });
  };
  for (const model of new Set(Object.values(names))) built.set(model, build(model));
  if (options.discover !== false) {
    await Promise.all(
      [...built].map(async ([model, llm]) => {
        const discovery = await llm.discoverWindow(options.contextWindow);
        discoveries.set(model, discovery);
        const warning = windowWarning(model, llm.contextWindowSource);
        if (warning) options.warn?.(warning);
      }),
    );
  }
  const roles: RoleModels<OpenAiLlm> = {
    executor: built.get(names.executor)!,
    planner: built.get(names.planner)!,
    summary: built.get(names.summary)!,
  };
  return { llm: built.size === 1 ? roles.executor : new RoleLlm(roles), roles, discoveries };
}
