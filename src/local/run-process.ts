import { spawn } from "node:child_process";

const MAX_OUTPUT = 200_000;

// Generated code runs under these commands: it gets no credentials of the user's.
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;
export const withoutSecrets = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET_NAME.test(k)));

export interface ProcessOutcome {
  /** Exit code; null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError?: NodeJS.ErrnoException;
  /** stdout and stderr interleaved, the last {@link MAX_OUTPUT} characters. */
  output: string;
}

/**
 * Runs a program in its own process group, without the user's secrets in its environment, with a time
 * limit after which the whole group (the program's children too) is killed. Output is kept bounded.
 */
export function runProcess(
  file: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...withoutSecrets(), ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.length > MAX_OUTPUT * 2) output = output.slice(-MAX_OUTPUT);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", kill, { once: true });
    const done = (outcome: Omit<ProcessOutcome, "output" | "timedOut">) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
      resolve({ ...outcome, timedOut, output: output.slice(-MAX_OUTPUT) });
    };
    child.on("error", (e: NodeJS.ErrnoException) => done({ code: null, signal: null, spawnError: e }));
    child.on("close", (code, signal) => done({ code, signal }));
  });
}
