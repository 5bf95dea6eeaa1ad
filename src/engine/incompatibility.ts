import type { LlmErrorKind } from "./llm.js";
import { VLLM_NO_TOOLS, type Refusal } from "./llm-quirks.js";
import { FAMILY_NAMES, type ServerFamily } from "./server-family.js";

/**
 * The one sentence for each refusal a run cannot get past by itself, saying what to change. Wordings are
 * docs/providers.md's; each names the endpoint and model so the operator knows which setting is meant.
 */

export interface Where {
  /** The base URL, without credentials or query. */
  endpoint: string;
  model: string;
  family: ServerFamily;
}

export interface Explained {
  kind: LlmErrorKind;
  message: string;
}

export const TOOL_MODELS_HINT = "e.g. `gpt-4o-mini`, `qwen3` or `llama3.1`";

export const sentences = {
  ollamaNoTools: (w: Where) =>
    `Model \`${w.model}\` on Ollama does not support tool calls; pull one whose \`ollama show\` lists "tools", e.g. \`qwen3\` or \`llama3.1\`, and set \`L2MAC_MODEL\` to it.`,
  ollamaNotPulled: (w: Where) =>
    `Model \`${w.model}\` is not on the Ollama server at ${w.endpoint}; run \`ollama pull ${w.model}\` there, or set \`L2MAC_MODEL\` to a model it has.`,
  vllmNoTools: (w: Where) =>
    `The vLLM server at ${w.endpoint} was started without tool calling; restart it with \`--enable-auto-tool-choice --tool-call-parser <parser>\` (e.g. \`hermes\` for Qwen models) — see docs.vllm.ai/features/tool_calling.`,
  openRouterNoTools: (w: Where) =>
    `Model \`${w.model}\` on OpenRouter has no provider that supports tool calls; pick a model whose page lists "tools" under supported parameters, e.g. \`openai/gpt-4.1-mini\` or \`qwen/qwen3-coder\`.`,
  openRouterCredits: () =>
    "OpenRouter refused the request because the account has no credits left; add credits at openrouter.ai/settings/credits, then resume the run.",
  azureNotFound: () =>
    "Azure OpenAI answered 404 Resource not found; check `AZURE_OPENAI_ENDPOINT`, the deployment name (used as `L2MAC_MODEL`) and `OPENAI_API_VERSION`.",
  groqTpm: (w: Where, requested: string, limit: string) =>
    `Groq refused a request of ${requested} tokens because your plan allows ${limit} tokens per minute for \`${w.model}\`; lower \`budgets.max_tokens\`, pick a model with a higher limit, or upgrade the Groq plan.`,
  deepSeekForced: (w: Where) =>
    `DeepSeek's thinking mode does not accept a forced tool call for \`${w.model}\`; set the planner model to one without thinking mode.`,
  liteLlmParam: (w: Where, param: string) =>
    `The LiteLLM proxy at ${w.endpoint} rejects \`${param}\` for model \`${w.model}\`; set \`litellm_settings: drop_params: true\` in the proxy config.`,
  modelNotServed: (w: Where, server: string) =>
    `${FAMILY_NAMES[w.family]} at ${w.endpoint} does not serve model \`${w.model}\` (${server}); set \`L2MAC_MODEL\` to a model it lists (\`l2mac doctor\` shows them).`,
  noToolCalls: (w: Where) =>
    `Model \`${w.model}\` at ${w.endpoint} does not support tool calls, which L2MAC needs to write files; pick one that does, ${TOOL_MODELS_HINT}.`,
  windowTooSmall: (w: Where, tokens: number) => {
    const n = tokens.toLocaleString("en-US");
    switch (w.family) {
      case "lmstudio":
        return `LM Studio has loaded \`${w.model}\` with only ${n} tokens of context; reload it with a larger context length (Developer tab → model settings) or pick a smaller task.`;
      case "llamacpp":
        return `llama-server at ${w.endpoint} gives each request only ${n} tokens (\`-c\` divided among \`--parallel\` slots); restart it with a larger \`-c\` or \`--parallel 1\`.`;
      case "ollama":
        return `Ollama runs \`${w.model}\` with only ${n} tokens of context; set \`OLLAMA_CONTEXT_LENGTH\` (e.g. 16384) on the Ollama server and restart it.`;
      default:
        return `The context window of \`${w.model}\` (${n} tokens) is too small for L2MAC; use a model with a larger window, or set \`L2MAC_CONTEXT_WINDOW\` if the server allows more.`;
    }
  },
};

/** A refusal that needs the operator, as its sentence; undefined when the generic mapping fits. */
export function explainRefusal(refusal: Refusal, where: Where): Explained | undefined {
  const { status, message } = refusal;
  const incompatible = (text: string): Explained => ({ kind: "incompatible", message: text });
  if (/does not support tools/i.test(message)) return incompatible(w(where, "ollama", sentences.ollamaNoTools, sentences.noToolCalls));
  if (VLLM_NO_TOOLS.test(message)) return incompatible(sentences.vllmNoTools(where));
  if (/no endpoints found that support tool use/i.test(message)) return incompatible(sentences.openRouterNoTools(where));
  if (/thinking mode does not support this tool_choice/i.test(message)) return incompatible(sentences.deepSeekForced(where));
  if (/UnsupportedParamsError/.test(message)) {
    const param = /parameters: \{'([^']+)'/.exec(message)?.[1] ?? "a parameter";
    return incompatible(sentences.liteLlmParam(where, param));
  }
  if (status === 402) {
    return incompatible(
      where.family === "openrouter" || /credits/i.test(message)
        ? sentences.openRouterCredits()
        : `${FAMILY_NAMES[where.family]} at ${where.endpoint} refused the request for lack of credit (402: ${message}); top up the account, then resume the run.`,
    );
  }
  if (status === 413 && /tokens per minute|\bTPM\b/i.test(message)) {
    const requested = /Requested (\d+)/i.exec(message)?.[1] ?? "too many";
    const limit = /Limit (\d+)/i.exec(message)?.[1] ?? "fewer";
    return incompatible(sentences.groqTpm(where, requested, limit));
  }
  if (status === 404) {
    if (/try pulling it first/i.test(message)) return incompatible(sentences.ollamaNotPulled(where));
    if (where.family === "azure" || /resource not found/i.test(message)) return incompatible(sentences.azureNotFound());
    if (/model/i.test(message) && /not found|does not exist|no such model|unknown model|not a valid model/i.test(message)) {
      return incompatible(sentences.modelNotServed(where, message));
    }
  }
  return undefined;
}

/** The family's own sentence when the endpoint is known to be that family, else the generic one. */
function w(where: Where, family: ServerFamily, own: (w: Where) => string, generic: (w: Where) => string): string {
  return where.family === family || where.family === "unknown" ? own(where) : generic(where);
}

/** How a refused request is put to people, naming the server when it is known ("Gemini rejected the request: …"). */
export function rejectedRequest(where: Where, status: number, message: string): string {
  switch (where.family) {
    case "gemini":
      return `Gemini rejected the request: ${message}`;
    case "mistral":
      return `Mistral rejected the conversation: ${message}`;
    default:
      return `the LLM endpoint rejected the request (${status}): ${message}`;
  }
}
