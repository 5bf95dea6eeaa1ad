import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { checkChatRequest, type CheckOptions } from "./message-checker.js";

/**
 * A scripted OpenAI-compatible chat-completions server over real HTTP, so adapter and engine tests
 * exercise the real SDK (retries, error classes, serialisation) and every request is checked like the API would.
 */

export interface RecordedRequest {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary request fields
  body: any;
  headers: Record<string, string | string[] | undefined>;
  path: string;
}

type ReplyUsage = { prompt_tokens: number; completion_tokens: number };

/** What other servers add to OpenAI's reply shape (personalities of docs/providers.md use these). */
type ReplyExtras = {
  finishReason?: string;
  /** null: the reply has no `usage` at all. */
  usage?: ReplyUsage | null;
  /** Extra fields of the message, e.g. `reasoning_content`, or `tool_calls: []` beside text. */
  message?: Record<string, unknown>;
  /** Extra top-level fields, e.g. llama.cpp's `timings`, or `id: null`. */
  top?: Record<string, unknown>;
};

/**
 * `arguments`: a string is sent verbatim (to test malformed JSON), anything else is JSON.stringify'd.
 * `id`: null sends the call without one; `extra` is merged into the call (e.g. Gemini's `extra_content`).
 */
type ToolCallsReply = ReplyExtras & {
  toolCalls: Array<{ name: string; arguments: unknown; id?: string | null; extra?: Record<string, unknown> }>;
  content?: string | null | unknown[];
  /** Calls sent as they are, after the others (e.g. LM Studio's `{"id": "", "type": "function"}`). */
  rawCalls?: unknown[];
};
type ContentReply = ReplyExtras & { content: string | null | unknown[] };

export type ScriptReply =
  | ToolCallsReply
  | ContentReply
  /** An error response; body defaults to OpenAI's {error: {message, type, code}}. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** A response whose body is this text, as it is. */
  | { status: number; raw: string; contentType?: string }
  /** Never answer: the request stays open until the server closes. */
  | { hang: true };

export type Responder = (request: RecordedRequest, index: number) => ScriptReply | Promise<ScriptReply>;

export interface ScriptedLlm {
  baseURL: string;
  /** http://127.0.0.1:<port>, for servers whose API is not under /v1. */
  origin: string;
  /** Chat-completion requests. */
  requests: RecordedRequest[];
  /** Every other request (model lists, native APIs), in order. */
  probes: Array<RecordedRequest & { method: string }>;
  violations: string[];
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  /** The base path clients use (default "/v1"); chat completions are served at <basePath>/chat/completions. */
  basePath?: string;
  /** Whether a path (without query) is the chat-completions route; default: <basePath>/chat/completions. */
  chatPath?: (path: string) => boolean;
  /** Other routes: a reply, or undefined for a 404 (OpenAI's models list is served by default). */
  routes?: (request: RecordedRequest & { method: string }) => ScriptReply | undefined;
  /** Fields this server accepts beyond OpenAI's. */
  accepts?: CheckOptions;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
};

