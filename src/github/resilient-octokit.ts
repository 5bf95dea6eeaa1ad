import type { ProbotOctokit } from "probot";

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
 * before it creates again (github/create-once.ts).
 */
export function resilientOctokit(Base: OctokitClass): OctokitClass {
  const WithRetries = Base.defaults((options: { throttle?: Record<string, unknown>; log?: { warn(m: string): void } }) => {
    if (options.throttle?.enabled === false) return options;
    const retry = (kind: string) => (retryAfter: number, request: Throttled) => {
      options.log?.warn(`GitHub ${kind} rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s`);
      return request.request.retryCount < RATE_LIMIT_RETRIES;
    };
    return { ...options, throttle: { ...options.throttle, onSecondaryRateLimit: retry("secondary"), onRateLimit: retry("primary") } };
  }) as OctokitClass;
  return WithRetries.plugin(noBlindCreates) as OctokitClass;
}

function noBlindCreates(octokit: Pick<Octokit, "hook">): void {
  octokit.hook.before("request", (options) => {
    if (options.method === "POST" && CREATES.has(options.url)) options.request = { ...options.request, retries: 0 };
  });
}
