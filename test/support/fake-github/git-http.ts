import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cleanGitEnv } from "./bare-repo.js";

/**
 * Git smart HTTP (protocol v0 and v2) by running `git http-backend` as a CGI, so clone, fetch and push
 * behave exactly as against a real server. Auth is checked by the caller before this runs.
 */

/** `/<owner>/<repo>.git/<service path>`: the three URLs smart-HTTP clients use. */
export const GIT_PATH = /^\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface GitRequestInfo {
  projectRoot: string;
  /** Canonical `/<owner>/<repo>.git/...` (the fake matches names case-insensitively, the disk does not). */
  pathInfo: string;
  query: string;
  /**
   * Runs after the backend finished a successful request but before the reply ends, so whatever it
   * records (e.g. workflow runs for pushed branches) exists when the client's `git push` returns.
   */
  beforeEnd?: () => Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Split the CGI reply into `Status:` plus headers and the body that follows the blank line. */
function parseCgiHead(head: string): { status: number; headers: Array<[string, string]> } {
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers };
}

/** Serves one git request; resolves with the HTTP status and the request body size once the reply is sent. */
export function serveGit(req: IncomingMessage, res: ServerResponse, info: GitRequestInfo): Promise<{ status: number; bytesIn: number }> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: info.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: info.pathInfo,
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: info.query,
    CONTENT_TYPE: header(req, "content-type") ?? "",
    REMOTE_USER: "x-access-token",
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
  };
  const length = header(req, "content-length");
  if (length !== undefined) env.CONTENT_LENGTH = length;
  const encoding = header(req, "content-encoding");
  if (encoding !== undefined) env.HTTP_CONTENT_ENCODING = encoding;
  // Without this the backend silently falls back to protocol v0.
  const protocol = header(req, "git-protocol");
  if (protocol !== undefined) env.GIT_PROTOCOL = protocol;

  return new Promise((resolve) => {
    const child = spawn("git", ["http-backend"], { env: cleanGitEnv(env) });
    let bytesIn = 0;
    let pending: Buffer = Buffer.alloc(0);
    let headSent = false;
    let status = 500;
    const stderr: Buffer[] = [];

    req.on("data", (chunk: Buffer) => (bytesIn += chunk.length));
    req.pipe(child.stdin);
    // The backend may answer and exit before reading everything (e.g. a refused push).
    child.stdin.on("error", () => undefined);
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));

    child.stdout.on("data", (chunk: Buffer) => {
      if (headSent) {
        res.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const text = pending.toString("latin1");
      const end = /\r?\n\r?\n/.exec(text);
      if (!end) return;
      const parsed = parseCgiHead(text.slice(0, end.index));
      status = parsed.status;
      for (const [name, value] of parsed.headers) res.setHeader(name, value);
      res.writeHead(status);
      headSent = true;
      res.write(pending.subarray(end.index + end[0].length));
    });

    child.on("close", (code) => {
      if (!headSent) {
        status = 500;
        res.writeHead(500, { "content-type": "text/plain" });
        res.write(`git http-backend exited with ${code}: ${Buffer.concat(stderr).toString("utf8")}`);
      }
      const hook = status === 200 && info.beforeEnd ? info.beforeEnd().catch(() => undefined) : Promise.resolve();
      void hook.then(() => res.end(() => resolve({ status, bytesIn })));
    });
    child.on("error", () => undefined);
  });
}
