import type { Evaluation, Evaluator } from "../engine/evaluator.js";
import { runProcess } from "./run-process.js";

/**
 * The CLI's opt-in evaluator (`--test-cmd`): runs a shell command in the workspace. Only a zero exit
 * passes; a timeout is a failure (the reference counted it as a pass).
 */
export class ShellEvaluator implements Evaluator {
  constructor(
    private readonly command: string,
    private readonly cwd: string,
    private readonly timeoutMs = 300_000,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  async evaluate(options: { signal?: AbortSignal } = {}): Promise<Evaluation> {
    const run = await runProcess("sh", ["-c", this.command], {
      cwd: this.cwd,
      timeoutMs: this.timeoutMs,
      signal: options.signal,
      env: this.env,
    });
    if (run.spawnError) return { ok: false, output: `could not run \`${this.command}\`: ${run.spawnError.message}` };
    if (run.timedOut) {
      return {
        ok: false,
        output: `\`${this.command}\` timed out after ${Math.round(this.timeoutMs / 1000)} s and was stopped. Output so far:\n${run.output}`,
      };
    }
    if (run.code === 0) return { ok: true, output: run.output };
    return {
      ok: false,
      output: `\`${this.command}\` failed (${run.code === null ? `signal ${run.signal}` : `exit code ${run.code}`}):\n${run.output}`,
    };
  }
}
