import { parseRepoConfig, type ConfigResult } from "../config.js";
import type { Octokit, RepoRef } from "./octokit.js";
import { errorMessage } from "../engine/error-message.js";

export const CONFIG_FILE = "l2mac.yml";

/**
 * `.github/l2mac.yml` from the default branch (with the org-wide `.github` repository and `_extends`
 * as Probot resolves them), validated. A file that cannot be parsed is a problem, not a crash.
 */
export async function loadRepoConfig(octokit: Octokit, repo: RepoRef): Promise<ConfigResult> {
  let raw: unknown;
  try {
    const { config } = await octokit.config.get({ ...repo, path: `.github/${CONFIG_FILE}` });
    raw = config;
  } catch (e) {
    return { ok: false, problems: [`the file could not be read: ${errorMessage(e).split("\n")[0]}`] };
  }
  // An empty file parses to null or {}: the defaults apply.
  return parseRepoConfig(raw && typeof raw === "object" && Object.keys(raw).length > 0 ? raw : {});
}

export function configProblemsComment(problems: readonly string[]): string {
  return [
    `L2MAC did not start: \`.github/${CONFIG_FILE}\` is invalid.`,
    "",
    ...problems.map((p) => `- ${p}`),
    "",
    "Fix the file on the default branch, then remove and re-add the label.",
  ].join("\n");
}
