/**
 * Memory of one worker process working on 20 runs at once (BullMQ on Redis, scripted LLM replying after
 * a delay so the runs overlap). Reported against the same worker's idle memory, measured in the same run,
 * so the ratio means something on a shared, noisy machine.
 *
 *   npm run bench:rss [-- --runs 20 --latency 300]
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { planPhase, startCluster, taskAgent } from "../test/support/cluster.js";
import { eventually, reachableRedis } from "../test/support/processes.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" }, latency: { type: "string", default: "300" } } });
const runs = Number(values.runs);
const redisUrl = await reachableRedis();
if (!redisUrl) process.exit(1);

const rssMb = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
};

const cluster = await startCluster({ llm: taskAgent({ delayMs: Number(values.latency) }), redisUrl });
try {
  await cluster.startServerHere();
  const worker = cluster.spawn("worker", { L2MAC_WORKER_CONCURRENCY: String(runs), LOG_LEVEL: "warn" }, true);
  await worker.waitFor(/"level"/, 30_000).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 2000));
  const pid = worker.child.pid!;
  const idle: number[] = [];
  for (let i = 0; i < 10; i++) {
    idle.push(await rssMb(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  const idleMb = idle.reduce((a, b) => a + b, 0) / idle.length;

  const issues = Array.from(
    { length: runs },
    (_, i) => cluster.gh.createIssue("acme/demo", { title: `Task ${i + 1}`, body: `Write the files for task ${i + 1}.` }).number,
  );
  const samples: number[] = [];
  const sampler = setInterval(() => void rssMb(pid).then((mb) => samples.push(mb)), 100);
  const started = Date.now();
  await Promise.all(issues.map((n) => cluster.deliver("issues", cluster.gh.issueLabeledPayload("acme/demo", n, "l2mac"))));
  await eventually(() => issues.every((n) => planPhase(cluster.gh, "acme/demo", n) === "done"), 300_000, "all runs done");
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  const peak = Math.max(...samples);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  console.log(`worker RSS, ${runs} concurrent runs (LLM latency ${values.latency} ms, ${seconds.toFixed(1)} s to finish all):`);
  console.log(`  idle baseline (same process, same run): ${idleMb.toFixed(1)} MB`);
  console.log(`  during the runs: mean ${mean.toFixed(1)} MB, peak ${peak.toFixed(1)} MB`);
  console.log(`  peak / idle = ${(peak / idleMb).toFixed(2)}×; ≈ ${((peak - idleMb) / runs).toFixed(2)} MB per concurrent run`);
} finally {
  await cluster.close();
}
