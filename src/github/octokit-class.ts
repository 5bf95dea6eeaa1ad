import { ProbotOctokit } from "probot";
import type { ServerEnv } from "../config.js";

/** Probot's Octokit, with throttling and retries off when L2MAC_GITHUB_THROTTLE=false. */
export function octokitClass(env: ServerEnv): typeof ProbotOctokit | undefined {
  if (env.L2MAC_GITHUB_THROTTLE === "true") return undefined;
  return ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } }));
}
