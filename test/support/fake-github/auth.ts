import type { IncomingHttpHeaders } from "node:http";

/** Credential parsing for the three ways the app authenticates: app JWT, installation token, git Basic. */

function authorization(headers: IncomingHttpHeaders): string {
  return (headers.authorization ?? "").trim();
}

/** `token <t>` or `Bearer <t>`, the two forms octokit uses for installation tokens. */
export function apiToken(headers: IncomingHttpHeaders): string | undefined {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(authorization(headers))?.[1];
}

function base64UrlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * A well-formed app JWT issued for `appId`. The signature is not verified (the fake has no public key),
 * but a token the app cannot have built right (wrong issuer, expired, not a JWT) is refused.
 */
export function validAppJwt(headers: IncomingHttpHeaders, appId: number): boolean {
  const jwt = /^bearer\s+(\S+)$/i.exec(authorization(headers))?.[1];
  const parts = jwt?.split(".");
  if (!parts || parts.length !== 3 || !parts[2]) return false;
  const header = base64UrlJson(parts[0] ?? "");
  const claims = base64UrlJson(parts[1] ?? "");
  if (typeof header !== "object" || header === null || typeof claims !== "object" || claims === null) return false;
  const { iss, exp } = claims as { iss?: unknown; exp?: unknown };
  if (String(iss) !== String(appId)) return false;
  return typeof exp !== "number" || exp * 1000 > Date.now();
}

/** The token from `Authorization: Basic base64("x-access-token:<token>")`, GitHub's git-over-HTTPS form. */
export function gitBasicToken(headers: IncomingHttpHeaders): string | undefined {
  const encoded = /^basic\s+(\S+)$/i.exec(authorization(headers))?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0 || decoded.slice(0, colon) !== "x-access-token") return undefined;
  return decoded.slice(colon + 1);
}
