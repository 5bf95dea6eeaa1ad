import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { checkChatRequest } from "./message-checker.js";

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

/** `arguments`: a string is sent verbatim (to test malformed JSON), anything else is JSON.stringify'd. */
type ToolCallsReply = {
  toolCalls: Array<{ name: string; arguments: unknown; id?: string }>;
  content?: string | null;
  finishReason?: string;
  usage?: ReplyUsage;
};
type ContentReply = { content: string; finishReason?: string; usage?: ReplyUsage };

export type ScriptReply =
  | ToolCallsReply
  | ContentReply
  /** An error response; body defaults to OpenAI's {error: {message, type, code}}. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer: the request stays open until the server closes. */
  | { hang: true };

export type Responder = (request: RecordedRequest, index: number) => ScriptReply | Promise<ScriptReply>;

export interface ScriptedLlm {
  baseURL: string;
  requests: RecordedRequest[];
  violations: string[];
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
};

export async function startScriptedLlm(script: Responder | ScriptReply[]): Promise<ScriptedLlm> {
  const requests: RecordedRequest[] = [];
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
    const index = requests.length;
    const request: RecordedRequest = { body, headers: { ...req.headers }, path };
    requests.push(request);

    if (req.method !== "POST" || path.split("?")[0] !== "/v1/chat/completions") {
      violations.push(`request ${index}: ${req.method} ${path} is not served`);
      return sendJson(res, 404, errorBody(404, `no route for ${req.method} ${path}`));
    }
    const problems = parseError ? [parseError] : checkChatRequest(body);
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
    if ("hang" in reply) return; // left open; close() destroys the socket
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
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function completion(request: RecordedRequest, index: number, reply: ToolCallsReply | ContentReply): unknown {
  const calls =
    "toolCalls" in reply
      ? reply.toolCalls.map((call, n) => ({
          id: call.id ?? `call_${index}_${n}`,
          type: "function",
          function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
        }))
      : [];
  const content = reply.content ?? null;
  const replyLength = (content ?? "").length + calls.reduce((sum, c) => sum + c.function.arguments.length, 0);
  const usage = reply.usage ?? {
    prompt_tokens: Math.ceil(JSON.stringify(request.body?.messages ?? []).length / 4),
    completion_tokens: Math.max(1, Math.ceil(replyLength / 4)),
  };
  return {
    id: `chatcmpl-scripted-${index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.body?.model ?? "scripted",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, ...(calls.length > 0 && { tool_calls: calls }) },
        finish_reason: reply.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop"),
        logprobs: null,
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
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
