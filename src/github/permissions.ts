import type { Octokit, RepoRef } from "./octokit.js";

const TTL_MS = 5 * 60_000;
const cache = new Map<string, { allowed: boolean; until: number }>();

/**
 * Whether `username` may start or steer a run: write, maintain or admin on the repository. Any other
 * answer, and any error (404 for non-collaborators), is a refusal. Cached briefly per repository and user.
 */
export async function canSteer(octokit: Octokit, repo: RepoRef, username: string, now = Date.now()): Promise<boolean> {
  const key = `${repo.owner}/${repo.repo}:${username}`.toLowerCase();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.allowed;
  let allowed = false;
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    allowed = data.permission === "admin" || data.permission === "write";
  } catch {
    allowed = false;
  }
  cache.set(key, { allowed, until: now + TTL_MS });
  return allowed;
}

export const clearPermissionCache = (): void => cache.clear();
