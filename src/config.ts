import { z } from "zod";
import { azureConnection } from "./engine/azure.js";

/**
 * Configuration at the edges, parsed with zod: the server's environment and the repository's
 * `.github/l2mac.yml`. Inside the app these types are trusted.
 */

/** Empty variables count as unset, as shells and .env files commonly leave them. */
const unsetIfBlank = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

const optionalText = unsetIfBlank(z.string().trim().optional());

export const DEFAULT_MODEL = "gpt-4o";

const optionalModel = unsetIfBlank(z.string().trim().min(1).optional());

/** The LLM connection, shared by the server and the CLI (whose flags override it). docs/providers.md has the details. */
export const LlmEnvSchema = z.object({
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: unsetIfBlank(z.string().trim().url().optional()),
  L2MAC_MODEL: unsetIfBlank(z.string().trim().min(1).default(DEFAULT_MODEL)),
  /** Models per role: the planner and the summariser default to L2MAC_MODEL (the executor). */
  L2MAC_PLANNER_MODEL: optionalModel,
  L2MAC_SUMMARY_MODEL: optionalModel,
  /** Unset: asked of the server, else the table of known models, else 4096 with a warning. */
  L2MAC_CONTEXT_WINDOW: unsetIfBlank(z.coerce.number().int().min(1024).optional()),
  L2MAC_MAX_RETRIES: unsetIfBlank(z.coerce.number().int().min(0).max(20).optional()),
  /** Azure OpenAI: an api-version selects the SDK's Azure client; L2MAC_MODEL is then the deployment name. */
  OPENAI_API_VERSION: optionalText,
  AZURE_OPENAI_ENDPOINT: unsetIfBlank(z.string().trim().url().optional()),
  AZURE_OPENAI_API_KEY: optionalText,
});
export type LlmEnv = z.infer<typeof LlmEnvSchema>;

export const ServerEnvSchema = LlmEnvSchema.extend({
  /** First interval between polls of a commit's CI runs; later polls back off. Webhooks usually come first. */
  L2MAC_CI_POLL_SECONDS: unsetIfBlank(z.coerce.number().positive().default(30)),
  /** How long planning may take before the issue gets a "planning" comment; a quicker plan is its first comment. */
  L2MAC_PLANNING_NOTICE_SECONDS: unsetIfBlank(z.coerce.number().nonnegative().default(3)),
  /** Redis for scale-out: the server only enqueues, `npm run worker` processes run the work. */
  REDIS_URL: optionalText,
  /** Prefix of every Redis key the app uses (queues, delivery ids). */
  L2MAC_QUEUE_PREFIX: unsetIfBlank(z.string().trim().default("l2mac")),
  /** Runs one process works on at once (in-process queue or `npm run worker`). */
  L2MAC_WORKER_CONCURRENCY: unsetIfBlank(z.coerce.number().int().min(1).max(256).default(2)),
  /** Lock on a run's job: a crashed worker's run is taken over about this long after it died. */
  L2MAC_JOB_LOCK_MS: unsetIfBlank(z.coerce.number().int().min(1000).default(30_000)),
  /** `npm run worker` serves /healthz, /readyz and /metrics on this port (none when unset). */
  L2MAC_METRICS_PORT: unsetIfBlank(z.coerce.number().int().min(1).max(65535).optional()),
  /** Octokit's throttling and retries (on by default): turn off only for a GitHub without secondary rate limits, or tests. */
  L2MAC_GITHUB_THROTTLE: unsetIfBlank(z.enum(["true", "false"]).default("true")),
  /** USD per million prompt / completion tokens, for models the app has no list price for. */
  L2MAC_PRICE_INPUT: unsetIfBlank(z.coerce.number().nonnegative().optional()),
  L2MAC_PRICE_OUTPUT: unsetIfBlank(z.coerce.number().nonnegative().optional()),
  /** Where working copies of feature branches live. */
  L2MAC_WORKDIR: optionalText,
  /** `l2mac doctor`'s checks of the LLM endpoint, logged once at start-up (never blocking it). */
  L2MAC_STARTUP_CHECK: unsetIfBlank(z.enum(["true", "false"]).default("true")),
});
export type ServerEnv = z.infer<typeof ServerEnvSchema>;

/** Parses an environment with `schema`; the error names each bad variable. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}

/** A combination of LLM variables no connection can be made from, as the sentence to show; undefined when fine. */
export function llmEnvProblem(env: LlmEnv): string | undefined {
  const azure = azureConnection({ baseURL: env.OPENAI_BASE_URL, apiVersion: env.OPENAI_API_VERSION, endpoint: env.AZURE_OPENAI_ENDPOINT });
  return typeof azure === "string" ? azure : undefined;
}

