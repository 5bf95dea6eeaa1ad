import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AppMetrics } from "./metrics.js";

/** How long readiness waits for the queue (Redis) to answer before it says "not ready". */
const READY_TIMEOUT_MS = 2_000;

export interface OpsRoutes {
  metrics: AppMetrics;
  /** Resolves when the queue can take work (for BullMQ: Redis answers); rejects otherwise. */
  ready: () => Promise<unknown>;
}

const send = (res: ServerResponse, status: number, body: string, type = "application/json"): true => {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body);
  return true;
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A Probot server handler for operators: `GET /healthz` (the process serves HTTP), `GET /readyz` (the
 * queue is reachable; 503 otherwise) and `GET /metrics` (Prometheus text). Anything else is not ours.
 */
export function opsHandler(routes: OpsRoutes): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return send(res, 200, '{"status":"ok"}');
    if (path === "/readyz") {
      try {
        await withTimeout(routes.ready(), READY_TIMEOUT_MS);
        return send(res, 200, '{"status":"ready"}');
      } catch (e) {
        return send(res, 503, JSON.stringify({ status: "not ready", reason: e instanceof Error ? e.message : String(e) }));
      }
    }
    if (path === "/metrics") {
      const registry = routes.metrics.registry;
      return send(res, 200, await registry.metrics(), registry.contentType);
    }
    return false;
  };
}

/** The operators' endpoints on a port of their own (`npm run worker` has no Probot server). */
export function serveOps(port: number, handler: ReturnType<typeof opsHandler>): Server {
  const server = createServer((req, res) => {
    void handler(req, res).then((answered) => answered || void res.writeHead(404).end());
  });
  return server.listen(port);
}
