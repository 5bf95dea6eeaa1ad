import type { Octokit, RepoRef } from "./octokit.js";

/**
 * Downloading the end of a job's log, never all of it: a job can print gigabytes, and only the end
 * (where the failure is) is read. GitHub answers the logs endpoint with a redirect to blob storage, which
 * reports the size and serves byte ranges; a log over the limit is fetched again from its last
 * `tailBytes`. Whatever a server does, at most `tailBytes` are held in memory and `maxReadBytes` read.
 */

/** Bytes of a log kept: its end. */
export const LOG_TAIL_BYTES = 1 << 20;
/** Most bytes read from a server that ignores the range, before the rest is left unread. */
export const MAX_LOG_READ_BYTES = 32 << 20;
const LOG_TIMEOUT_MS = 60_000;

export interface LogLimits {
  tailBytes?: number;
  maxReadBytes?: number;
}

export async function downloadJobLogTail(octokit: Octokit, repo: RepoRef, jobId: number, limits: LogLimits = {}): Promise<string> {
  const tailBytes = limits.tailBytes ?? LOG_TAIL_BYTES;
  const maxReadBytes = Math.max(tailBytes, limits.maxReadBytes ?? MAX_LOG_READ_BYTES);
  const signal = AbortSignal.timeout(LOG_TIMEOUT_MS);
  const response = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
    ...repo,
    job_id: jobId,
    // The body as a stream (octokit would otherwise read it all into one string).
    request: { parseSuccessResponseBody: false, signal },
  });
  const body = response.data as unknown as ReadableStream<Uint8Array> | null;
  if (!body) return "";
  const size = Number(response.headers["content-length"]);
  if (!(size > tailBytes)) return readTail(body, tailBytes, maxReadBytes);
  await body.cancel();
  // The redirect's signed URL needs no token, and must not be sent one.
  const ranged = await fetch(response.url, { headers: { range: `bytes=${size - tailBytes}-` }, signal });
  if (!ranged.ok || !ranged.body) {
    await ranged.body?.cancel();
    throw new Error(`the job log's ranged download answered ${ranged.status}`);
  }
  return readTail(ranged.body, tailBytes, maxReadBytes, ranged.status === 206);
}

/** The last `keep` bytes of a stream read up to `maxRead` bytes, as text starting at a whole line. */
async function readTail(body: ReadableStream<Uint8Array>, keep: number, maxRead: number, startsCut = false): Promise<string> {
  const chunks: Buffer[] = [];
  let held = 0;
  let read = 0;
  let cut = startsCut;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      held += value.length;
      read += value.length;
      while (chunks.length > 1 && held - chunks[0]!.length >= keep) {
        held -= chunks.shift()!.length;
        cut = true;
      }
      if (read >= maxRead) break;
    }
  } finally {
    // Done with the stream: a failure to cancel it loses nothing that was read.
    await reader.cancel().catch(() => undefined);
  }
  let bytes = Buffer.concat(chunks);
  if (bytes.length > keep) {
    bytes = bytes.subarray(bytes.length - keep);
    cut = true;
  }
  const text = bytes.toString("utf8");
  // A cut start is mid-line (and maybe mid-character): drop that partial line.
  return cut ? text.slice(text.indexOf("\n") + 1) : text;
}
