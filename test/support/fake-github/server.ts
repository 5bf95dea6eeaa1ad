import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import { apiToken, gitBasicToken, validAppJwt } from "./auth.js";
import type { FakeContext } from "./context.js";
import { GIT_PATH, serveGit } from "./git-http.js";
import { answerGraphql } from "./graphql.js";
import { badCredentials, badRequest, json, matchRoute, notFound } from "./routing.js";
import type { RestRequest, RestResponse, Route } from "./routing.js";
import type { FakeRepo } from "./state.js";
import { etagOf } from "./rest-actions.js";

/**
 * The HTTP front of the fake: records every request, authenticates it like GitHub, then hands it
 * to the REST route table (under /api/v3, as on GitHub Enterprise) or to git http-backend.
 */

export interface RecordedRequest {
  method: string;
  /** Path with query, as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** REST bodies as text; git bodies as "<binary N bytes>". */
  body: string;
  status: number;
}

export type RequestListener = (req: { method: string; path: string; body: unknown }) => void | Promise<void>;

export interface ServerDeps {
  ctx: FakeContext;
  routes: Route[];
  /** Directory holding `<owner>/<repo>.git`. */
  projectRoot: string;
  requests: RecordedRequest[];
  unknownRoutes: string[];
  listeners: RequestListener[];
  /** Injected faults (see FakeGitHub.injectFaults). */
  faults?: { current: ((req: { method: string; path: string; body: string }) => RestResponse | "reset" | undefined) | undefined };
  /** Unauthenticated `/_blobs/...` downloads (signed URLs, like GitHub's log storage). */
  blobs?: (method: string, url: URL, headers: IncomingHttpHeaders) => RestResponse | Promise<RestResponse>;
  /** After a successful git-receive-pack, before its reply ends: the branches of `repo` may have moved. */
  afterPush?: (repo: FakeRepo) => Promise<void>;
}

const API_PREFIX = "/api/v3";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, response: RestResponse): void {
  const headers: Record<string, string> = {
    "x-github-media-type": "github.v3; format=json",
    "x-github-request-id": randomUUID(),
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
  };
  let payload: string | Buffer = "";
  if (response.bytes !== undefined) payload = response.bytes;
  else if (response.text !== undefined) payload = response.text;
  else if (response.body !== undefined && response.status !== 204) {
    headers["content-type"] = "application/json; charset=utf-8";
    payload = JSON.stringify(response.body);
  }
  res.writeHead(response.status, { ...headers, ...response.headers });
  res.end(payload);
}