export function readServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const parsed = parseEnv(ServerEnvSchema, env);
  const problem = llmEnvProblem(parsed);
  if (problem) throw new Error(`Invalid environment: ${problem}`);
  return parsed;
}

const positive = z.number().positive();

// Each key's description is also the hover text editors show from the published JSON Schema (`npm run schema`).
export const RepoConfigSchema = z
  .object({
    label: z.string().trim().min(1).max(50).default("l2mac").describe("The label that starts a run."),
    model: z.string().trim().min(1).optional().describe("Overrides the server's model (L2MAC_MODEL) for this repository."),
    models: z
      .object({
        planner: z
          .string()
          .trim()
          .min(1)
          .optional()
          .describe("Plans the prompt program (default: L2MAC_PLANNER_MODEL, else the executor)."),
        executor: z.string().trim().min(1).optional().describe("Carries out the instructions (default: `model`, else L2MAC_MODEL)."),
        summary: z
          .string()
          .trim()
          .min(1)
          .optional()
          .describe("Writes each instruction's summary and progress notes (default: L2MAC_SUMMARY_MODEL, else the executor)."),
      })
      .strict()
      .optional()
      .describe("A model per role, e.g. a strong planner and a cheap summariser; each is priced on its own."),
    max_instructions: z.number().int().min(1).max(100).default(10).describe("Most instructions the planner may produce."),
    budgets: z
      .object({
        max_tokens: z.number().int().positive().optional().describe("Prompt and completion tokens per run; reaching it pauses the run."),
        max_cost_usd: positive.optional().describe("USD per run; reaching it pauses the run. Needs a known or configured model price."),
        max_turns_per_instruction: z
          .number()
          .int()
          .min(1)
          .max(500)
          .default(40)
          .describe(
            "LLM turns one instruction may take in one context before the run pauses. Each of the up to 30 " +
              "context restarts (the paper's r_max) starts a new count, so r_max is the limit that binds; " +
              "an instruction takes at most 31 times this many turns in all.",
          ),
      })
      .strict()
      .default({ max_turns_per_instruction: 40 })
      .describe("Limits on a run: reaching one pauses it with the reason."),
    branch_prefix: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._/-]*$/, "only letters, digits, '.', '_', '-' and '/'")
      .refine((p) => !p.includes("..") && !p.startsWith("/") && !p.includes("//"), "not a valid branch name prefix")
      .default("l2mac/")
      .describe("The run's branch is <prefix>issue-<n>."),
    paths: z
      .object({
        allow: z.array(z.string().min(1)).default(["**"]).describe("Globs the agent may write; everything else is read-only."),
        deny: z.array(z.string().min(1)).default([]).describe("Globs the agent may not write, even if allowed."),
      })
      .strict()
      .default({ allow: ["**"], deny: [] })
      .describe("Which files the agent may change (it can read everything)."),
    allow_workflow_changes: z
      .boolean()
      .default(false)
      .describe("Let the agent change .github/workflows/ (the installation also needs the `workflows` permission)."),
    ci: z
      .object({
        enabled: z.boolean().default(true).describe("Use the repository's GitHub Actions runs as the evaluator."),
        wait_for_runs_minutes: positive.default(3).describe("No workflow run within this time means no CI covers the branch."),
        timeout_minutes: positive.default(30).describe("CI not finished after this pauses the run."),
        fix_attempts: z.number().int().min(0).max(10).default(3).describe("Fix attempts for a failing instruction before the run pauses."),
      })
      .strict()
      .default({ enabled: true, wait_for_runs_minutes: 3, timeout_minutes: 30, fix_attempts: 3 })
      .describe("GitHub Actions as the evaluator."),
    require_approval: z.boolean().default(false).describe("Post the plan and wait for `/l2mac continue` before executing."),
    review: z
      .object({
        enabled: z.boolean().default(true).describe("Turn writers' reviews of the run's pull request into new instructions."),
        batch_seconds: z
          .number()
          .min(0)
          .max(3600)
          .default(60)
          .describe("Single line comments (outside a review) arriving within this many seconds make one wake-up."),
      })
      .strict()
      .default({ enabled: true, batch_seconds: 60 })
      .describe("Reviews of the run's pull request: each request becomes an instruction, answered in its thread."),
  })
  .strict();
export type RepoConfig = z.infer<typeof RepoConfigSchema>;

export type ConfigResult = { ok: true; config: RepoConfig } | { ok: false; problems: string[] };

/** Validates a parsed config file (null when there is none); problems name each bad key. */
export function parseRepoConfig(raw: unknown): ConfigResult {
  const parsed = RepoConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const at = issue.path.join(".");
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `\`${at ? `${at}.` : ""}${k}\``).join(", ");
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys}`;
    }
    return `\`${at || "(file)"}\`: ${issue.message}`;
  });
  return { ok: false, problems };
}
