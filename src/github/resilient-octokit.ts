import type { ProbotOctokit } from "probot";
import { pacingId } from "./write-pacing.js";
import { expiringTokenCache, TOKEN_REFUSE, TOKEN_USABLE, type ExpiringTokenCache, type TokenCache } from "./token-refresh.js";

type OctokitClass = typeof ProbotOctokit;
type Octokit = InstanceType<OctokitClass>;

/** Routes whose POST creates something new each time: a lost answer does not mean nothing was made. */
const CREATES = new Set(["/repos/{owner}/{repo}/issues/{issue_number}/comments", "/repos/{owner}/{repo}/pulls"]);

/** How many times a request waits out a rate limit (GitHub's `retry-after`) before it fails. */
const RATE_LIMIT_RETRIES = 3;

type Throttled = { method: string; url: string; request: { retryCount: number } };

/**
 * Probot's Octokit for GitHub's bad minutes. A secondary rate limit (403 or 429 with `retry-after`) is
 * waited out and retried a few times (Probot's own handler only logs it), as is the primary limit. And a
 * POST that creates a comment or a pull request is never retried by Octokit on a 5xx: the caller looks
 * before it creates again (github/create-once.ts). Writes are paced per installation (write-pacing.ts).
 */
export function resilientOctokit(Base: OctokitClass): OctokitClass {
  const WithRetries = Base.defaults((input: Options) => {
    const options = withExpiringTokens(input);
    if (options.throttle?.enabled === false) return options;
    const retry = (kind: string) => (retryAfter: number, request: Throttled) => {
      options.log?.warn(`GitHub ${kind} rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s`);
      return request.request.retryCount < RATE_LIMIT_RETRIES;
    };
    const id = pacingId(options.auth);
    const throttle = { ...options.throttle, ...(id && { id }), onSecondaryRateLimit: retry("secondary"), onRateLimit: retry("primary") };
    return { ...options, throttle };
  }) as OctokitClass;
  return WithRetries.plugin(noBlindCreates, retryRefusedToken) as OctokitClass;
}

type Options = {
  throttle?: Record<string, unknown>;
  log?: { warn(m: string): void };
  auth?: { cache?: TokenCache; installationId?: unknown; appId?: unknown } & Record<string, unknown>;
};

/** Probot's token cache behind one that hides expiring and refused tokens (see expiringTokenCache). */
function withExpiringTokens(options: Options): Options {
  const cache = options.auth?.cache;
  return cache ? { ...options, auth: { ...options.auth, cache: expiringTokenCache(cache) } } : options;
}

/**
 * A request answered 401 is sent once more, its token refused, so Octokit takes a new one. The token is
 * the one kept for the installation: the error's own copy of the header is redacted by Octokit.
 */
function retryRefusedToken(octokit: Pick<Octokit, "hook">, options: Options): void {
  const cache = options.auth?.cache as ExpiringTokenCache | undefined;
  const installationId = options.auth?.installationId;
  if (!cache?.refuseKept || installationId === undefined) return;
  // For gitToken: whether the kept token is still good, so a fresh one is fetched only when it is not.
  Object.assign(octokit, {
    [TOKEN_USABLE]: () => cache.usable(String(installationId)),
    [TOKEN_REFUSE]: () => cache.refuseKept(String(installationId)),
  });
  octokit.hook.wrap("request", async (request, route) => {
    try {
      return await request(route);
    } catch (e) {
      if ((e as { status?: number }).status !== 401 || String(route.url).startsWith("/app")) throw e;
      await cache.refuseKept(String(installationId));
      return request(route);
    }
  });
}

function noBlindCreates(octokit: Pick<Octokit, "hook">): void {
  octokit.hook.before("request", (options) => {
    if (options.method === "POST" && CREATES.has(options.url)) options.request = { ...options.request, retries: 0 };
  });
}
