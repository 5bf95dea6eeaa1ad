import { spawn } from "node:child_process";
import type { Evaluation, Evaluator } from "../engine/evaluator.js";

const MAX_OUTPUT = 200_000;

// The generated code runs under this command: it gets no credentials of the user's.
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;
const withoutSecrets = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !SECRET_NAME.test(k)));

/**
 * The CLI's opt-in evaluator (`--test-cmd`): runs a shell command in the workspace. Only a zero exit
 * passes; a timeout is a failure (the reference counted it as a pass).
 */
export class ShellEvaluator implements Evaluator {
  constructor(
    private readonly command: string,
    private readonly cwd: string,
    private readonly timeoutMs = 300_000,
  ) {}

  evaluate(options: { signal?: AbortSignal } = {}): Promise<Evaluation> {
    return new Promise((resolve) => {
      // Its own process group, so a timeout kills the command's children too.
      const child = spawn("sh", ["-c", this.command], {
        cwd: this.cwd,
        env: withoutSecrets(),
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
      }, this.timeoutMs);
      options.signal?.addEventListener("abort", kill, { once: true });
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ ok: false, output: `could not run \`${this.command}\`: ${e.message}` });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const tail = output.slice(-MAX_OUTPUT);
        if (timedOut)
          resolve({
            ok: false,
            output: `\`${this.command}\` timed out after ${Math.round(this.timeoutMs / 1000)} s and was stopped. Output so far:\n${tail}`,
          });
        else if (code === 0) resolve({ ok: true, output: tail });
        else
          resolve({
            ok: false,
            output: `\`${this.command}\` failed (${code === null ? `signal ${signal}` : `exit code ${code}`}):\n${tail}`,
          });
      });
    });
  }
}
