/**
 * How long the app's handling of hostile input holds the event loop: the excerpt of a hostile job log
 * (unterminated escapes, 200 KB words) and view_files on a large file, whole and by range.
 *
 *   node --import tsx bench/hostile-input.ts [-- --log-mb 2 --file-mb 40]
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DirectoryFileStore } from "../src/engine/directory-file-store.js";
import { viewFiles } from "../src/engine/tools/view.js";
import { excerptJobLog } from "../src/github/job-log.js";
import { hostileJobLog } from "../test/support/hostile-text.js";

const { values } = parseArgs({ options: { "log-mb": { type: "string", default: "2" }, "file-mb": { type: "string", default: "40" } } });

const time = async <T>(label: string, run: () => T | Promise<T>): Promise<T> => {
  const start = performance.now();
  const out = await run();
  console.log(`${label}: ${(performance.now() - start).toFixed(0)} ms`);
  return out;
};

const log = hostileJobLog(Number(values["log-mb"]) * 1_000_000);
const excerpt = await time(`excerpt of a ${values["log-mb"]} MB hostile log`, () => excerptJobLog(log, 4000));
console.log(`  excerpt: ${excerpt.length} characters`);

const dir = await mkdtemp(join(tmpdir(), "l2mac-bench-"));
try {
  const out = createWriteStream(join(dir, "big.log"));
  const lines = Math.round((Number(values["file-mb"]) * 1_000_000) / 45);
  for (let i = 1; i <= lines; i += 1000) {
    let chunk = "";
    for (let j = i; j < i + 1000; j++) chunk += `line ${String(j).padStart(8, "0")} the quick brown fox jumps over\n`;
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  const store = new DirectoryFileStore(dir);
  const rss = () => `${Math.round(process.memoryUsage().rss / (1 << 20))} MB RSS`;
  console.log(`before views: ${rss()}`);
  await time(`view a ${values["file-mb"]} MB file whole (20k-token budget)`, () => viewFiles(store, [{ path: "big.log" }], 20_000));
  const middle = Math.floor(lines / 2);
  await time(`view 10 lines from its middle`, () =>
    viewFiles(store, [{ path: "big.log", startLine: middle, endLine: middle + 9 }], 20_000),
  );
  console.log(`after views: ${rss()}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
