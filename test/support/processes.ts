import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = import.meta.resolve("tsx");

/** One of the app's entry points (`src/server.ts`, `src/worker.ts`) as a real process, its output kept. */
export class AppProcess {
  readonly child: ChildProcess;
  private out = "";
  readonly exited: Promise<number | null>;

  /** `compiled` runs lib/<entry>.js (after `npm run build`), as production does, instead of the sources. */
  constructor(entry: "server" | "worker", env: Record<string, string>, compiled = false) {
    const args = compiled ? [`${root}/lib/${entry}.js`] : ["--import", tsx, `${root}/src/${entry}.ts`];
    this.child = spawn(process.execPath, args, {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", LOG_FORMAT: "json", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (c) => (this.out += c));
    this.child.stderr!.on("data", (c) => (this.out += c));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get output(): string {
    return this.out;
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(this.out)) {
      if (this.child.exitCode !== null) throw new Error(`process exited before ${pattern}: ${this.out.slice(-2000)}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}: ${this.out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}

/** Polls until `check` holds. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 60_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** REDIS_URL when a server answers there; tests that need Redis are skipped, visibly, otherwise. */
export async function reachableRedis(): Promise<string | undefined> {
  const url = process.env.REDIS_URL;
  if (!url) {
    console.warn("⚠ Redis tests skipped: REDIS_URL is not set (.ci/run sets it and starts Redis).");
    return undefined;
  }
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch {
    console.warn(`⚠ Redis tests skipped: no Redis answers at ${url}.`);
    return undefined;
  } finally {
    probe.disconnect();
  }
}
