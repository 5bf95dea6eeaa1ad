import { LRUCache } from "lru-cache";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Phase } from "../github/phase.js";
import type { RunMetrics } from "../runs/run-metrics.js";

/** What the queue says about its backlog, asked at scrape time. */
export type QueueDepth = () => Promise<Record<string, number>>;

/**
 * The app's Prometheus metrics, one registry per app instance (two apps in one process share nothing).
 * Runs by phase is the last phase seen of each run this process advanced (bounded): with BullMQ the
 * workers advance runs, so the server's figure covers only what it ran itself.
 */
export class AppMetrics implements RunMetrics {
  readonly registry = new Registry();
  private readonly phases = new LRUCache<string, Phase>({ max: 10_000 });
  private depth: QueueDepth | undefined;
  private readonly instructions: Counter;
  private readonly tokens: Counter<"model" | "kind">;
  private readonly cost: Counter<"model">;
  private readonly requests: Counter<"status" | "billable">;
  readonly ack: Histogram<"event">;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "l2mac_" });
    const phases = this.phases;
    new Gauge({
      name: "l2mac_runs",
      help: "Runs by the phase their last advance in this process ended in",
      labelNames: ["phase"],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const phase of phases.values()) counts.set(phase, (counts.get(phase) ?? 0) + 1);
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
    const depthOf = () => this.depth?.();
    new Gauge({
      name: "l2mac_queue_jobs",
      help: "Jobs in the run queue by state (waiting, delayed for CI, active)",
      labelNames: ["state"],
      registers,
      async collect() {
        this.reset();
        const counts = await depthOf()?.catch(() => undefined);
        for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
      },
    });
    this.instructions = new Counter({
      name: "l2mac_instructions_done_total",
      help: "Instructions finished (committed and, with CI, accepted)",
      registers,
    });
    this.tokens = new Counter({ name: "l2mac_llm_tokens_total", help: "LLM tokens", labelNames: ["model", "kind"], registers });
    this.cost = new Counter({
      name: "l2mac_llm_cost_usd_total",
      help: "LLM cost in USD (priced models only)",
      labelNames: ["model"],
      registers,
    });
    this.requests = new Counter({
      name: "l2mac_github_requests_total",
      help: "GitHub REST requests by status; 304 answers to conditional requests are not billable",
      labelNames: ["status", "billable"],
      registers,
    });
    this.ack = new Histogram({
      name: "l2mac_webhook_ack_seconds",
      help: "Time from a webhook delivery's arrival to its response",
      labelNames: ["event"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** The queue whose depth is reported (set once the app has one). */
  watchQueue(depth: QueueDepth): void {
    this.depth = depth;
  }

  runAdvanced(run: string, phase: Phase): void {
    this.phases.set(run, phase);
  }

  instructionDone(): void {
    this.instructions.inc();
  }

  llmCall(model: string, promptTokens: number, completionTokens: number, costUsd: number): void {
    this.tokens.inc({ model, kind: "prompt" }, promptTokens);
    this.tokens.inc({ model, kind: "completion" }, completionTokens);
    if (costUsd > 0) this.cost.inc({ model }, costUsd);
  }

  /** One HTTP answer from GitHub's REST API (status 0: no answer, e.g. a reset connection). */
  githubRequest(status: number): void {
    this.requests.inc({ status: String(status), billable: status === 304 || status === 0 ? "false" : "true" });
  }
}
