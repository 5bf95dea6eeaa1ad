import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit as RestOctokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { failureFeedback } from "../../src/github/actions.js";
import type { CiRun } from "../../src/github/ci-verdict.js";
import { downloadJobLogTail } from "../../src/github/job-log-download.js";
import type { Octokit } from "../../src/github/octokit.js";

const API = "https://api.github.com";
const BLOB = "https://results.blob.example";
const repo = { owner: "acme", repo: "demo" };
const octokit = () => new RestOctokit({ auth: "ghs_installation_token" }) as unknown as Octokit;

/** `n` numbered log lines of about 100 bytes each. */
const logOf = (n: number): string =>
  Array.from({ length: n }, (_, i) => `2026-11-22T10:00:00.0000000Z line ${String(i).padStart(7, "0")} ${"x".repeat(60)}`).join("\n") +
  "\n";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

/** The logs endpoint's redirect to a signed blob URL, as GitHub answers it. */
const redirect = (jobId: number) =>
  nock(API)
    .get(`/repos/acme/demo/actions/jobs/${jobId}/logs`)
    .reply(302, "", { location: `${BLOB}/logs/${jobId}?sig=abc` });

describe("downloading a job's log", () => {
  it("asks blob storage for the last megabyte only, without the token, when the log is larger", async () => {
    const log = logOf(50_000); // 5 MB
    const size = Buffer.byteLength(log);
    const tail = 1 << 20;
    redirect(7);
    nock(BLOB)
      .get("/logs/7")
      .query({ sig: "abc" })
      .reply(200, log, { "content-length": String(size) });
    const ranged = nock(BLOB, { badheaders: ["authorization"] })
      .get("/logs/7")
      .query({ sig: "abc" })
      .matchHeader("range", `bytes=${size - tail}-`)
      .reply(206, log.slice(size - tail), { "content-range": `bytes ${size - tail}-${size - 1}/${size}` });

    const text = await downloadJobLogTail(octokit(), repo, 7);
    expect(ranged.isDone()).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(tail);
    // It starts at a whole line and ends with the log's last line.
    expect(text).toMatch(/^2026-11-22T10:00:00\.0000000Z line \d{7} x+\n/);
    expect(text.trimEnd().split("\n").at(-1)).toContain("line 0049999");
  });

  it("keeps only the tail when the server ignores the range", async () => {
    const log = logOf(30_000);
    redirect(8);
    nock(BLOB)
      .get("/logs/8")
      .query(true)
      .twice()
      .reply(200, log, { "content-length": String(Buffer.byteLength(log)) });
    const text = await downloadJobLogTail(octokit(), repo, 8, { tailBytes: 10_000 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(10_000);
    expect(text.trimEnd().split("\n").at(-1)).toContain("line 0029999");
  });

  it("stops reading a log of unknown size after the read limit", async () => {
    // A real socket, so what is not read is never sent: 1 GB offered in chunks, with no content-length.
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(64 * 1024, "y\n");
      const pump = () => {
        while (sent < 1 << 30 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    nock.enableNetConnect("127.0.0.1");
    try {
      const { port } = server.address() as AddressInfo;
      nock(API)
        .get("/repos/acme/demo/actions/jobs/9/logs")
        .reply(302, "", { location: `http://127.0.0.1:${port}/logs/9?sig=abc` });
      const text = await downloadJobLogTail(octokit(), repo, 9, { tailBytes: 4096, maxReadBytes: 1 << 20 });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
      expect(sent).toBeLessThan(64 << 20);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("failure feedback", () => {
  const run: CiRun = { id: 1, name: "CI", status: "completed", conclusion: "failure", url: "u", createdAt: "2026-01-01T00:00:00Z" };

  it("shows the first few failing jobs of a large matrix and names the rest, with annotations cut short", async () => {
    const jobs = Array.from({ length: 40 }, (_, i) => ({
      id: 100 + i,
      name: `test (${i})`,
      conclusion: "failure",
      steps: [{ name: "Run tests", conclusion: "failure", number: 1, status: "completed" }],
    }));
    nock(API).get("/repos/acme/demo/actions/runs/1/jobs").query(true).reply(200, { total_count: jobs.length, jobs });
    const logs: number[] = [];
    nock(API)
      .get(/\/repos\/acme\/demo\/check-runs\/\d+\/annotations/)
      .query(true)
      .times(40)
      .reply(200, [{ path: "src/a.ts", start_line: 1, message: `expected 1 to be 2 ${"!".repeat(60_000)}` }]);
    nock(API)
      .get(/\/repos\/acme\/demo\/actions\/jobs\/\d+\/logs/)
      .times(40)
      .reply(function (uri) {
        logs.push(Number(/jobs\/(\d+)\/logs/.exec(uri)![1]));
        return [200, logOf(100) + "AssertionError: boom\n##[error]Process completed with exit code 1.\n", { "content-type": "text/plain" }];
      });

    const failure = await failureFeedback(octokit(), repo, [run], 3000);
    expect(failure.jobs).toHaveLength(40);
    expect(logs).toEqual([100, 101, 102, 103, 104]);
    expect(failure.text).toContain("35 more failing jobs, not shown: `CI / test (5)`");
    expect(failure.text).toContain("AssertionError: boom");
    expect(failure.text.length).toBeLessThan(40_000);
  });

  it("reads only the end of a job's 5 MB log and feeds back its failure", async () => {
    const log = logOf(50_000) + "2026-11-22T10:00:00.0000000Z AssertionError: expected 'hello'\n";
    const size = Buffer.byteLength(log);
    nock(API)
      .get("/repos/acme/demo/actions/runs/1/jobs")
      .query(true)
      .reply(200, { total_count: 1, jobs: [{ id: 5, name: "test", conclusion: "failure", steps: [] }] });
    nock(API).get("/repos/acme/demo/check-runs/5/annotations").query(true).reply(200, []);
    redirect(5);
    nock(BLOB)
      .get("/logs/5")
      .query(true)
      .reply(200, log, { "content-length": String(size) });
    const ranged = nock(BLOB)
      .get("/logs/5")
      .query(true)
      .matchHeader("range", /^bytes=\d+-$/)
      .reply(206, (_uri, _body) => log.slice(size - (1 << 20)));
    const failure = await failureFeedback(octokit(), repo, [run], 2000);
    expect(ranged.isDone()).toBe(true);
    expect(failure.text).toContain("AssertionError: expected 'hello'");
  });
});
