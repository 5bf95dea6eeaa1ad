import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { createSyntaxChecker } from "./checks/syntax.js";
import { readServerEnv, type ServerEnv } from "./config.js";
import { EndpointMemory } from "./engine/endpoint-memory.js";
import { AckFirst } from "./handlers/acknowledge-first.js";
import { whyNotCommand, whyNotPlanEdit, whyNotStart } from "./handlers/cheap-checks.js";
import { onCommand } from "./handlers/command.js";
import { onInstallationDeleted, onRepositoriesRemoved } from "./handlers/installation-removed.js";
import { Uninstalled, UNINSTALLED_REASON, type Removal } from "./runs/uninstalled.js";
import { MemoryDeliveryLog, type DeliveryLog } from "./handlers/delivery-log.js";
import { onIssueEdited } from "./handlers/issue-edited.js";
import { onIssueLabeled } from "./handlers/issue-labeled.js";
import { onPlanCommentEdited } from "./handlers/plan-comment-edited.js";
import { onReviewComment, onReviewSubmitted } from "./handlers/pull-review.js";
import { onIssueEnded, onPullClosed } from "./handlers/run-ended.js";
import { ReplyLimiter } from "./handlers/reply-limiter.js";
import { stopOnIssueEnded, stopOnPullClosed } from "./handlers/stop-at-once.js";
import { onWorkflowRunCompleted } from "./handlers/workflow-run.js";
import { WorkflowRunsCache } from "./github/actions.js";
import { ConditionalCache } from "./github/conditional-requests.js";
import { ConfiguredLabels } from "./github/configured-labels.js";
import { Permissions } from "./github/permissions.js";
import { PlanTrust } from "./github/plan-trust.js";
import { logStartupVerdict } from "./local/doctor.js";
import { InProcessQueue } from "./runs/in-process-queue.js";
import { resumeInterruptedRuns } from "./runs/resume-interrupted.js";
import type { RunJob } from "./runs/run-job.js";
import type { RunQueue } from "./runs/run-queue.js";
import { botLoginOf, createRunProcessor } from "./runs/worker.js";
import { timeWebhookAcks } from "./ops/ack-timer.js";
import { AppMetrics } from "./ops/metrics.js";
import { opsHandler } from "./ops/routes.js";
import { limitWebhookBodies } from "./webhook-body-limit.js";
import { skipEarly, type EarlyChecks } from "./webhook-early-skip.js";

export interface AppOptions {
  env: ServerEnv;
  /** A shared queue (BullMQ): this process then only enqueues. Default: an in-process queue and worker. */
  queue?: RunQueue;
  deliveries?: DeliveryLog;
  /** Receives the queue once the app is loaded (for shutdown, and for tests to wait on). */
  onQueue?: (queue: RunQueue) => void;
  /** Probot's WEBHOOK_PATH, where bodies are read (bounded) before Probot's middleware sees them. */
  webhookPath?: string;
  /** The app's Prometheus metrics (startServer shares them with its counting Octokit); default: its own. */
  metrics?: AppMetrics;
}

/** The Probot app: wires webhook events to thin handlers; the work happens in the queue's worker. */
export function createApp(options: AppOptions): ApplicationFunction {
  return (app: Probot, server?: Partial<ApplicationFunctionOptions>) => {
    const webhookPath = options.webhookPath ?? "/api/github/webhooks";
    // Inside the body limit (which reads the body): deliveries a cheap check skips are answered before Probot.
    const early: EarlyChecks = new Map();
    skipEarly(app, early, webhookPath);
    limitWebhookBodies(app, { path: webhookPath });
    const metrics = options.metrics ?? new AppMetrics();
    timeWebhookAcks(app, metrics, webhookPath);
    const botLogin = botLoginOf(app);
    // Per app instance, so two apps in one process (tests) share nothing. The in-process worker and the
    // edit handler share the plan copies: the handler can then undo an edit to the app's own last version.
    const permissions = new Permissions();
    const planTrust = new PlanTrust(permissions);
    // What the LLM endpoint turns out to need is learned once, by the start-up check or the first run.
    const llmMemory = new EndpointMemory();
    if (options.env.L2MAC_STARTUP_CHECK === "true") logStartupVerdict(options.env, app.log, llmMemory);
    const shared = {
      botLogin,
      planTrust,
      checkSyntax: createSyntaxChecker({ warn: (what, message) => app.log.warn(what, message) }),
      ciRuns: new WorkflowRunsCache(),
      conditional: new ConditionalCache(),
      llmMemory,
      metrics,
      uninstalled: new Uninstalled(),
    };
    const ack = new AckFirst(app.log);
    const queue = options.queue ?? inProcessQueue(app, options.env, shared);
    queue.fedBy?.(ack);
    options.onQueue?.(queue);
    const depth = () => queue.depth();
    metrics.watchQueue(depth);
    server?.addHandler?.(opsHandler({ metrics, ready: depth }));
    const deliveries = options.deliveries ?? new MemoryDeliveryLog();
    const enqueue = (job: RunJob, later?: { delayMs?: number }) =>
      void queue.enqueue(job, later).catch((e: unknown) => app.log.error({ err: e }, "could not enqueue a run"));
    const abort = (job: RunJob, reason: string) => void queue.abort(job, reason);
    const removed = {
      uninstalled: shared.uninstalled,
      removed: (removal: Removal) =>
        void queue.removed(removal, UNINSTALLED_REASON).catch((e: unknown) => app.log.warn({ err: e }, "could not tell the workers")),
    };
    app.on("installation.deleted", onInstallationDeleted(removed));
    app.on("installation_repositories.removed", onRepositoriesRemoved(removed));
    const deps = { env: options.env, ack, early, deliveries, permissions, planTrust, botLogin, conditional: shared.conditional };
    onEvents(app, { ...deps, enqueue, abort });
  };
}

