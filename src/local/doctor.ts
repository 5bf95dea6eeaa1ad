import { parseArgs } from "node:util";
import { z } from "zod";
import type { LlmEnv } from "../config.js";
import type { EndpointMemory } from "../engine/endpoint-memory.js";
import { diagnose, type CheckStatus, type Verdict } from "../engine/llm-doctor.js";
import { connectOptionsFromEnv, type LlmOverrides } from "../llm-env.js";
import { llmEnv, MISSING_KEY } from "./llm-settings.js";
import { UsageError } from "./local-run.js";

export const DOCTOR_USAGE = `Usage: l2mac doctor [--model NAME] [--base-url URL] [--context-window N]

Checks that L2MAC will work with the configured LLM endpoint: reachable and authenticated, the model
listed, its context window and where it came from, one forced and one unforced tiny tool call.
Exit status: 0 when L2MAC will work, 1 otherwise (with the reason and what to do).`;

const Flags = z.object({
  model: z.string().trim().min(1).optional(),
  "base-url": z.string().url().optional(),
  "context-window": z.coerce.number().int().min(1024).optional(),
  help: z.boolean().default(false),
});

const MARK: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗", skip: "–" };

/** Checks the endpoint the environment (and flags) describe; a missing key is the verdict, not a crash. */
export async function checkEndpoint(env: LlmEnv, overrides: LlmOverrides = {}, memory?: EndpointMemory): Promise<Verdict> {
  const options = connectOptionsFromEnv(env, overrides);
  if (!options.apiKey)
    return { ok: false, sentence: MISSING_KEY, checks: [{ status: "fail", name: "configuration", detail: MISSING_KEY }] };
  return diagnose({ ...options, apiKey: options.apiKey, memory });
}

/** `l2mac doctor`; returns the exit status. */
export async function doctor(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  try {
    let raw;
    try {
      raw = parseArgs({
        args: [...argv],
        options: {
          model: { type: "string" },
          "base-url": { type: "string" },
          "context-window": { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\n\n${DOCTOR_USAGE}`);
    }
    const parsed = Flags.safeParse(raw.values);
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
    if (parsed.data.help) {
      io.stdout.write(`${DOCTOR_USAGE}\n`);
      return 0;
    }
    const flags = parsed.data;
    const verdict = await checkEndpoint(llmEnv(io.env), {
      model: flags.model,
      baseURL: flags["base-url"],
      contextWindow: flags["context-window"],
    });
    for (const check of verdict.checks) io.stdout.write(`${MARK[check.status]} ${check.name}: ${check.detail}\n`);
    if (verdict.ok) {
      io.stdout.write(`Verdict: ready. ${verdict.sentence}\n`);
      return 0;
    }
    io.stderr.write(`Verdict: not ready. ${verdict.sentence}\n`);
    return 1;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`l2mac doctor: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The server's start-up: the same verdict, logged once, never delaying or failing the start. */
export function logStartupVerdict(env: LlmEnv, log: Log, memory?: EndpointMemory): void {
  void checkEndpoint(env, {}, memory).then(
    (verdict) => {
      const checks = verdict.checks.map((c) => `${MARK[c.status]} ${c.name}: ${c.detail}`);
      if (verdict.ok) log.info({ llm: "ready", checks }, `LLM check: ready. ${verdict.sentence}`);
      else log.warn({ llm: "not ready", checks }, `LLM check: not ready. ${verdict.sentence}`);
    },
    (error: unknown) => log.warn({ err: error }, "LLM check could not run"),
  );
}
