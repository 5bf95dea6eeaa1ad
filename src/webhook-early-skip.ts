import type { IncomingMessage } from "node:http";
import type { Probot } from "probot";

/** Why a payload cannot concern the app, or undefined when it may; keyed by "event.action". */
export type EarlyChecks = Map<string, (payload: never) => string | undefined>;

/**
 * Probot builds an Octokit, and its installation auth, for every handler of every delivery before the
 * handler runs, so a delivery a handler's cheap check skips still cost that on the request path (the
 * largest part of an ignored label's acknowledgement). For the events in `checks`, whose one handler
 * makes that check, this answers a delivery the check rejects before Probot does: its signature verified
 * with Probot's secret, 200, and the reason at debug level as the handler would log it. Anything else —
 * another event, a check that passes, a bad signature, a body that is not JSON — goes to Probot untouched.
 * Installed from the app function after the body limit, which hands over the body as text.
 */
export function skipEarly(app: Probot, checks: EarlyChecks, path: string): void {
  const inner = app.getNodeMiddleware.bind(app);
  const webhookPath = path.replace(/\/+$/, "") || "/";
  app.getNodeMiddleware = async (options) => {
    const middleware = await inner(options);
    return async (req, res, next) => {
      const body = (req as IncomingMessage & { body?: unknown }).body;
      if (!res || typeof body !== "string" || req.method !== "POST" || pathOf(req) !== webhookPath) return middleware(req, res, next);
      const why = await whySkip(app, checks, req, body);
      if (!why) return middleware(req, res, next);
      app.log.debug({ event: header(req, "x-github-event"), id: header(req, "x-github-delivery") }, `nothing to do: ${why}`);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return true;
    };
  };
}

/** The check's reason for a signed delivery of one of `checks`' events; undefined in every other case. */
async function whySkip(app: Probot, checks: EarlyChecks, req: IncomingMessage, body: string): Promise<string | undefined> {
  const name = header(req, "x-github-event");
  const signature = header(req, "x-hub-signature-256");
  if (!name || !signature || !header(req, "x-github-delivery") || !/^\s*application\/json\s*(;|$)/.test(header(req, "content-type") ?? ""))
    return undefined;
  if (![...checks.keys()].some((key) => key.startsWith(`${name}.`))) return undefined;
  try {
    const payload = JSON.parse(body) as { action?: unknown };
    const why = checks.get(`${name}.${String(payload.action)}`)?.(payload as never);
    return why && (await app.webhooks.verify(body, signature)) ? why : undefined;
  } catch {
    // Not JSON, or a payload the check cannot read: Probot answers it as it would any other.
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  } catch {
    return "";
  }
}
