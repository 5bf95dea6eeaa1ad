import type { ContextWindow } from "./context-window.js";
import { fetchJson, type JsonReply, type JsonRequest } from "./fetch-json.js";
import { familyOfHost, isHosted, type ServerFamily } from "./server-family.js";

/**
 * Asking the server for the model's context window when it can say: vLLM's `max_model_len`, OpenRouter's
 * `context_length` (the smaller of the model's and its top provider's), llama.cpp's `meta.n_ctx` or
 * `/props`, LM Studio's `loaded_context_length`, Ollama's `/api/ps`, LiteLLM's `max_input_tokens`, Groq's
 * `context_window`. Servers that cut over-long prompts silently (Ollama, LM Studio) make the loaded window,
 * not the trained one, the limit that matters. What the server cannot say, context-window.ts fills in.
 */

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

/** What each server's probe needs: how to ask, where, and for which model. */
interface Probe {
  get: (url: string, init?: Pick<JsonRequest, "method" | "body">) => Promise<JsonReply>;
  /** The base URL without a trailing slash (…/v1) and its origin (where llama.cpp, Ollama and LM Studio answer). */
  base: string;
  origin: string;
  model: string;
}

type Entry = Record<string, unknown>;

const isObject = (v: unknown): v is Entry => typeof v === "object" && v !== null && !Array.isArray(v);
const positive = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined);
const smallest = (...values: Array<number | undefined>): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.min(...known) : undefined;
};
const fromServer = (tokens: number, source: string): ContextWindow => ({ tokens, origin: "server", source });

/** Asks the server what it serves. Never throws: what cannot be learned is left out. */
export async function discoverContextWindow(options: DiscoverOptions): Promise<Discovery> {
  const base = options.baseURL.replace(/\/+$/, "");
  const request = { headers: options.headers, timeoutMs: options.timeoutMs ?? 5000, fetch: options.fetch };
  const probe: Probe = {
    get: (url, init = {}) => fetchJson(url, { ...request, ...init }),
    base,
    origin: new URL(base).origin,
    model: options.model,
  };
  const out: Discovery = { family: options.family ?? familyOfHost(options.baseURL) };
  const listed = await probe.get(`${base}/models`);
  if (listed.error !== undefined) return { ...out, unreachable: listed.error };
  out.listStatus = listed.status;
  if (listed.status === 401 || listed.status === 403) return out;
  readModelList(out, listed, options.model);
  if (isHosted(out.family)) return out;

  // Local servers, most telling first; each probe says whether it found its server.
  if ((out.family === "llamacpp" || !out.window) && (await askLlamaCpp(out, probe))) return out;
  if (out.window) return out;
  if (await askOllama(out, probe)) return out;
  if (await askLmStudio(out, probe)) return out;
  await askLiteLlm(out, probe);
  return out;
}

/** What the OpenAI-style model list says of the model: its window, tool support and the kind of server. */
function readModelList(out: Discovery, listed: JsonReply, model: string): void {
  const entries = isObject(listed.body) && Array.isArray(listed.body.data) ? listed.body.data.filter(isObject) : [];
  if (listed.status === 200 && entries.length > 0) out.models = entries.map((e) => String(e.id ?? e.name ?? ""));
  const entry = findModel(entries, model);
  if (!entry) return;
  const fromList = windowInListEntry(entry);
  if (fromList) {
    if (out.family === "unknown") out.family = fromList.family;
    out.window = fromServer(fromList.tokens, fromList.source);
  }
  if (Array.isArray(entry.supported_parameters)) out.tools = entry.supported_parameters.includes("tools");
  if ((isObject(entry.meta) || entry.owned_by === "llamacpp") && out.family === "unknown") out.family = "llamacpp";
}

// llama.cpp: `/props` is per slot (-c divided by --parallel), which may be less than meta.n_ctx.
async function askLlamaCpp(out: Discovery, probe: Probe): Promise<boolean> {
  const props = await probe.get(`${probe.origin}/props`);
  const settings =
    isObject(props.body) && isObject(props.body.default_generation_settings) ? props.body.default_generation_settings : undefined;
  const nCtx = positive(settings?.n_ctx);
  if (props.status !== 200 || nCtx === undefined) return false;
  out.family = "llamacpp";
  if (!out.window || nCtx < out.window.tokens) out.window = fromServer(nCtx, "llama-server's /props n_ctx (per slot)");
  return true;
}

// Ollama: the loaded window (`/api/ps`); a model not loaded yet runs with the server's default, unknown here.
async function askOllama(out: Discovery, probe: Probe): Promise<boolean> {
  const ps = await probe.get(`${probe.origin}/api/ps`);
  if (ps.status !== 200 || !isObject(ps.body) || !Array.isArray(ps.body.models)) return false;
  out.family = "ollama";
  const loaded = findModel(ps.body.models.filter(isObject), probe.model, false);
  const tokens = positive(loaded?.context_length);
  if (tokens !== undefined) out.window = fromServer(tokens, "Ollama's /api/ps context_length (the loaded window)");
  const shown = await probe.get(`${probe.origin}/api/show`, { method: "POST", body: JSON.stringify({ model: probe.model }) });
  if (shown.status === 200 && isObject(shown.body) && Array.isArray(shown.body.capabilities))
    out.tools = shown.body.capabilities.includes("tools");
  return true;
}

// LM Studio: the loaded context length, which may differ from the one asked for.
async function askLmStudio(out: Discovery, probe: Probe): Promise<boolean> {
  const lms = await probe.get(`${probe.origin}/api/v0/models`);
  if (lms.status !== 200 || !isObject(lms.body) || !Array.isArray(lms.body.data)) return false;
  const model = findModel(lms.body.data.filter(isObject), probe.model, false);
  if (!model || (model.loaded_context_length === undefined && model.max_context_length === undefined)) return false;
  out.family = "lmstudio";
  const tokens = positive(model.loaded_context_length);
  if (tokens !== undefined) out.window = fromServer(tokens, "LM Studio's /api/v0/models loaded_context_length");
  if (Array.isArray(model.capabilities)) out.tools = model.capabilities.includes("tool_use");
  return true;
}

// LiteLLM: the proxy's model info (null for self-hosted models it has no data on).
async function askLiteLlm(out: Discovery, probe: Probe): Promise<void> {
  const info = await probe.get(`${probe.base}/model/info`);
  if (info.status !== 200 || !isObject(info.body) || !Array.isArray(info.body.data)) return;
  const model = info.body.data.filter(isObject).find((m) => m.model_name === probe.model);
  const details = isObject(model?.model_info) ? model.model_info : undefined;
  const tokens = positive(details?.max_input_tokens);
  if (model) out.family = "litellm";
  if (tokens !== undefined) out.window = fromServer(tokens, "LiteLLM's /model/info max_input_tokens");
}

/** The list entry for `model`: by id (or name), else the only entry of a single-model server (llama.cpp, vLLM). */
function findModel(entries: Entry[], model: string, onlyEntryCounts = true): Entry | undefined {
  const names = (e: Entry) => [e.id, e.name, e.model].filter((v): v is string => typeof v === "string");
  return entries.find((e) => names(e).includes(model)) ?? (onlyEntryCounts && entries.length === 1 ? entries[0] : undefined);
}

function windowInListEntry(entry: Entry): { tokens: number; source: string; family: ServerFamily } | undefined {
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
