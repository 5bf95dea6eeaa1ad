import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../support/cluster.js";
import { eventually } from "../support/processes.js";

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "a");

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** An unsigned POST of `bytes` to the webhook path, streamed from one reused chunk (the sender holds no copy). */
function post(url: string, bytes: number, chunked: boolean): Promise<{ status: number | string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": `flood-${Math.random()}`,
      "x-hub-signature-256": "sha256=00",
      ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": bytes }),
    };
    let settled = false;
    const settle = (status: number | string) => {
      if (settled) return;
      settled = true;
      resolve({ status, ms: Date.now() - started });
    };
    const req = request(url, { method: "POST", headers }, (res) => {
      res.resume();
      settle(res.statusCode ?? 0);
    });
    // The server may close while the body is still going out: the answer came first or it did not.
    req.on("error", (e) => settle(`error: ${e.message}`));
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !settled) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

/** Peak and current resident memory of a process, in bytes. */
async function memory(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb("VmHWM"), now: kb("VmRSS") };
}

describe("webhook bodies", () => {
  it("refuses bodies over 25 MB with 413 before reading them, keeps memory flat, and still takes signed deliveries", async () => {
    cluster = await startCluster({ llm: () => ({ content: "unused" }) });
    const server = cluster.spawn("server");
    await server.waitFor(/Listening on/);
    const pid = server.child.pid!;
    // Warm up: the first delivery loads the code paths a later one uses.
    expect((await cluster.deliver("ping", { zen: "Keep it logically awesome.", hook_id: 1 })).status).toBe(200);
    const before = await memory(pid);

    // 30 MB, declared: refused on the header alone.
    const declared = await post(cluster.webhookUrl, 30 * MB, false);
    expect(declared.status).toBe(413);
    expect(declared.ms).toBeLessThan(5_000);
    // 30 MB without content-length: refused once the count passes 25 MB.
    const chunked = await post(cluster.webhookUrl, 30 * MB, true);
    expect(chunked.status).toBe(413);
    expect(chunked.ms).toBeLessThan(5_000);

    // An attacker sends much more, several at once, both ways: the server's memory must not follow.
    const flood = await Promise.all([
      post(cluster.webhookUrl, 200 * MB, false),
      post(cluster.webhookUrl, 200 * MB, false),
      post(cluster.webhookUrl, 200 * MB, true),
      post(cluster.webhookUrl, 200 * MB, true),
    ]);
    expect(flood.map((r) => r.status)).toEqual([413, 413, 413, 413]);
    const after = await memory(pid);
    // Each chunked body is read to at most 25 MB before it is refused; Probot alone held 3 × 200 MB each.
    expect(after.peak - before.peak).toBeLessThan(150 * MB);

    // A real, signed delivery is served as before: /l2mac help by a writer gets the help text.
    const issue = cluster.gh.createIssue("acme/demo", { title: "Anything", body: "Some task." });
    const comment = cluster.gh.addComment("acme/demo", issue.number, "/l2mac help", "alice");
    const payload = cluster.gh.issueCommentPayload("acme/demo", issue.number, "created", {
      id: comment.id,
      body: "/l2mac help",
      user: "alice",
    });
    expect((await cluster.deliver("issue_comment", payload)).status).toBe(200);
    await eventually(
      () => cluster!.gh.issue("acme/demo", issue.number).comments.some((c) => c.body.startsWith("**L2MAC commands**")),
      20_000,
      "the help reply",
    );
  }, 120_000);
});
