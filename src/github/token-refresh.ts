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
export type ExpiringTokenCache = TokenCache & {
  refuse(token: string): void;
  /** Refuses the token kept under `key` (an installation id): an Octokit error carries its token redacted. */
  refuseKept(key: string): Promise<void>;
  usable(key: string): Promise<boolean>;
};

export function expiringTokenCache(inner: TokenCache): ExpiringTokenCache {
  if ((inner as { [WRAPPED]?: true })[WRAPPED]) return inner as ExpiringTokenCache;
  const refused = new Set<string>();
  const cache: ExpiringTokenCache = {
    async usable(key) {
      return (await cache.get(key)) !== undefined;
    },
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
    async refuseKept(key) {
      const token = (await inner.get(key))?.split("|")[0];
      if (token) cache.refuse(token);
    },
  };
  return Object.assign(cache, { [WRAPPED]: true });
}

/** Whether the installation's kept token is still good, as a client with the expiring cache knows it. */
export const TOKEN_USABLE = Symbol("token usable");
/** Refuses the installation's kept token (GitHub answered 401 to it), so the next one is new. */
export const TOKEN_REFUSE = Symbol("token refuse");

/**
 * The installation token for git, fresh: taken through a request (GET /rate_limit costs no rate limit)
 * when the kept one is about to expire, since Probot's direct token call ignores GitHub Enterprise's URL.
 */
export async function gitToken(octokit: Octokit, options: { refused?: boolean } = {}): Promise<string> {
  const auth = () => octokit.auth({ type: "installation" }) as Promise<{ token: string; expiresAt?: string }>;
  const onGitHubCom = octokit.request.endpoint.DEFAULTS.baseUrl === "https://api.github.com";
  const tokens = octokit as { [TOKEN_USABLE]?: () => Promise<boolean>; [TOKEN_REFUSE]?: () => Promise<void> };
  // git was answered 401 with the kept token: it is not used again.
  if (options.refused) await tokens[TOKEN_REFUSE]?.();
  const usable = tokens[TOKEN_USABLE];
  if (onGitHubCom || !usable || (await usable())) return (await auth()).token;
  await octokit.request("GET /rate_limit");
  return (await auth()).token;
}
