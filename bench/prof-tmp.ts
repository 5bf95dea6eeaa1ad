/**
 * Webhook acknowledgement latency at a steady delivery rate: deliveries the app ignores (a label it does
 * not use), deliveries it acts on (`/l2mac help` from a writer), and a raw `node:http` server that only
 * verifies the same signature — all in one run, against the loopback fake GitHub. Prints p50/p99 and
 * the ratios to the raw server. Each server first gets a warm-up of `--warmup` seconds at the same rate
 * (JIT, connection pools, lazy imports), left out of the figures. The app logs at `info` as JSON (an
 * operator's default level, `LOG_LEVEL=info`), to /dev/null rather than this terminal.
 *
 *   node --import tsx bench/ack-latency.ts [-- --rate 200 --seconds 5 --warmup 1]
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { sign, verify } from "@octokit/webhooks-methods";
import { REPO, freePort, startHarness } from "../test/support/app-harness.js";
import { scriptedAgent } from "../test/support/scripted-agent.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
  },
});
const rate = Number(values.rate);
const total = Math.round(rate * Number(values.seconds));
const warmup = Math.round(rate * Number(values.warmup));

const log = pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true }));
const h = await startHarness({ llm: scriptedAgent({ plan: ["Nothing."], steps: [] }), log });
const secret = h.env.WEBHOOK_SECRET;

/** Sends `count` signed deliveries at `rate` per second to `url`; resolves with each one's latency (ms). */
async function load(url: string, event: string, payloadOf: (i: number) => object, count: number): Promise<number[]> {
  const latencies: number[] = [];
  const sends: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = JSON.stringify(payloadOf(i));
    const signature = await sign(secret, body);
    const sent = performance.now();
    const headers = {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": `bench-${event}-${i}-${Math.random()}`,
      "x-hub-signature-256": signature,
    };
    sends.push(
      fetch(url, { method: "POST", headers, body }).then(async (res) => {
        const text = await res.text();
        if (res.status >= 300) throw new Error(`delivery to ${url} answered ${res.status}: ${text.slice(0, 200)}`);
        latencies.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(sends);
  return latencies;
}

/** The warm-up's deliveries (payloads from `warmup` on are the measured ones'), then the measured. */
async function measure(url: string, event: string, payloadOf: (i: number) => object): Promise<number[]> {
  await load(url, event, payloadOf, warmup);
  return load(url, event, (i) => payloadOf(warmup + i), total);
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

const rawPort = await freePort();
const raw = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    void verify(secret, body, String(req.headers["x-hub-signature-256"] ?? "")).then((ok) => res.writeHead(ok ? 200 : 401).end());
  });
});
await new Promise<void>((r) => raw.listen(rawPort, "127.0.0.1", r));

try {
  await new Promise((r) => setTimeout(r, 1500)); // the start-up scan is not part of this
  const issue = h.gh.createIssue(REPO, { title: "Bench", body: "Nothing to do." });
  const labeled = h.gh.issueLabeledPayload(REPO, issue.number, "bug");
  const ignoredPayload = () => labeled;
  // The comments exist on the fake, as they would on GitHub, so the app's reactions to them land.
  const helps = Array.from({ length: warmup + total }, () => h.gh.addComment(REPO, issue.number, "/l2mac help", "alice"));
  const helpPayload = (i: number) =>
    h.gh.issueCommentPayload(REPO, issue.number, "created", { id: helps[i]!.id, body: "/l2mac help", user: "alice" }, "alice");
  const rows: Array<[string, number[]]> = [];
  rows.push(["raw node:http, signature verified", await measure(`http://127.0.0.1:${rawPort}/`, "issues", ignoredPayload)]);
  console.log("IGN_START", process.hrtime.bigint() / 1000n);
  rows.push(["app, ignored (label it does not use)", await measure(h.webhookUrl, "issues", ignoredPayload)]);
  console.log("IGN_END", process.hrtime.bigint() / 1000n);
  rows.push(["app, acted on (/l2mac help by a writer)", await measure(h.webhookUrl, "issue_comment", helpPayload)]);
  await h.idle();
  const [rawP50, rawP99] = [quantile(rows[0]![1], 0.5), quantile(rows[0]![1], 0.99)];
  console.log(`ack latency, ${total} deliveries each at ${rate}/s, after ${warmup} of warm-up (app at LOG_LEVEL=info):`);
  for (const [name, xs] of rows) {
    const p50 = quantile(xs, 0.5);
    const p99 = quantile(xs, 0.99);
    console.log(
      `  ${name.padEnd(42)} p50 ${p50.toFixed(1).padStart(7)} ms  p99 ${p99.toFixed(1).padStart(7)} ms  max ${Math.max(...xs)
        .toFixed(0)
        .padStart(6)} ms` + `  (×${(p50 / rawP50).toFixed(1)} / ×${(p99 / rawP99).toFixed(1)} raw)`,
    );
  }
} finally {
  raw.close();
  await h.close();
}
