import type { IncomingMessage } from "node:http";

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
