import { z } from "zod";

/** The LLM and budget flags both `l2mac` and `l2mac eval` take: one parser option and one zod rule each. */
export const LLM_FLAGS = {
  model: z.string().trim().min(1).optional(),
  "base-url": z.string().url().optional(),
  "context-window": z.coerce.number().int().min(1024).optional(),
  "max-cost": z.coerce.number().positive().optional(),
  "max-tokens": z.coerce.number().int().positive().optional(),
  "max-turns": z.coerce.number().int().min(1).optional(),
  "max-retries": z.coerce.number().int().min(0).max(20).optional(),
};

/** `node:util` parseArgs options for {@link LLM_FLAGS}: every one takes a string value. */
export const LLM_OPTIONS = Object.fromEntries(Object.keys(LLM_FLAGS).map((name) => [name, { type: "string" }])) as {
  readonly [K in keyof typeof LLM_FLAGS]: { readonly type: "string" };
};
