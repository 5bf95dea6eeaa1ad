import type { IncomingHttpHeaders } from "node:http";
import type { FakeRepo } from "./state.js";

/** A tiny route table for the REST API, plus GitHub's error bodies. */

export interface RestRequest {
  method: string;
  /** Path after /api/v3, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  params: Record<string, string>;
}

/** Repo routes run only after the token checked out and the repo exists. */
export interface RepoRequest extends RestRequest {
  repo: FakeRepo;
}

export interface RestResponse {
  status: number;
  /** JSON-serialised unless `text` is given. */
  body?: unknown;
  text?: string;
  /** Sent as they are, before `text` and `body`. */
  bytes?: Buffer;
  headers?: Record<string, string>;
}

export type Route =
  | {
      scope: "installation";
      method: string;
      pattern: RegExp;
      keys: string[];
      handle: (req: RestRequest) => RestResponse | Promise<RestResponse>;
    }
  | { scope: "app"; method: string; pattern: RegExp; keys: string[]; handle: (req: RestRequest) => RestResponse | Promise<RestResponse> }
  | { scope: "repo"; method: string; pattern: RegExp; keys: string[]; handle: (req: RepoRequest) => RestResponse | Promise<RestResponse> };

/** `:name` matches one segment, `*name` the rest of the path (both URL-decoded). */
function compile(template: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = template.replace(/[:*](\w+)/g, (token, key: string) => {
    keys.push(key);
    return token.startsWith("*") ? "(.+)" : "([^/]+)";
  });
  return { pattern: new RegExp(`^${source}/?$`), keys };
}

export function appRoute(method: string, template: string, handle: (req: RestRequest) => RestResponse | Promise<RestResponse>): Route {
  return { scope: "app", method, ...compile(template), handle };
}

/** Installation-token routes that are about no single repository (e.g. /installation/repositories). */
export function installationRoute(
  method: string,
  template: string,
  handle: (req: RestRequest) => RestResponse | Promise<RestResponse>,
): Route {
  return { scope: "installation", method, ...compile(template), handle };
}

/** Templates are relative to /repos/:owner/:repo. */
export function repoRoute(method: string, template: string, handle: (req: RepoRequest) => RestResponse | Promise<RestResponse>): Route {
  return { scope: "repo", method, ...compile(`/repos/:owner/:repo${template}`), handle };
}

export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.keys.forEach((key, i) => (params[key] = decodeURIComponent(match[i + 1] ?? "")));
    return { route, params };
  }
  return undefined;
}

const DOCS = "https://docs.github.com/rest";

export function json(status: number, body: unknown, headers?: Record<string, string>): RestResponse {
  return { status, body, headers };
}

export function notFound(): RestResponse {
  return json(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}

export function badCredentials(): RestResponse {
  return json(401, { message: "Bad credentials", documentation_url: DOCS, status: "401" });
}

export function validationFailed(errors: object[], message = "Validation Failed"): RestResponse {
  return json(422, { message, errors, documentation_url: DOCS, status: "422" });
}

export function badRequest(message: string): RestResponse {
  return json(400, { message, documentation_url: DOCS, status: "400" });
}

/** The `body` field of a JSON request, or undefined when it is not a string. */
export function stringField(body: unknown, field: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === "string" ? value : undefined;
}
