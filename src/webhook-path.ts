import type { IncomingMessage, ServerResponse } from "node:http";
import type { Probot } from "probot";

/** A webhook path as requests are compared with it: no trailing slash ("/" at least). */
export const webhookPathOf = (path: string): string => path.replace(/\/+$/, "") || "/";

/** Whether the request is a delivery: a POST to the webhook path, whatever its query or trailing slash. */
export function isWebhookPost(req: IncomingMessage, webhookPath: string): boolean {
  if (req.method !== "POST") return false;
  try {
    return webhookPathOf(new URL(req.url ?? "/", "http://localhost").pathname) === webhookPath;
  } catch {
    return false;
  }
}

type Middleware = Awaited<ReturnType<Probot["getNodeMiddleware"]>>;

/**
 * Puts `around` in front of Probot's webhook middleware for deliveries; any other request goes straight
 * on. `inner()` hands a delivery to what was there before. Installed from the app function, before
 * Probot's server builds its handlers.
 */
export function aroundDeliveries(
  app: Probot,
  path: string,
  around: (req: IncomingMessage, res: ServerResponse, inner: () => Promise<boolean>) => Promise<boolean>,
): void {
  const wrapped = app.getNodeMiddleware.bind(app);
  const webhookPath = webhookPathOf(path);
  app.getNodeMiddleware = async (options) => {
    const middleware: Middleware = await wrapped(options);
    return async (req, res, next) => {
      if (!res || !isWebhookPost(req, webhookPath)) return middleware(req, res, next);
      return around(req, res, () => middleware(req, res, next));
    };
  };
}
