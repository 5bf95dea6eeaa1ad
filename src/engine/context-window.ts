import { familyOfHost, isHosted, type ServerFamily } from "./server-family.js";

/**
 * The model's context window, asked of the server when it can say: vLLM's `max_model_len`, OpenRouter's
 * `context_length` (the smaller of the model's and its top provider's), llama.cpp's `meta.n_ctx` or
 * `/props`, LM Studio's `loaded_context_length`, Ollama's `/api/ps`, LiteLLM's `max_input_tokens`, Groq's
 * `context_window`; else a table of hosted models; else a conservative default, with a warning. Servers
 * that cut over-long prompts silently (Ollama, LM Studio) make the loaded window, not the trained one,
 * the limit that matters.
 */

/** Assumed when nothing says better: the smallest window local servers load by default (llama.cpp, LM Studio, Ollama). */
export const DEFAULT_CONTEXT_WINDOW = 4096;

// Exact names first: dated snapshots that differ from their family's prefix.
const EXACT: ReadonlyMap<string, number> = new Map([
  ["gpt-4-1106-preview", 128_000],
  ["gpt-4-0125-preview", 128_000],
  ["gpt-4-vision-preview", 128_000],
  ["gpt-4-turbo-preview", 128_000],
  ["gpt-3.5-turbo-0613", 4_096],
  ["gpt-3.5-turbo-0301", 4_096],
  ["deepseek-chat", 131_072],
  ["deepseek-reasoner", 131_072],
]);

// Then by prefix, the longest matching one winning.
const PREFIXES: ReadonlyArray<[prefix: string, tokens: number]> = [
  ["gpt-5", 400_000],
  ["gpt-4.1", 1_047_576],
  ["gpt-4.5", 128_000],
  ["gpt-4o", 128_000],
  ["chatgpt-4o", 128_000],
  ["gpt-4-turbo", 128_000],
  ["gpt-4-32k", 32_768],
  ["gpt-4", 8_192],
  ["gpt-3.5-turbo", 16_385],
  ["o1", 200_000],
  ["o1-mini", 128_000],
  ["o1-preview", 128_000],
  ["o3", 200_000],
  ["o4", 200_000],
  ["claude-", 200_000],
  ["gemini-1.5", 1_048_576],
  ["gemini-2", 1_048_576],
  ["gemini-3", 1_048_576],
];

const bareName = (model: string): string => model.toLowerCase().replace(/^.*\//, "");

/** The window of a hosted model by name (exact match, then the longest prefix), or undefined. */
export function knownContextWindow(model: string): number | undefined {
  const name = bareName(model);
  const exact = EXACT.get(name);
  if (exact !== undefined) return exact;
  return PREFIXES.filter(([prefix]) => name.startsWith(prefix)).sort((x, y) => y[0].length - x[0].length)[0]?.[1];
}

/** Where a window came from, as people read it: "the server (/v1/models max_model_len)". */
export type WindowOrigin = "configured" | "server" | "table" | "default";

export interface ContextWindow {
  tokens: number;
  origin: WindowOrigin;
  /** e.g. "vLLM's /v1/models max_model_len", "L2MAC_CONTEXT_WINDOW", "the table of known models". */
  source: string;
}

export interface Discovery {
  window?: ContextWindow;
  family: ServerFamily;
  /** Status of the model list: 200, 401…, or undefined when unreachable. */
  listStatus?: number;
  /** Why the endpoint could not be reached, when it could not. */
  unreachable?: string;
  /** Model ids the endpoint lists, when it lists any. */
  models?: string[];
  /** What the server says of the model's tool support (OpenRouter `supported_parameters`, Ollama / LM Studio capabilities). */
  tools?: boolean;
}

export interface DiscoverOptions {
  baseURL: string;
  model: string;
  /** Auth headers the chat requests use. */
  headers: Record<string, string>;
  fetch?: typeof fetch;
  family?: ServerFamily;
  timeoutMs?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const positive = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined);
const smallest = (...values: Array<number | undefined>): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.min(...known) : undefined;
};
// OpenRouter's whole model list is a few MB; anything bigger is not a model list.
const MAX_BODY = 16 * 1024 * 1024;

