import type { ProbotOctokit } from "probot";

type OctokitClass = typeof ProbotOctokit;
type Fetch = typeof globalThis.fetch & { [COUNTED]?: true };

const COUNTED = Symbol("counted");

/**
 * The Octokit class with every HTTP answer reported (its status; 0 when none came, e.g. a reset
 * connection). Counted at `fetch`, under Octokit's retries and throttling, so each attempt is one count,
 * as GitHub counts them.
 */
export function countingOctokit(Base: OctokitClass, onAnswer: (status: number) => void): OctokitClass {
  return Base.defaults((options: { request?: { fetch?: Fetch } }) => {
    const inner: Fetch = options.request?.fetch ?? globalThis.fetch;
    // Probot builds an installation's client from the app's options, which already carry this fetch.
    if (inner[COUNTED]) return options;
    const fetch: Fetch = async (input, init) => {
      try {
        const response = await inner(input, init);
        onAnswer(response.status);
        return response;
      } catch (e) {
        onAnswer(0);
        throw e;
      }
    };
    fetch[COUNTED] = true;
    return { ...options, request: { ...options.request, fetch } };
  }) as OctokitClass;
}
