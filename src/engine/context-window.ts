/**
 * The model's context window: configured, else asked of the server (window-discovery.ts), else a table of
 * hosted models, else a conservative default, with a warning.
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
