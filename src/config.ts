import { z } from "zod";

/**
 * Configuration at the edges, parsed with zod: the server's environment and the repository's
 * `.github/l2mac.yml`. Inside the app these types are trusted.
 */

const optionalText = z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().trim().optional());

export const ServerEnvSchema = z.object({
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
  L2MAC_MODEL: optionalText.default("gpt-4o"),
  L2MAC_CONTEXT_WINDOW: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1024).optional()),
  L2MAC_MAX_RETRIES: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).max(20).optional()),
  /** First interval between polls of a commit's CI runs; later polls back off. Webhooks usually come first. */
  L2MAC_CI_POLL_SECONDS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().positive().default(30)),
  /** Redis for scale-out: the server only enqueues, `npm run worker` processes run the work. */
  REDIS_URL: optionalText,
  /** Prefix of every Redis key the app uses (queues, delivery ids). */
  L2MAC_QUEUE_PREFIX: optionalText.default("l2mac"),
  /** Runs one process works on at once (in-process queue or `npm run worker`). */
  L2MAC_WORKER_CONCURRENCY: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(256).default(2)),
  /** Lock on a run's job: a crashed worker's run is taken over about this long after it died. */
  L2MAC_JOB_LOCK_MS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1000).default(30_000)),
  /** Octokit's throttling and retries (on by default): turn off only for a GitHub without secondary rate limits, or tests. */
  L2MAC_GITHUB_THROTTLE: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["true", "false"]).default("true")),
  /** USD per million prompt / completion tokens, for models the app has no list price for. */
  L2MAC_PRICE_INPUT: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().nonnegative().optional()),
  L2MAC_PRICE_OUTPUT: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().nonnegative().optional()),
  /** Where working copies of feature branches live. */
  L2MAC_WORKDIR: optionalText,
});
export type ServerEnv = z.infer<typeof ServerEnvSchema>;

export function readServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const parsed = ServerEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}

const positive = z.number().positive();

export const RepoConfigSchema = z
  .object({
    /** The label that starts a run. */
    label: z.string().trim().min(1).max(50).default("l2mac"),
    /** Overrides the server's model for this repository. */
    model: z.string().trim().min(1).optional(),
    max_instructions: z.number().int().min(1).max(100).default(10),
    budgets: z
      .object({
        max_tokens: z.number().int().positive().optional(),
        max_cost_usd: positive.optional(),
        max_turns_per_instruction: z.number().int().min(1).max(500).default(40),
      })
      .strict()
      .default({ max_turns_per_instruction: 40 }),
    branch_prefix: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._/-]*$/, "only letters, digits, '.', '_', '-' and '/'")
      .refine((p) => !p.includes("..") && !p.startsWith("/") && !p.includes("//"), "not a valid branch name prefix")
      .default("l2mac/"),
    paths: z
      .object({
        /** Globs the agent may write; everything else is read-only. */
        allow: z.array(z.string().min(1)).default(["**"]),
        /** Globs the agent may not write, even if allowed. */
        deny: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ allow: ["**"], deny: [] }),
    /** Writing `.github/workflows/` needs the installation's `workflows` permission too. */
    allow_workflow_changes: z.boolean().default(false),
    /** Waiting for GitHub Actions (used by the Actions evaluator). */
    ci: z
      .object({
        enabled: z.boolean().default(true),
        wait_for_runs_minutes: positive.default(3),
        timeout_minutes: positive.default(30),
        fix_attempts: z.number().int().min(0).max(10).default(3),
      })
      .strict()
      .default({ enabled: true, wait_for_runs_minutes: 3, timeout_minutes: 30, fix_attempts: 3 }),
    /** Post the plan and wait for `/l2mac continue` before executing. */
    require_approval: z.boolean().default(false),
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
