import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/app-harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = import.meta.resolve("tsx");

let child: ChildProcess | undefined;
let cwd: string | undefined;
afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** Starts src/server.ts (what `npm start` runs, before compilation) in an empty folder with only `env`. */
async function start(env: Record<string, string>): Promise<string> {
  // An empty working folder, so no developer's .env is picked up; app.yml is what the setup page serves.
  cwd = await mkdtemp(join(tmpdir(), "l2mac-start-"));
  await copyFile(join(root, "app.yml"), join(cwd, "app.yml"));
  const port = await freePort();
  child = spawn(process.execPath, ["--import", tsx, join(root, "src", "server.ts")], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      PORT: String(port),
      HOST: "127.0.0.1",
      NO_SMEE_SETUP: "true",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (/Listening on/.test(output)) return base;
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${output}`);
}

describe("npm start", () => {
  it("serves Probot's setup page when there are no credentials", async () => {
    const base = await start({});
    const page = await fetch(`${base}/probot`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Register GitHub App");
    // The manifest form is built from app.yml.
    expect(html).toContain("L2MAC");
  });

  it("serves the webhook path with credentials and rejects a bad signature", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const base = await start({ APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s3cret", OPENAI_API_KEY: "k" });
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const post = (signature: string) =>
      fetch(`${base}/api/github/webhooks`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": "d-1",
          "x-hub-signature-256": signature,
        },
      });
    expect((await post(await sign("wrong", body))).status).toBe(400);
    expect((await post(await sign("s3cret", body))).status).toBe(200);
  });
});
