import { describe, expect, it } from "vitest";
import { REPO } from "../support/app-harness.js";
import { useHarness } from "../support/scenario.js";
import { scriptedAgent, write } from "../support/scripted-agent.js";

const app = useHarness();

const agent = () =>
  scriptedAgent({
    plan: ["Write the greeting file."],
    steps: [{ match: "greeting file", actions: [write({ "hello.txt": "hi\n" })], summary: "Wrote hello.txt." }],
  });

/** One sample's value from Prometheus text, e.g. sample(text, 'l2mac_runs{phase="done"}'). */
function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : undefined;
}

const base = (webhookUrl: string) => new URL(webhookUrl).origin;

describe("operators' endpoints on the Probot server", () => {
  it("answers /healthz and /readyz, and /metrics counts what a run did", async () => {
    const h = await app.start({ llm: agent() });
    const origin = base(h.webhookUrl);
    const health = await fetch(`${origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);

    const issue = h.gh.createIssue(REPO, { title: "Greet", body: "Add a greeting file." });
    expect((await h.label(issue.number)).status).toBe(200);
    await h.idle();

    const res = await fetch(`${origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(sample(text, 'l2mac_runs{phase="done"}')).toBe(1);
    expect(sample(text, "l2mac_instructions_done_total")).toBe(1);
    expect(sample(text, 'l2mac_llm_tokens_total{model="gpt-4o-mini",kind="prompt"}')).toBeGreaterThan(0);
    expect(sample(text, 'l2mac_llm_cost_usd_total{model="gpt-4o-mini"}')).toBeGreaterThan(0);
    // Every REST answer the fake gave the app is counted, by status.
    const answered = h.gh.requests.filter((r) => r.path.startsWith("/api/v3/")).length;
    const counted = [...text.matchAll(/^l2mac_github_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(counted).toBe(answered);
    expect(sample(text, 'l2mac_github_requests_total{status="201",billable="true"}')).toBeGreaterThan(0);
    expect(sample(text, 'l2mac_webhook_ack_seconds_count{event="issues"}')).toBe(1);
    expect(sample(text, 'l2mac_queue_jobs{state="active"}')).toBe(0);
  });

  it("is not ready while the queue's Redis cannot be reached", async () => {
    // Nothing listens on port 1: BullMQ's commands wait for a connection that never comes.
    const h = await app.start({ llm: agent(), env: { REDIS_URL: "redis://127.0.0.1:1/4" } });
    const origin = base(h.webhookUrl);
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { status: string }).status).toBe("not ready");
  });

  it("is ready with a reachable Redis", async () => {
    const h = await app.start({ llm: agent(), env: { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/4" } });
    const ready = await fetch(`${base(h.webhookUrl)}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${base(h.webhookUrl)}/metrics`)).text();
    expect(metrics).toMatch(/^l2mac_queue_jobs\{state="waiting"\} \d+$/m);
  });
});
