import type { ApplicationFunction, Probot } from "probot";
import { readServerEnv, type ServerEnv } from "./config.js";
import { DeliveryLog } from "./handlers/delivery-log.js";
import { onCommand } from "./handlers/command.js";
import { onIssueLabeled } from "./handlers/issue-labeled.js";
import { onPlanCommentEdited } from "./handlers/plan-comment-edited.js";
import { onWorkflowRunCompleted } from "./handlers/workflow-run.js";
import { InProcessQueue } from "./runs/in-process-queue.js";
import { botLoginOf, createWorker } from "./runs/worker.js";

export interface AppOptions {
  env: ServerEnv;
  /** Receives the queue once the app is loaded (tests wait on it; a process manager could too). */
  onQueue?: (queue: InProcessQueue) => void;
}

/** The Probot app: wires webhook events to thin handlers; the work happens in the queue's worker. */
export function createApp(options: AppOptions): ApplicationFunction {
  return (app: Probot) => {
    const botLogin = botLoginOf(app);
    const worker = createWorker(app, options.env, botLogin);
    const queue = new InProcessQueue(worker, 2, (job, error) =>
      app.log.error({ err: error, repo: `${job.owner}/${job.repo}`, issue: job.issueNumber }, "run failed with an unexpected error"),
    );
    options.onQueue?.(queue);
    const deliveries = new DeliveryLog();
    const enqueue = (job: Parameters<typeof queue.enqueue>[0]) => void queue.enqueue(job);
    app.on("issues.labeled", onIssueLabeled({ env: options.env, deliveries, enqueue }));
    app.on("workflow_run.completed", onWorkflowRunCompleted({ deliveries, enqueue }));
    app.on("issue_comment.created", onCommand({ botLogin, deliveries, enqueue, abort: (job, reason) => void queue.abort(job, reason) }));
    app.on("issue_comment.edited", onPlanCommentEdited({ botLogin, deliveries }));
  };
}

/** For `probot run lib/index.js`: the app configured from the process environment. */
export default (app: Probot) => createApp({ env: readServerEnv(process.env) })(app, {} as never);
