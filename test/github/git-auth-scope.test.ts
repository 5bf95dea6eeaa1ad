import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { gitEnv } from "../../src/github/branch-store.js";

const run = promisify(execFile);

/** A stand-in git host that records the Authorization header of every request and answers 404. */
async function recordingHost(onRequest?: (path: string) => string | undefined) {
  const seen: Array<{ path: string; authorization?: string }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    const redirect = onRequest?.(req.url ?? "");
    if (redirect) res.writeHead(302, { location: redirect }).end();
    else res.writeHead(404, { "content-type": "text/plain" }).end("Repository not found.");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const hosts: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

const lsRemote = (url: string, env: Record<string, string>) => run("git", ["ls-remote", url], { env }).catch(() => undefined);

describe("the git auth header", () => {
  it("goes to the remote's origin and to no other host (LFS, submodule or redirect target)", async () => {
    const other = await recordingHost();
    const origin = await recordingHost((path) =>
      path.startsWith("/moved/") ? `${other.url}/elsewhere.git/info/refs?service=git-upload-pack` : undefined,
    );
    hosts.push(other, origin);
    const env = gitEnv("ghs_secret", `${origin.url}/acme/demo.git`);
    const header = `Basic ${Buffer.from("x-access-token:ghs_secret").toString("base64")}`;

    await lsRemote(`${origin.url}/acme/demo.git`, env);
    expect(origin.seen.length).toBeGreaterThan(0);
    expect(origin.seen.every((r) => r.authorization === header)).toBe(true);

    // A second host, as an `.lfsconfig` URL or a submodule would name it.
    await lsRemote(`${other.url}/lfs/objects.git`, env);
    // A redirect from the origin to another host.
    await lsRemote(`${origin.url}/moved/demo.git`, env);
    expect(other.seen.length).toBeGreaterThan(0);
    expect(other.seen.map((r) => r.authorization)).toEqual(other.seen.map(() => undefined));
  });

  it("is configured for the origin URL only, as git resolves it", async () => {
    const env = gitEnv("ghs_secret", "https://ghe.example.com/acme/demo.git");
    const get = (url: string) =>
      run("git", ["config", "--get-urlmatch", "http.extraHeader", url], { env }).then(
        (r) => r.stdout.trim(),
        () => "",
      );
    expect(await get("https://ghe.example.com/acme/demo.git")).toMatch(/^Authorization: Basic /);
    expect(await get("https://lfs.example.net/acme/demo.git/info/lfs")).toBe("");
    expect(await get("http://ghe.example.com/acme/demo.git")).toBe("");
  });
});
