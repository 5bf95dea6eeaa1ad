/**
 * Error bodies of OpenAI-compatible servers, in every envelope they come in. The SDK reads only
 * `body.error`, so a flat `{"message": …}` (Mistral, vLLM < 0.10.1) or a JSON array (Gemini) becomes
 * "400 status code (no body)". The fetch below rewrites each error body into OpenAI's envelope before
 * the SDK sees it, so the user gets the server's own words and the SDK's retries and classes still apply.
 */

export type Envelope = "nested" | "flat" | "array" | "string" | "text" | "empty";

export interface ServerError {
  /** The server's words, with any detail that explains them (OpenRouter's upstream error). */
  message: string;
  code?: string | number;
  type?: string;
  param?: string;
  envelope: Envelope;
}

/** Server text shown to people is clipped: an error page must not become a comment-sized wall. */
const MAX_MESSAGE = 1500;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s);

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Reads an error body: `{error: {message}}`, `{error: "…"}`, `{message}`, `[{error: {…}}]`, `{detail}` or plain text. */
export function readErrorBody(raw: string): ServerError {
  const trimmed = raw.trim();
  if (trimmed === "") return { message: "", envelope: "empty" };
  const body = safeJson(trimmed);
  if (body === undefined) {
    // An HTML error page from a proxy: its text, not its markup.
    const plain = trimmed
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    return { message: clip(plain), envelope: "text" };
  }
  if (Array.isArray(body)) {
    const first = body.find(isObject);
    return first ? { ...readErrorObject(first), envelope: "array" } : { message: clip(trimmed), envelope: "array" };
  }
  if (!isObject(body)) return { message: clip(String(body)), envelope: "text" };
  return readErrorObject(body);
}

function readErrorObject(body: Record<string, unknown>): ServerError {
  const error = body.error;
  if (typeof error === "string") return { message: clip(error), envelope: "string", ...fields(body) };
  if (isObject(error)) {
    let message = text(error.message) ?? (error.message !== undefined ? JSON.stringify(error.message) : JSON.stringify(error));
    // OpenRouter: "Provider returned error", with the upstream's words in metadata.raw.
    const metadata = isObject(error.metadata) ? error.metadata : undefined;
    const raw = metadata?.raw;
    if (raw !== undefined) {
      const provider = text(metadata?.provider_name);
      message += `: ${typeof raw === "string" ? raw : JSON.stringify(raw)}${provider ? ` (provider ${provider})` : ""}`;
    }
    return { message: clip(message), envelope: "nested", ...fields(error) };
  }
  const message = text(body.message) ?? text(body.detail) ?? text(body.msg);
  if (message) return { message: clip(message), envelope: "flat", ...fields(body) };
  return { message: clip(JSON.stringify(body)), envelope: "flat", ...fields(body) };
}

function fields(source: Record<string, unknown>): Pick<ServerError, "code" | "type" | "param"> {
  const code = typeof source.code === "string" || typeof source.code === "number" ? source.code : undefined;
  const status = text(source.status); // Gemini: "INVALID_ARGUMENT"
  return {
    ...(code !== undefined && { code }),
    ...((text(source.type) ?? status) !== undefined && { type: text(source.type) ?? status }),
    ...(text(source.param) !== undefined && { param: text(source.param) }),
  };
}

/** The HTTP status an error reported inside a 200 body stands for: its numeric code, else 400. */
function statusOf(error: ServerError): number {
  const code = typeof error.code === "number" ? error.code : Number(error.code);
  return Number.isInteger(code) && code >= 400 && code <= 599 ? code : 400;
}

const HOP_HEADERS = ["content-length", "content-encoding", "transfer-encoding"];

function rebuilt(status: number, statusText: string, headers: Headers, body: string): Response {
  const out = new Headers(headers);
  for (const h of HOP_HEADERS) out.delete(h);
  out.set("content-type", "application/json");
  return new Response(body, { status, statusText, headers: out });
}

const openAiEnvelope = (e: ServerError): string =>
  JSON.stringify({
    error: { message: e.message, type: e.type ?? null, param: e.param ?? null, code: e.code ?? null, envelope: e.envelope },
  });

/**
 * Wraps `fetch` so every error reaches the SDK in OpenAI's envelope: non-2xx bodies in any envelope, and
 * a 200 whose JSON body is an error with no `choices` (OpenRouter mid-generation, LM Studio 0.4.21), which
 * becomes a response with the error's status.
 */
export function normalisingFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const json = (response.headers.get("content-type") ?? "").includes("json");
    if (response.ok) {
      if (!json || response.status === 204) return response;
      const raw = await response.text();
      const body = safeJson(raw);
      if (isObject(body) && body.error !== undefined && body.error !== null && body.choices === undefined && body.data === undefined) {
        const error = readErrorBody(raw);
        return rebuilt(statusOf(error), "", response.headers, openAiEnvelope(error));
      }
      return rebuilt(response.status, response.statusText, response.headers, raw);
    }
    const error = readErrorBody(await response.text().catch(() => ""));
    return rebuilt(response.status, response.statusText, response.headers, openAiEnvelope(error));
  };
}
