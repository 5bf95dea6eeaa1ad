/**
 * Which kind of OpenAI-compatible server an endpoint is, as far as it can be told: by its host for the
 * hosted APIs, by what its model list and native routes reveal for self-hosted ones (see docs/providers.md).
 * It picks the sentences a user is shown and the few requests only one server wants.
 */
export type ServerFamily =
  | "openai"
  | "azure"
  | "ollama"
  | "vllm"
  | "llamacpp"
  | "lmstudio"
  | "litellm"
  | "openrouter"
  | "groq"
  | "deepseek"
  | "gemini"
  | "anthropic"
  | "mistral"
  | "unknown";

const HOSTS: ReadonlyArray<[pattern: RegExp, family: ServerFamily]> = [
  [/(^|\.)api\.openai\.com$/, "openai"],
  [/\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/, "azure"],
  [/(^|\.)openrouter\.ai$/, "openrouter"],
  [/(^|\.)api\.groq\.com$/, "groq"],
  [/(^|\.)api\.deepseek\.com$/, "deepseek"],
  [/(^|\.)generativelanguage\.googleapis\.com$/, "gemini"],
  [/(^|\.)api\.anthropic\.com$/, "anthropic"],
  [/(^|\.)api\.mistral\.ai$/, "mistral"],
];

/** The family a base URL's host says, or "unknown" (self-hosted servers are told apart by probing). */
export function familyOfHost(baseURL: string | undefined): ServerFamily {
  if (baseURL === undefined) return "openai";
  let host: string;
  try {
    host = new URL(baseURL).hostname.toLowerCase();
  } catch {
    return "unknown";
  }
  return HOSTS.find(([pattern]) => pattern.test(host))?.[1] ?? "unknown";
}

/** Hosted APIs: their native routes are known, so no self-hosted server's routes are probed there. */
export const isHosted = (family: ServerFamily): boolean =>
  !["ollama", "vllm", "llamacpp", "lmstudio", "litellm", "unknown"].includes(family);

/** How the family is named in sentences people read. */
export const FAMILY_NAMES: Record<ServerFamily, string> = {
  openai: "OpenAI",
  azure: "Azure OpenAI",
  ollama: "Ollama",
  vllm: "vLLM",
  llamacpp: "llama-server",
  lmstudio: "LM Studio",
  litellm: "The LiteLLM proxy",
  openrouter: "OpenRouter",
  groq: "Groq",
  deepseek: "DeepSeek",
  gemini: "Gemini",
  anthropic: "Anthropic",
  mistral: "Mistral",
  unknown: "The LLM endpoint",
};
