import { LRUCache } from "lru-cache";
import type { Octokit } from "./octokit.js";

/** GitHub's answer to a conditional read whose ETag still holds: free of rate limit, the kept answer stands. */
export const isNotModified = (e: unknown): boolean => (e as { status?: number })?.status === 304;

/** A read's last answer: what a 304 to `If-None-Match: etag` stands for. */
interface Answer {
  etag: string;
  response: { status: number; url: string; headers: Record<string, string | number | undefined>; data: unknown };
  size: number;
}

/** Larger answers (a big file's contents, a long list) are not kept: the cache stays small. */
const MAX_ANSWER_CHARS = 512 * 1024;

/**
 * The ETags and answers of each run's reads, bounded in entries and in size, one per app instance.
 * GitHub does not count a 304 against the rate limit, so a re-read of an unchanged plan comment, issue,
 * config file or workflow-run list is free.
 */
export class ConditionalCache {
  private readonly answers: LRUCache<string, Answer>;

  constructor(options: { maxEntries?: number; maxChars?: number } = {}) {
    this.answers = new LRUCache({
      max: options.maxEntries ?? 5_000,
      maxSize: options.maxChars ?? 64 * 1024 * 1024,
      sizeCalculation: (a) => Math.max(1, a.size),
    });
  }

  /** One scope's share of the cache (an installation: see installationScope): its keys never meet another's. */
  forRun(run: string): RunAnswers {
    const key = (url: string) => `${run} ${url}`;
    return {
      get: (url) => this.answers.get(key(url)),
      set: (url, answer) => void this.answers.set(key(url), answer),
      delete: (url) => void this.answers.delete(key(url)),
    };
  }
}

/** The cache's scope for one installation: its runs and its handlers share answers (the config file's, above all). */
export const installationScope = (installationId: number): string => `installation ${installationId}`;

export interface RunAnswers {
  get(url: string): Answer | undefined;
  set(url: string, answer: Answer): void;
  delete(url: string): void;
}

type Route = Parameters<Octokit["request"]["endpoint"]["parse"]>[0];

/**
 * Sends `If-None-Match` with the last ETag of every JSON read the client repeats, and answers a 304
 * with the kept answer, so callers see a 200 as before. The answer to an update (PATCH) becomes the
 * read's answer too, and so does a create's (a 201 naming the new resource's `url`, such as the plan
 * comment): the next read of what the app just wrote is then free. Reads that set their own
 * `If-None-Match` (the workflow-run cache) and log downloads (redirects) pass through untouched.
 */
export function useConditionalRequests(octokit: Octokit, answers: RunAnswers): void {
  octokit.hook.wrap("request", async (request, options) => {
    const parsed = octokit.request.endpoint.parse(options as Route);

    const headers = options.headers;
    const key = `${parsed.headers.accept ?? ""} ${parsed.url}`;
    if (parsed.method === "DELETE") answers.delete(key);
    if (parsed.method === "PATCH") return remember(answers, key, await request(options));
    if (parsed.method === "POST") return rememberCreated(answers, parsed.headers.accept ?? "", await request(options));
    if (parsed.method !== "GET" || (headers as Record<string, unknown>)["if-none-match"] || /\/logs(\?|$)/.test(parsed.url))
      return request(options);
    const kept = answers.get(key);
    try {
      // The hook's inner layers were bound to this options object: it is changed, not replaced.
      if (kept) (headers as Record<string, string>)["if-none-match"] = kept.etag;
      const response = await request(options);
      return remember(answers, key, response);
    } catch (e) {
      if (kept && isNotModified(e)) return { ...kept.response, data: structuredClone(kept.response.data) };
      if ((e as { status?: number })?.status === 404) answers.delete(key);
      throw e;
    }
  });
}

type Answered = { status: number; headers: Record<string, unknown>; data: unknown; url: string };

/** A created resource's answer, kept as the answer to a read of its own URL (what GitHub's ETag stands for). */
function rememberCreated<T extends Answered>(answers: RunAnswers, accept: string, response: T): T {
  const url = (response.data as { url?: unknown } | null)?.url;
  if (response.status !== 201 || typeof url !== "string") return response;
  remember(answers, `${accept} ${url}`, { ...response, status: 200, url });
  return response;
}

function remember<T extends Answered>(answers: RunAnswers, key: string, response: T): T {
  const etag = response.headers.etag;
  if (response.status !== 200 || typeof etag !== "string") return response;
  const size = JSON.stringify(response.data ?? null).length;
  if (size > MAX_ANSWER_CHARS) answers.delete(key);
  else {
    const kept = {
      status: 200,
      url: response.url,
      headers: response.headers as Answer["response"]["headers"],
      data: structuredClone(response.data),
    };
    answers.set(key, { etag, response: kept, size });
  }
  return response;
}
