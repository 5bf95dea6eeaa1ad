/* global performance, setTimeout, fetch */
/**
 * The ack bench's sender, in a worker thread (as GitHub's sender is another machine): the servers'
 * event loop then serves deliveries and does not also build and send them. Sends the prepared, signed
 * deliveries at `rate` per second and posts back each one's latency (ms), from sending to the answer.
 * Plain JavaScript: a worker thread does not inherit tsx's loader.
 */
import { parentPort, workerData } from "node:worker_threads";

/** @type {{ url: string; rate: number; deliveries: Array<{ headers: Record<string, string>; body: string }> }} */
const { url, rate, deliveries } = workerData;
/** @type {number[]} */
const latencies = [];
/** @type {Promise<void>[]} */
const sends = [];
const start = performance.now();
for (const [i, { headers, body }] of deliveries.entries()) {
  const wait = start + (i * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const sent = performance.now();
  sends.push(
    fetch(url, { method: "POST", headers, body }).then(async (res) => {
      const text = await res.text();
      if (res.status >= 300) throw new Error(`delivery to ${url} answered ${res.status}: ${text.slice(0, 200)}`);
      latencies.push(performance.now() - sent);
    }),
  );
}
await Promise.all(sends);
parentPort?.postMessage(latencies);
