import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Probot } from "probot";
import { isWebhookPost, webhookPathOf } from "./webhook-path.js";

/** GitHub caps webhook payloads at 25 MB: it never sends a larger one. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

const DISCARD_MS = 5_000;

type Middleware = Awaited<ReturnType<Probot["getNodeMiddleware"]>>;

export interface BodyLimits {
  /** The webhook path (Probot's WEBHOOK_PATH). */
  path: string;
  maxBytes?: number;
  /** All webhook bodies being read at once, together: many large ones at a time are refused with 503. */
  maxInFlightBytes?: number;
}

/**
 * Probot's webhook middleware buffers the whole body before it checks the signature, with no limit, so
 * any client could make the server hold hundreds of megabytes. Installed from the app function (before
 * Probot's server builds its handlers), this puts a bounded read in front of it: a declared
 * `content-length` over the limit is refused before a byte is read, a streamed body as soon as it passes
 * the limit, both with 413; a body within the limit is handed to the middleware as text, which it then
 * verifies and parses as usual.
 */
export function limitWebhookBodies(app: Probot, limits: BodyLimits): void {
  const inner = app.getNodeMiddleware.bind(app);
  app.getNodeMiddleware = async (options) => guard(await inner(options), limits, app.log);
}

function guard(middleware: Middleware, limits: BodyLimits, log: Logger): Middleware {
  const maxBytes = limits.maxBytes ?? MAX_WEBHOOK_BYTES;
  const maxInFlight = limits.maxInFlightBytes ?? 4 * maxBytes;
  const path = webhookPathOf(limits.path);
  let inFlight = 0;
  return async (req, res, next) => {
    if (!res) return middleware(req, res, next);
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > maxBytes) return refuse(req, res, 413, `webhook bodies over ${maxBytes} bytes are refused`, log);
    if (!isWebhookPost(req, path)) return middleware(req, res, next);
    let reserved = 0;
    try {
      const read = await readBounded(req, maxBytes, (n) => {
        if (inFlight + n > maxInFlight) return false;
        inFlight += n;
        reserved += n;
        return true;
      });
      if (read === "aborted") return true;
      if (read === "too-large") return refuse(req, res, 413, `webhook bodies over ${maxBytes} bytes are refused`, log);
      if (read === "busy") return refuse(req, res, 503, "too many large webhook bodies at once; try again", log);
      // @octokit/webhooks takes a string body as the raw payload, as it does behind a body parser.
      (req as IncomingMessage & { body?: string }).body = new TextDecoder().decode(read);
      return await middleware(req, res, next);
    } finally {
      inFlight -= reserved;
    }
  };
}

/** The body, unless it passes `maxBytes`, the shared budget says no (`reserve`), or the client goes away. */
function readBounded(
  req: IncomingMessage,
  maxBytes: number,
  reserve: (bytes: number) => boolean,
): Promise<Buffer | "too-large" | "busy" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | "too-large" | "busy" | "aborted") => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return done("too-large");
      if (!reserve(chunk.length)) return done("busy");
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onError = () => done("aborted");
    const onClose = () => {
      if (!req.complete) done("aborted");
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

/**
 * Answers at once and discards the rest of the body, never holding it. Closing with unread data would
 * reset the connection before the client has read the answer; a client that is still sending after a
 * few seconds is cut off.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: 413 | 503, message: string, log: Logger): true {
  log.warn({ status, declared: req.headers["content-length"] ?? null, url: req.url }, `webhook request refused: ${message}`);
  req.resume();
  const cutOff = setTimeout(() => req.destroy(), DISCARD_MS).unref();
  req.once("end", () => clearTimeout(cutOff)).once("close", () => clearTimeout(cutOff));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: message }));
  return true;
}
