/** A small JSON request to a server that may not be what it seems: bounded in size and time, and never throws. */

// OpenRouter's whole model list is a few MB; anything bigger is not a model list.
const MAX_BODY = 16 * 1024 * 1024;

export interface JsonReply {
  status?: number;
  /** The parsed body; undefined when it was not JSON or too big. */
  body?: unknown;
  /** Why the server could not be reached, when it could not. */
  error?: string;
}

export interface JsonRequest {
  headers: Record<string, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
  method?: string;
  /** A JSON text sent as the body. */
  body?: string;
}

export async function fetchJson(url: string, request: JsonRequest): Promise<JsonReply> {
  const doFetch = request.fetch ?? fetch;
  const hasBody = request.body !== undefined;
  try {
    const response = await doFetch(url, {
      method: request.method ?? "GET",
      headers: { accept: "application/json", ...request.headers, ...(hasBody && { "content-type": "application/json" }) },
      ...(hasBody && { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs),
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
