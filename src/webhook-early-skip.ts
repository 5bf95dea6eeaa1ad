import type { IncomingMessage } from "node:http";
import type { Probot } from "probot";
import { aroundDeliveries } from "./webhook-path.js";

/** Why a payload cannot concern the app, or undefined when it may; keyed by "event.action". */
export type EarlyChecks = Map<string, (payload: never) => string | undefined>;

/**
 * Probot builds an Octokit, and its installation auth, for every handler of every delivery before the
 * handler runs, so a delivery a handler's cheap check skips still cost that on the request path (the
 * largest part of an ignored label's acknowledgement). For the events in `checks`, whose one handler
 * makes that check, this takes the delivery before Probot's middleware: its signature verified with
 * Probot's secret and its payload parsed, once; a delivery the check rejects is answered 200 with the
 * reason at debug level, as the handler would log it; one it passes is handed to Probot parsed
 * (`receive`, as Probot's middleware does after its own verifying and parsing). Anything else — another
 * event name, a bad signature, a body that is not JSON — goes to Probot's middleware untouched.
 * Installed from the app function after the body limit, which hands over the body as text.
 */
export function skipEarly(app: Probot, checks: EarlyChecks, path: string): void {
  aroundDeliveries(app, path, async (req, res, inner) => {
    const body = (req as IncomingMessage & { body?: unknown }).body;
    const verdict = typeof body === "string" ? await decide(app, checks, req, body) : undefined;
    if (!verdict) return inner();
    if ("skip" in verdict) {
      app.log.debug({ event: verdict.event.name, id: verdict.event.id }, `nothing to do: ${verdict.skip}`);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return true;
    }
    try {
      await app.receive(verdict.event as never);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } catch (e) {
      // Probot's error handler has logged it; the answer is what Probot's middleware gives.
      const status = (e as { errors?: Array<{ status?: number }> }).errors?.[0]?.status ?? 500;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: String((e as Error).message) }));
    }
    return true;
  });
}

type Event = { id: string; name: string; payload: unknown };

/** For a signed delivery of one of `checks`' events: the check's reason to skip it, or it to receive. */
async function decide(
  app: Probot,
  checks: EarlyChecks,
  req: IncomingMessage,
  body: string,
): Promise<{ skip: string; event: Event } | { event: Event } | undefined> {
  const name = header(req, "x-github-event");
  const id = header(req, "x-github-delivery");
  const signature = header(req, "x-hub-signature-256");
  if (!name || !id || !signature || !/^\s*application\/json\s*(;|$)/.test(header(req, "content-type") ?? "")) return undefined;
  if (![...checks.keys()].some((key) => key.startsWith(`${name}.`))) return undefined;
  try {
    // Verified before parsed: an unsigned body, however large, costs one HMAC and never a parse.
    if (!(await app.webhooks.verify(body, signature))) return undefined;
    const payload = JSON.parse(body) as { action?: unknown };
    // Another action of the event (issues.closed) has no check here, and is received as parsed too.
    const why = checks.get(`${name}.${String(payload.action)}`)?.(payload as never);
    const event = { id, name, payload };
    return why ? { skip: why, event } : { event };
  } catch {
    // Not JSON, or a payload the check cannot read: Probot answers it as it would any other.
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}