async function dispatch(deps: ServerDeps, method: string, url: URL, headers: IncomingHttpHeaders, body: unknown): Promise<RestResponse> {
  if (url.pathname === "/api/graphql" && method === "POST") {
    return deps.ctx.state.tokenValid(apiToken(headers)) ? answerGraphql(deps.ctx, body) : badCredentials();
  }
  const apiPath = url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : undefined;
  const match = apiPath === undefined ? undefined : matchRoute(deps.routes, method, apiPath);
  if (!match || apiPath === undefined) {
    deps.unknownRoutes.push(`${method} ${url.pathname}${url.search}`);
    return notFound();
  }
  const req: RestRequest = { method, path: apiPath, query: url.searchParams, headers, body, params: match.params };
  const { route } = match;
  if (route.scope === "app") {
    if (!validAppJwt(headers, deps.ctx.state.app.id))
      return json(401, { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" });
    return route.handle(req);
  }
  if (!deps.ctx.state.tokenValid(apiToken(headers))) return badCredentials();
  if (route.scope === "installation") return route.handle(req);
  const repo = deps.ctx.state.repo(`${match.params.owner}/${match.params.repo}`);
  if (!repo) return notFound();
  return route.handle({ ...req, repo });
}

/**
 * As GitHub does: a JSON answer to a read (and the resource an update or a create returns) carries an ETag over its
 * body, and a read sending that ETag in If-None-Match is answered 304 with no body (free of rate limit).
 */
function withEtag(method: string, headers: IncomingHttpHeaders, response: RestResponse): RestResponse {
  const created = method === "POST" && response.status === 201;
  if ((method !== "GET" && method !== "PATCH" && !created) || (response.status !== 200 && !created)) return response;
  if (response.bytes !== undefined || response.headers?.etag) return response;
  if (response.body === undefined && response.text === undefined) return response;
  const etag = etagOf(response.text ?? response.body);
  const withTag = { ...response, headers: { ...response.headers, etag } };
  const raw = headers["if-none-match"];
  const sent = (Array.isArray(raw) ? raw.join(",") : (raw ?? "")).split(",").map((v) => v.trim().replace(/^W\//, ""));
  return method === "GET" && sent.includes(etag) ? { status: 304, headers: withTag.headers } : withTag;
}

async function handleRest(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const path = `${url.pathname}${url.search}`;
  const text = await readBody(req);
  const fault = url.pathname.startsWith(`${API_PREFIX}/app`) ? undefined : deps.faults?.current?.({ method, path, body: text });
  if (fault) {
    deps.requests.push({ method, path, headers: req.headers, body: text, status: fault === "reset" ? 0 : fault.status });
    if (fault === "reset") req.socket.destroy();
    else send(res, fault);
    return;
  }
  let body: unknown;
  let response: RestResponse;
  try {
    body = text ? JSON.parse(text) : undefined;
    response = withEtag(method, req.headers, await dispatch(deps, method, url, req.headers, body));
  } catch (error) {
    response = error instanceof SyntaxError ? badRequest("Problems parsing JSON") : json(500, { message: `fake-github: ${String(error)}` });
  }
  const record: RecordedRequest = { method, path, headers: req.headers, body: text, status: response.status };
  deps.requests.push(record);
  // Listeners run before the reply so whatever they do (a human push, an edit) is visible to the app's next step.
  try {
    for (const listener of deps.listeners) await listener({ method, path, body });
  } catch (error) {
    response = json(500, { message: `fake-github onRequest listener failed: ${String(error)}` });
    record.status = 500;
  }
  send(res, response);
}

async function handleGit(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL, match: RegExpExecArray): Promise<void> {
  const record: RecordedRequest = {
    method: req.method ?? "GET",
    path: `${url.pathname}${url.search}`,
    headers: req.headers,
    body: "<binary 0 bytes>",
    status: 0,
  };
  deps.requests.push(record);
  const repo = deps.ctx.state.repo(`${decodeURIComponent(match[1] ?? "")}/${decodeURIComponent(match[2] ?? "")}`);
  if (!deps.ctx.state.tokenValid(gitBasicToken(req.headers))) {
    // GitHub's challenge; with GIT_TERMINAL_PROMPT=0 git then fails instead of asking for a password.
    req.resume();
    res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" });
    res.end("Authentication failed");
    record.status = 401;
    return;
  }
  if (!repo) {
    req.resume();
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("Repository not found.");
    record.status = 404;
    return;
  }
  const pathInfo = `/${repo.owner}/${repo.name}.git/${match[3]}`;
  const afterPush = deps.afterPush;
  const beforeEnd = match[3] === "git-receive-pack" && record.method === "POST" && afterPush ? () => afterPush(repo) : undefined;
  const { status, bytesIn } = await serveGit(req, res, { projectRoot: deps.projectRoot, pathInfo, query: url.search.slice(1), beforeEnd });
  record.status = status;
  record.body = `<binary ${bytesIn} bytes>`;
}

async function handleBlob(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  req.resume();
  const response: RestResponse = deps.blobs ? await deps.blobs(method, url, req.headers) : { status: 404, text: "Not Found" };
  deps.requests.push({ method, path: `${url.pathname}${url.search}`, headers: req.headers, body: "", status: response.status });
  send(res, response);
}

/** Attached after `listen` because the URLs in every response depend on the port. */
export function attachFakeServer(server: Server, deps: ServerDeps): void {
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const gitMatch = GIT_PATH.exec(url.pathname);
    const handled = gitMatch
      ? handleGit(deps, req, res, url, gitMatch)
      : url.pathname.startsWith("/_blobs/")
        ? handleBlob(deps, req, res, url)
        : handleRest(deps, req, res, url);
    handled.catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake-github: ${String(error)}`);
    });
  });
}