/** Runs in this process (no shared queue): it also resumes the runs that were active when it last stopped. */
function inProcessQueue(app: Probot, env: ServerEnv, shared: Parameters<typeof createRunProcessor>[2]): RunQueue {
  const local = new InProcessQueue(createRunProcessor(app, env, shared), env.L2MAC_WORKER_CONCURRENCY, (job, error) =>
    app.log.error({ err: error, repo: `${job.owner}/${job.repo}`, issue: job.issueNumber }, "run failed with an unexpected error"),
  );
  // Nothing else remembers runs that were active when this process last stopped.
  void resumeInterruptedRuns(app, (job) => local.enqueue(job), shared.botLogin, app.log).catch((e: unknown) =>
    app.log.warn({ err: e }, "could not scan for interrupted runs"),
  );
  return local;
}

interface EventDeps {
  env: ServerEnv;
  ack: AckFirst;
  /** Filled here: each event's cheap check, for skipEarly. Only for an event with one handler, which makes it too. */
  early: EarlyChecks;
  deliveries: DeliveryLog;
  permissions: Permissions;
  planTrust: PlanTrust;
  botLogin: () => Promise<string>;
  conditional: ConditionalCache;
  enqueue: (job: RunJob, later?: { delayMs?: number }) => void;
  abort: (job: RunJob, reason: string) => void;
}

/** The events and their handlers. Each runs after the acknowledgement; the checks passed to `later` need no request. */
function onEvents(app: Probot, deps: EventDeps): void {
  const { env, ack, early, deliveries, permissions, planTrust, botLogin, conditional, enqueue, abort } = deps;
  const replies = new ReplyLimiter();
  const labels = new ConfiguredLabels();
  const labeled = onIssueLabeled({ env, deliveries, permissions, replies, enqueue, labels, conditional });
  const startable = (payload: Parameters<typeof whyNotStart>[0]) => whyNotStart(payload, labels);
  early.set("issues.labeled", startable).set("issue_comment.created", whyNotCommand).set("issue_comment.edited", whyNotPlanEdit);
  app.on(
    "issues.labeled",
    ack.later(labeled, (c) => startable(c.payload)),
  );
  app.on("issues.edited", ack.later(onIssueEdited({ deliveries, enqueue })));
  app.on("workflow_run.completed", ack.later(onWorkflowRunCompleted({ deliveries, enqueue })));
  app.on(
    "issue_comment.created",
    ack.later(onCommand({ botLogin, deliveries, permissions, replies, enqueue, abort }), (c) => whyNotCommand(c.payload)),
  );
  app.on(
    "issue_comment.edited",
    ack.later(onPlanCommentEdited({ botLogin, deliveries, permissions, replies, planTrust }), (c) => whyNotPlanEdit(c.payload)),
  );
  const review = { botLogin, deliveries, permissions, replies, enqueue };
  app.on("pull_request_review.submitted", ack.later(onReviewSubmitted(review)));
  app.on("pull_request_review_comment.created", ack.later(onReviewComment(review)));
  app.on("pull_request.closed", ack.later(onPullClosed({ botLogin, deliveries, enqueue, abort })));
  app.on(["issues.closed", "issues.unlabeled"], ack.later(onIssueEnded({ botLogin, deliveries, enqueue, abort })));
  // Before the acknowledgement, without a request: the running instruction of a run these end stops now.
  app.on("pull_request.closed", stopOnPullClosed({ botLogin, abort }));
  app.on(["issues.closed", "issues.unlabeled"], stopOnIssueEnded({ abort, labels }));
}

/** For `probot run lib/index.js`: the app configured from the process environment, in-process queue. */
export default (app: Probot) => createApp({ env: readServerEnv(process.env), webhookPath: process.env.WEBHOOK_PATH })(app, {} as never);
