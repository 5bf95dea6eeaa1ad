import type { Probot } from "probot";
import { aroundDeliveries } from "../webhook-path.js";
import type { AppMetrics } from "./metrics.js";

/** Events this app subscribes to; any other header value is counted as "other" (labels stay bounded). */
const KNOWN = new Set(["issues", "issue_comment", "workflow_run", "installation", "installation_repositories", "pull_request", "ping"]);

/**
 * Times each webhook delivery from its arrival to the end of its response (the acknowledgement GitHub
 * waits for, up to 10 s). Installed from the app function like the body limit, wrapping Probot's middleware.
 */
export function timeWebhookAcks(app: Probot, metrics: AppMetrics, path: string): void {
  aroundDeliveries(app, path, (req, res, inner) => {
    const header = String(req.headers["x-github-event"] ?? "");
    const stop = metrics.ack.startTimer({ event: KNOWN.has(header) ? header : "other" });
    res.once("finish", () => stop());
    return inner();
  });
}
