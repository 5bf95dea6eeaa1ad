/**
 * Creating on GitHub (a comment, a pull request, a reply) is not idempotent: a request that failed on the
 * way back may still have created the thing, so a blind retry can make two. These helpers look before
 * creating again, and only once.
 */

/** Octokit request options that turn off its retries for one request (the throttle still waits out rate limits). */
export const NO_RETRY = { request: { retries: 0 } } as const;

const statusOf = (e: unknown): number | undefined => (e as { status?: number })?.status;

/** A failure after which the request may or may not have been applied: a 5xx, or no answer at all. */
export function isUncertain(e: unknown): boolean {
  const status = statusOf(e);
  return status === undefined || status === 0 || status >= 500;
}

/** GitHub's 422 for a pull request whose head already has one open. */
export function isAlreadyExists(e: unknown): boolean {
  if (statusOf(e) !== 422) return false;
  const body = JSON.stringify((e as { response?: { data?: unknown } }).response?.data ?? (e as Error).message ?? "");
  return /already exists/i.test(body);
}

/**
 * `create()`, at most twice: after an uncertain failure (or GitHub saying it already exists), `find()`
 * looks for what the first attempt may have made; only when nothing is found is it created once more.
 */
export async function createOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    if (!isUncertain(e) && !isAlreadyExists(e)) throw e;
    const found = await find();
    if (found !== undefined) return found;
    if (isAlreadyExists(e)) throw e;
    return create();
  }
}
