import { LRUCache, type Perf } from "lru-cache";
import type { Octokit, RepoRef } from "./octokit.js";

/**
 * Whether a user may start or steer a run: write, maintain or admin on the repository. `unavailable`
 * means GitHub could not say (5xx, rate limit, network): that is no answer, so the caller refuses this
 * once and asks to try again, and nothing is cached.
 */
export type SteerPermission = "allowed" | "denied" | "unavailable";

export interface PermissionOptions {
  /** How long an answer is reused: short, so a revoked writer loses access within a minute. */
  ttlMs?: number;
  /** Users × repositories remembered at most (least recently used forgotten first). */
  max?: number;
  /** The clock (tests). */
  perf?: Perf;
}

/** The collaborator-permission check with a small, bounded, short-lived cache; one per app instance. */
export class Permissions {
  private readonly cache: LRUCache<string, "allowed" | "denied">;

  constructor(options: PermissionOptions = {}) {
    this.cache = new LRUCache({
      max: options.max ?? 10_000,
      ttl: options.ttlMs ?? 45_000,
      // A given clock is read on every check (lru-cache would otherwise reuse a reading for a moment).
      ...(options.perf ? { perf: options.perf, ttlResolution: 0 } : {}),
    });
  }

  async check(octokit: Octokit, repo: RepoRef, username: string): Promise<SteerPermission> {
    const key = `${repo.owner}/${repo.repo}:${username}`.toLowerCase();
    const hit = this.cache.get(key);
    if (hit) return hit;
    let answer: "allowed" | "denied";
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
      answer = data.permission === "admin" || data.permission === "write" ? "allowed" : "denied";
    } catch (e) {
      // 404: not a collaborator (or no such user), a real "no". Anything else is not an answer.
      if ((e as { status?: number }).status !== 404) return "unavailable";
      answer = "denied";
    }
    this.cache.set(key, answer);
    return answer;
  }

  /** For checks that cannot ask anyone to try again: no answer counts as no. */
  async canSteer(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
    return (await this.check(octokit, repo, username)) === "allowed";
  }
}

/** The reply to a refused sender, by what the check said. */
export function refusalText(permission: Exclude<SteerPermission, "allowed">, sender: string, what: string): string {
  return permission === "unavailable"
    ? `@${sender} GitHub did not answer when L2MAC checked your permission on this repository, so ${what} was not done. Try again in a minute.`
    : `@${sender} only people with write access to this repository can ${what}.`;
}
