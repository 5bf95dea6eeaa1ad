import type { Octokit } from "./octokit.js";

/** A token this close to its expiry is not used any more (a push can take a while): 5 minutes of GitHub's hour. */
const MARGIN_MS = 5 * 60_000;
const MARGIN_SHARE = 1 / 12;

/** The token cache Probot hands @octokit/auth-app (values are "token|createdAt|expiresAt|…"). */
export interface TokenCache {
  get(key: string): string | undefined | Promise<string | undefined>;
  set(key: string, value: string): unknown;
}

const WRAPPED = Symbol("expiring");

/**
 * Probot keeps an installation token for 59 minutes, whatever its `expires_at` says, and keeps using one
 * GitHub has started refusing. This cache in front of Probot's hides a token that expires within minutes
 * or that GitHub answered 401 to: Octokit then takes a new one on its next request, so a token that
 * expires mid-instruction is replaced without the run noticing.
 */
export function expiringTokenCache(inner: TokenCache): TokenCache & { refuse(token: string): void } {
  if ((inner as { [WRAPPED]?: true })[WRAPPED]) return inner as TokenCache & { refuse(token: string): void };
  const refused = new Set<string>();
  return {
    [WRAPPED]: true,
    async get(key) {
      const value = await inner.get(key);
      const [token = "", createdAt, expiresAt] = (value ?? "").split("|");
      if (!value || refused.has(token)) return undefined;
      if (!expiresAt) return value;
      const expires = Date.parse(expiresAt);
      const margin = Math.min(MARGIN_MS, (expires - Date.parse(createdAt ?? "")) * MARGIN_SHARE || MARGIN_MS);
      return expires - Date.now() < margin ? undefined : value;
    },
    set(key, value) {
      return inner.set(key, value);
    },
    refuse(token) {
      // Bounded: a refused token is replaced at once, so only a few are ever here.
      if (refused.size > 1000) refused.clear();
      refused.add(token);
    },
  } as TokenCache & { refuse(token: string): void };
}

/**
 * The installation token for git, fresh: taken through a request (GET /rate_limit costs no rate limit)
 * when the kept one is about to expire, since Probot's direct token call ignores GitHub Enterprise's URL.
 */
export async function gitToken(octokit: Octokit): Promise<string> {
  const auth = () => octokit.auth({ type: "installation" }) as Promise<{ token: string; expiresAt?: string }>;
  const onGitHubCom = octokit.request.endpoint.DEFAULTS.baseUrl === "https://api.github.com";
  if (onGitHubCom) return (await auth()).token;
  await octokit.request("GET /rate_limit");
  return (await auth()).token;
}