export async function startScriptedLlm(script: Responder | ScriptReply[], options: ScriptedServerOptions = {}): Promise<ScriptedLlm> {
  const basePath = options.basePath ?? "/v1";
  const isChat = options.chatPath ?? ((path: string) => path === `${basePath}/chat/completions`);
  const requests: RecordedRequest[] = [];
  const probes: Array<RecordedRequest & { method: string }> = [];
  const violations: string[] = [];
  const sockets = new Set<Socket>();
  let cursor = 0;

  const nextReply = async (request: RecordedRequest, index: number): Promise<ScriptReply> => {
    if (typeof script === "function") return script(request, index);
    const reply = script[cursor];
    if (reply === undefined) {
      const message = `script exhausted at request ${index}`;
      violations.push(`request ${index}: ${message}`);
      return { status: 500, body: { error: { message, type: "server_error", code: "script_exhausted" } } };
    }
    cursor++;
    return reply;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const path = req.url ?? "";
    let body: unknown;
    let parseError: string | undefined;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch (error) {
      parseError = `the body is not JSON: ${(error as Error).message}`;
    }
    const request: RecordedRequest = { body, headers: { ...req.headers }, path };
    if (req.method !== "POST" || !isChat(path.split("?")[0] ?? "")) {
      const probe = { ...request, method: req.method ?? "GET" };
      probes.push(probe);
      const reply =
        options.routes?.(probe) ?? (req.method === "GET" && path.split("?")[0] === `${basePath}/models` ? OPENAI_MODELS : undefined);
      if (reply) return sendReply(res, request, probes.length - 1, reply);
      // Asking what a server serves is no mistake; sending work where none is served is.
      if (req.method !== "GET") violations.push(`${req.method} ${path} is not served`);
      return sendJson(res, 404, errorBody(404, `no route for ${req.method} ${path}`));
    }
    const index = requests.length;
    requests.push(request);
    const problems = parseError ? [parseError] : checkChatRequest(body, options.accepts);
    if (problems.length > 0) {
      violations.push(...problems.map((p) => `request ${index}: ${p}`));
      return sendJson(res, 400, errorBody(400, problems.join("; "), "invalid_request"));
    }

    let reply: ScriptReply;
    try {
      reply = await nextReply(request, index);
    } catch (error) {
      const message = `responder threw at request ${index}: ${(error as Error).message}`;
      violations.push(`request ${index}: ${message}`);
      return sendJson(res, 500, errorBody(500, message));
    }
    sendReply(res, request, index, reply);
  };

  const sendReply = (res: ServerResponse, request: RecordedRequest, index: number, reply: ScriptReply): void => {
    if ("hang" in reply) return; // left open; close() destroys the socket
    if ("raw" in reply) {
      res.writeHead(reply.status, {
        "content-type": reply.contentType ?? "application/json",
        "content-length": Buffer.byteLength(reply.raw),
      });
      return void res.end(reply.raw);
    }
    if ("status" in reply)
      return sendJson(res, reply.status, reply.body ?? errorBody(reply.status, `scripted ${reply.status}`), reply.headers);
    sendJson(res, 200, completion(request, index, reply));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push(`server error: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, errorBody(500, "scripted server failed"));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}${basePath}`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    probes,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// What OpenAI's GET /v1/models says: ids, no windows.
const OPENAI_MODELS: ScriptReply = {
  status: 200,
  body: {
    object: "list",
    data: ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini"].map((id) => ({ id, object: "model", created: 0, owned_by: "openai" })),
  },
};

function completion(request: RecordedRequest, index: number, reply: ToolCallsReply | ContentReply): unknown {
  const calls: Array<Record<string, unknown> & { function: { arguments: string } }> =
    "toolCalls" in reply
      ? reply.toolCalls.map((call, n) => ({
          ...(call.id !== null && { id: call.id ?? `call_${index}_${n}` }),
          type: "function",
          function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
          ...call.extra,
        }))
      : [];
  const raw = "rawCalls" in reply ? (reply.rawCalls ?? []) : [];
  const content = reply.content ?? null;
  const text = typeof content === "string" ? content : content ? JSON.stringify(content) : "";
  const replyLength = text.length + calls.reduce((sum, c) => sum + c.function.arguments.length, 0);
  const usage =
    reply.usage === null
      ? undefined
      : (reply.usage ?? {
          prompt_tokens: Math.ceil(JSON.stringify(request.body?.messages ?? []).length / 4),
          completion_tokens: Math.max(1, Math.ceil(replyLength / 4)),
        });
  const allCalls = [...calls, ...raw];
  return {
    id: `chatcmpl-scripted-${index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.body?.model ?? "scripted",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, ...(allCalls.length > 0 && { tool_calls: allCalls }), ...reply.message },
        finish_reason: reply.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop"),
        logprobs: null,
      },
    ],
    ...(usage && { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
    ...reply.top,
  };
}

function errorBody(status: number, message: string, code: string | null = null): unknown {
  return { error: { message, type: ERROR_TYPES[status] ?? "server_error", param: null, code } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
