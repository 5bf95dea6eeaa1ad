/**
 * Webhook acknowledgement latency at a steady delivery rate: deliveries the app ignores (a label it does
 * not use), deliveries it acts on (`/l2mac help` from a writer), and a raw `node:http` server that only
 * verifies the same signature — all in one run, against the loopback fake GitHub. Prints p50/p99 and
 * the ratios to the raw server. Each server first gets a warm-up of `--warmup` seconds at the same rate
 * (JIT, connection pools, lazy imports), left out of the figures. The app logs at `info` as JSON (an
 * operator's default level, `LOG_LEVEL=info`), to /dev/null rather than this terminal.
 *
 * The three are measured in turn, `--rounds` times; the figures are medians over the rounds.
 *
 *   node --import tsx bench/ack-latency.ts [-- --rate 200 --seconds 5 --warmup 1 --rounds 3]
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { pino } from "pino";
import { sign, verify } from "@octokit/webhooks-methods";
import { REPO, freePort, startHarness } from "../test/support/app-harness.js";
import { scriptedAgent } from "../test/support/scripted-agent.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
  },
});
const rate = Number(values.rate);
const total = Math.round(rate * Number(values.seconds));
const warmup = Math.round(rate * Number(values.warmup));
const rounds = Number(values.rounds);

const log = pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true }));
const h = await startHarness({ llm: scriptedAgent({ plan: ["Nothing."], steps: [] }), log });
const secret = h.env.WEBHOOK_SECRET;

/** Sends `count` signed deliveries at `rate` per second to `url` from a worker thread; each one's latency (ms). */
async function load(url: string, event: string, payloadOf: (i: number) => object, count: number): Promise<number[]> {
  const deliveries = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const body = JSON.stringify(payloadOf(i));
      const headers = {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": `bench-${event}-${i}-${Math.random()}`,
        "x-hub-signature-256": await sign(secret, body),
      };
      return { headers, body };
    }),
  );
  const job = { url, rate, deliveries };
  const worker = new Worker(new URL("./ack-load.mjs", import.meta.url), { workerData: job });
  return new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject));
}

/** Latencies and the process's CPU time per delivery (ms: the servers here, the fake GitHub and the sender). */
type Measured = { latencies: number[]; cpuMs: number };

/** The warm-up's deliveries (payloads from `warmup` on are the measured ones'), then the measured. */
async function measure(url: string, event: string, payloadOf: (i: number) => object): Promise<Measured> {
  await load(url, event, payloadOf, warmup);
  const cpu = process.cpuUsage();
  const latencies = await load(url, event, (i) => payloadOf(warmup + i), total);
  const used = process.cpuUsage(cpu);
  return { latencies, cpuMs: (used.user + used.system) / 1000 / total };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** Per kind, the median over rounds of p50, p99 and CPU, with each round's p99. */
function report(kinds: string[], results: Measured[][]): void {
  const median = (xs: number[]) => quantile(xs, 0.5);
  const rows = results.map((rounds) => ({
    p50: median(rounds.map((r) => quantile(r.latencies, 0.5))),
    p99s: rounds.map((r) => quantile(r.latencies, 0.99)),
    cpuMs: median(rounds.map((r) => r.cpuMs)),
  }));
  const raw = rows[0]!;
  console.log(`ack latency, ${rounds} rounds of ${total} deliveries each at ${rate}/s after ${warmup} of warm-up; app at LOG_LEVEL=info`);
  console.log("medians over the rounds (each round's p99 in brackets):");
  kinds.forEach((name, k) => {
    const { p50, p99s, cpuMs } = rows[k]!;
    const p99 = median(p99s);
    const each = p99s.map((x) => x.toFixed(0)).join(", ");
    const ratios = `×${(p50 / raw.p50).toFixed(1)} / ×${(p99 / median(raw.p99s)).toFixed(1)} raw`;
    console.log(
      `  ${name.padEnd(40)} p50 ${p50.toFixed(1).padStart(6)} ms  p99 ${p99.toFixed(1).padStart(7)} ms [${each}]  (${ratios})  CPU ${cpuMs.toFixed(2)} ms/delivery`,
    );
  });
}

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
  const perRound = warmup + total;
  const helps = Array.from({ length: rounds * perRound }, () => h.gh.addComment(REPO, issue.number, "/l2mac help", "alice"));
  const helpPayload = (round: number) => (i: number) =>
    h.gh.issueCommentPayload(
      REPO,
      issue.number,
      "created",
      { id: helps[round * perRound + i]!.id, body: "/l2mac help", user: "alice" },
      "alice",
    );
  const kinds = ["raw node:http, signature verified", "app, ignored (label it does not use)", "app, acted on (/l2mac help by a writer)"];
  const results: Measured[][] = kinds.map(() => []);
  // Rounds interleave the three, so a burst of other work on the machine falls on all of them alike.
  for (let round = 0; round < rounds; round++) {
    results[0]!.push(await measure(`http://127.0.0.1:${rawPort}/`, "issues", ignoredPayload));
    results[1]!.push(await measure(h.webhookUrl, "issues", ignoredPayload));
    results[2]!.push(await measure(h.webhookUrl, "issue_comment", helpPayload(round)));
    await h.idle();
  }
  report(kinds, results);
} finally {
  raw.close();
  await h.close();
}