interface Got {
  status?: number;
  body?: unknown;
  error?: string;
}

/** Asks the server what it serves. Never throws: what cannot be learned is left out. */
export async function discoverContextWindow(options: DiscoverOptions): Promise<Discovery> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const base = options.baseURL.replace(/\/+$/, "");
  const origin = new URL(base).origin;
  const get = async (url: string, init: { method?: string; body?: string } = {}): Promise<Got> => {
    try {
      const response = await doFetch(url, {
        method: init.method ?? "GET",
        headers: { accept: "application/json", ...options.headers, ...(init.body !== undefined && { "content-type": "application/json" }) },
        ...(init.body !== undefined && { body: init.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const length = Number(response.headers.get("content-length") ?? 0);
      if (length > MAX_BODY) return { status: response.status };
      const text = await response.text();
      if (text.length > MAX_BODY) return { status: response.status };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, body };
    } catch (e) {
      return { error: causeText(e) };
    }
  };

  let family = options.family ?? familyOfHost(options.baseURL);
  const out: Discovery = { family };
  const listed = await get(`${base}/models`);
  if (listed.error !== undefined) return { ...out, unreachable: listed.error };
  out.listStatus = listed.status;
  if (listed.status === 401 || listed.status === 403) return out;

  const entries = isObject(listed.body) && Array.isArray(listed.body.data) ? listed.body.data.filter(isObject) : [];
  if (listed.status === 200 && entries.length > 0) out.models = entries.map((e) => String(e.id ?? e.name ?? ""));
  const entry = findModel(entries, options.model);
  if (entry) {
    const fromList = windowInListEntry(entry);
    if (fromList) {
      family = family === "unknown" ? fromList.family : family;
      out.window = { tokens: fromList.tokens, origin: "server", source: fromList.source };
    }
    if (Array.isArray(entry.supported_parameters)) out.tools = entry.supported_parameters.includes("tools");
    if (isObject(entry.meta) || entry.owned_by === "llamacpp") family = family === "unknown" ? "llamacpp" : family;
  }
  out.family = family;
  if (isHosted(family)) return out;

  // llama.cpp: `/props` is per slot (-c divided by --parallel), which may be less than meta.n_ctx.
  if (family === "llamacpp" || !out.window) {
    const props = await get(`${origin}/props`);
    const settings =
      isObject(props.body) && isObject(props.body.default_generation_settings) ? props.body.default_generation_settings : undefined;
    const nCtx = positive(settings?.n_ctx);
    if (props.status === 200 && nCtx !== undefined) {
      out.family = "llamacpp";
      if (!out.window || nCtx < out.window.tokens)
        out.window = { tokens: nCtx, origin: "server", source: "llama-server's /props n_ctx (per slot)" };
      return out;
    }
  }
  if (out.window) return out;

  // Ollama: the loaded window (`/api/ps`); a model not loaded yet runs with the server's default, unknown here.
  const ps = await get(`${origin}/api/ps`);
  if (ps.status === 200 && isObject(ps.body) && Array.isArray(ps.body.models)) {
    out.family = "ollama";
    const loaded = findModel(ps.body.models.filter(isObject), options.model, false);
    const tokens = positive(loaded?.context_length);
    if (tokens !== undefined) out.window = { tokens, origin: "server", source: "Ollama's /api/ps context_length (the loaded window)" };
    const shown = await get(`${origin}/api/show`, { method: "POST", body: JSON.stringify({ model: options.model }) });
    if (shown.status === 200 && isObject(shown.body) && Array.isArray(shown.body.capabilities))
      out.tools = shown.body.capabilities.includes("tools");
    return out;
  }

  // LM Studio: the loaded context length, which may differ from the one asked for.
  const lms = await get(`${origin}/api/v0/models`);
  if (lms.status === 200 && isObject(lms.body) && Array.isArray(lms.body.data)) {
    const model = findModel(lms.body.data.filter(isObject), options.model, false);
    if (model && (model.loaded_context_length !== undefined || model.max_context_length !== undefined)) {
      out.family = "lmstudio";
      const tokens = positive(model.loaded_context_length);
      if (tokens !== undefined) out.window = { tokens, origin: "server", source: "LM Studio's /api/v0/models loaded_context_length" };
      if (Array.isArray(model.capabilities)) out.tools = model.capabilities.includes("tool_use");
      return out;
    }
  }

  // LiteLLM: the proxy's model info (null for self-hosted models it has no data on).
  const info = await get(`${base}/model/info`);
  if (info.status === 200 && isObject(info.body) && Array.isArray(info.body.data)) {
    const model = info.body.data.filter(isObject).find((m) => m.model_name === options.model);
    const details = isObject(model?.model_info) ? model.model_info : undefined;
    const tokens = positive(details?.max_input_tokens);
    if (model) out.family = "litellm";
    if (tokens !== undefined) out.window = { tokens, origin: "server", source: "LiteLLM's /model/info max_input_tokens" };
  }
  return out;
}

/** The list entry for `model`: by id (or name), else the only entry of a single-model server (llama.cpp, vLLM). */
function findModel(entries: Array<Record<string, unknown>>, model: string, onlyEntryCounts = true): Record<string, unknown> | undefined {
  const names = (e: Record<string, unknown>) => [e.id, e.name, e.model].filter((v): v is string => typeof v === "string");
  return entries.find((e) => names(e).includes(model)) ?? (onlyEntryCounts && entries.length === 1 ? entries[0] : undefined);
}

function windowInListEntry(entry: Record<string, unknown>): { tokens: number; source: string; family: ServerFamily } | undefined {
  const vllm = positive(entry.max_model_len);
  if (vllm !== undefined) return { tokens: vllm, source: "vLLM's /v1/models max_model_len", family: "vllm" };
  const meta = isObject(entry.meta) ? positive(entry.meta.n_ctx) : undefined;
  if (meta !== undefined) return { tokens: meta, source: "llama-server's /v1/models meta.n_ctx", family: "llamacpp" };
  const top = isObject(entry.top_provider) ? positive(entry.top_provider.context_length) : undefined;
  const openRouter = smallest(positive(entry.context_length), top);
  if (openRouter !== undefined) {
    return {
      tokens: openRouter,
      source: "OpenRouter's /models context_length (the smaller of the model's and its top provider's)",
      family: "openrouter",
    };
  }
  const groq = positive(entry.context_window);
  if (groq !== undefined) return { tokens: groq, source: "the server's /models context_window", family: "unknown" };
  const litellm = positive(entry.max_input_tokens);
  if (litellm !== undefined) return { tokens: litellm, source: "the server's /models max_input_tokens", family: "litellm" };
  const mistral = positive(entry.max_context_length);
  if (mistral !== undefined) return { tokens: mistral, source: "the server's /models max_context_length", family: "unknown" };
  return undefined;
}

/** The innermost cause of a fetch failure, e.g. "ECONNREFUSED 127.0.0.1:1234". */
export function causeText(error: unknown): string {
  let current: unknown = error;
  let text = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (current.message)
      text = typeof code === "string" && !current.message.includes(code) ? `${code}: ${current.message}` : current.message;
    current = current.cause;
  }
  return text;
}

/** The window to use: configured, else the server's, else the table's, else the default. */
export function chooseWindow(model: string, configured: number | undefined, discovered: ContextWindow | undefined): ContextWindow {
  if (configured !== undefined) return { tokens: configured, origin: "configured", source: "L2MAC_CONTEXT_WINDOW" };
  if (discovered) return discovered;
  const known = knownContextWindow(model);
  if (known !== undefined) return { tokens: known, origin: "table", source: "the table of known models" };
  return { tokens: DEFAULT_CONTEXT_WINDOW, origin: "default", source: "a conservative default (nothing reported it)" };
}

/** The warning for an assumed window, or undefined when the window was reported or configured. */
export function windowWarning(model: string, window: ContextWindow): string | undefined {
  if (window.origin !== "default") return undefined;
  return `No context window is known for model \`${model}\`: assuming ${window.tokens.toLocaleString("en-US")} tokens. Set L2MAC_CONTEXT_WINDOW to the window the server gives the model.`;
}
