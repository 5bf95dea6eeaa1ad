import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { REPO } from "../support/app-harness.js";
import { useHarness, type Scenario } from "../support/scenario.js";
import { hostileCiScript } from "../support/hostile-text.js";
import { call, complete, kindOf, scriptedAgent, write } from "../support/scripted-agent.js";
import type { RecordedRequest } from "../support/scripted-llm-server.js";

/**
 * Untrusted input the server must handle without stalling: a CI job that prints megabytes of hostile
 * escape sequences and long lines, and a repository holding a file of tens of megabytes, a binary file
 * and symbolic links that loop or lead to folders.
 */

const app = useHarness();
let scratch: string | undefined;
afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

const toolResults = (requests: RecordedRequest[]): string[] => [
  ...new Set(
    requests.flatMap((r) =>
      (r.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === "tool").map((m) => m.content),
    ),
  ),
];

/**
 * Webhooks "GitHub" sends every 250 ms while `active()`: each ack's latency is counted from when it was
 * due, not from when this process got round to sending it, so a stalled event loop shows as the stall.
 */
function webhookProbe(harness: Scenario) {
  const latencies: number[] = [];
  const statuses: number[] = [];
  let running: Promise<void> | undefined;
  let stopped = false;
  const start = () => {
    running ??= (async () => {
      const begin = Date.now();
      const inFlight: Array<Promise<void>> = [];
      for (let k = 0; k < 200; k++) {
        const due = begin + k * 250;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        if (stopped) break;
        inFlight.push(
          harness.command(1, `An unrelated remark ${k}.`).then((res) => {
            statuses.push(res.status);
            latencies.push(Date.now() - due);
          }),
        );
      }
      await Promise.all(inFlight);
    })();
  };
  return {
    start,
    latencies,
    statuses,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

describe("input bounds through the real server", () => {
  it(
    "answers webhooks within GitHub's 10 s while it reads a failed job's megabytes of hostile log, and feeds back a bounded excerpt",
    { timeout: 180_000 },
    async () => {
      const script = `if grep -q hello src/greet.txt; then echo "1 passed"; exit 0; fi\n${hostileCiScript(3).replace("#!/bin/sh\n", "")}`;
      let fixSeen = false;
      const h = await app.start({
        files: {
          ".github/workflows/ci.yml":
            "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Run tests\n        run: sh check.sh\n",
          "check.sh": script,
        },
        config: "ci:\n  fix_attempts: 2\n",
        llm: scriptedAgent({
          plan: ["Write src/greet.txt with a greeting."],
          steps: [
            { match: "greeting", actions: [write({ "src/greet.txt": "hi\n" }), complete, write({ "src/greet.txt": "hello\n" }), complete] },
          ],
          onRequest: (r) => {
            if (String(r.body.messages[1]?.content ?? "").includes("The checks of the previous attempt at this step failed"))
              fixSeen = true;
            return undefined;
          },
        }),
      });
      const harness = h;
      const probe = webhookProbe(harness);
      // GitHub would keep delivering while the app works: start when the app asks for the job's log.
      harness.gh.onRequest(({ path }) => {
        if (/\/actions\/jobs\/\d+\/logs$/.test(path)) probe.start();
      });
      const issue = harness.gh.createIssue(REPO, { title: "Greeting", body: "Write a greeting file." });
      expect(issue.number).toBe(1);
      await harness.label(issue.number);
      const deadline = Date.now() + 150_000;
      while (!fixSeen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // A few more deliveries after the excerpt was sent, then stop.
      await new Promise((r) => setTimeout(r, 1000));
      await probe.stop();
      await harness.idle();
      await harness.gh.actionsIdle();

      // The log was megabytes, and only its end was fetched (by range from the blob URL).
      const ranged = harness.gh.requests.find((r) => r.path.startsWith("/_blobs/job-logs/") && r.status === 206);
      expect(Number(/^bytes=(\d+)-$/.exec(String(ranged?.headers.range))?.[1])).toBeGreaterThan(1_500_000);
      expect(probe.latencies.length).toBeGreaterThan(2);
      expect(Math.max(...probe.latencies)).toBeLessThan(10_000);
      expect(probe.statuses.every((s) => s === 200)).toBe(true);
      expect(fixSeen).toBe(true);

      const fix = harness.llm.requests.find(
        (r) =>
          kindOf(r) === "act" &&
          String(r.body.messages[1]?.content ?? "").includes("The checks of the previous attempt at this step failed"),
      )!;
      const feedback = String(fix.body.messages[1].content);
      expect(feedback).toContain("AssertionError: expected 'hello' in src/greet.txt");
      expect(feedback).not.toContain("\u001b");
      expect(feedback.length).toBeLessThan(150_000);
      expect(Math.max(...feedback.split("\n").map((l) => l.length))).toBeLessThan(2_000);
      expect(harness.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* done/);
    },
  );

  it(
    "shows a range of a 40 MB file by reading only that far, describes a binary file in one line, and reports bad links file by file without server paths",
    { timeout: 180_000 },
    async () => {
      // The big file is written to disk and committed by git, so this process never holds it.
      scratch = await mkdtemp(join(tmpdir(), "l2mac-big-"));
      const bigPath = join(scratch, "big.log");
      const out = createWriteStream(bigPath);
      for (let i = 1; i <= 1_000_000; i += 1000) {
        let chunk = "";
        for (let j = i; j < i + 1000; j++) chunk += `line ${String(j).padStart(7, "0")} the quick brown fox jumps over\n`;
        if (!out.write(chunk)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");

      const peaks: number[] = [];
      const h = await app.start({
        files: {
          "data/big.log": { from: bigPath },
          "assets/logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
          "src/app.ts": "export const app = 1;\n",
          loop: { symlink: "loop" },
          "src-link": { symlink: "src" },
        },
        llm: scriptedAgent({
          plan: ["Summarise data/big.log in NOTES.md."],
          steps: [
            {
              match: "Summarise",
              actions: [
                call("view_files", { files: [{ path: "data/big.log", start_line: 400_000, end_line: 400_003 }] }),
                call("view_files", { files: ["data/big.log"] }),
                call("view_files", { files: ["loop", "src", "src-link", "missing.txt", "assets/logo.png", "src/app.ts"] }),
                write({ "NOTES.md": "# Notes\n" }),
              ],
              summary: "Wrote NOTES.md.",
            },
          ],
          // The process's peak memory at each request: the view calls run between two of them.
          onRequest: (_r, kind) => {
            if (kind === "act") peaks.push(process.resourceUsage().maxRSS * 1024);
            return undefined;
          },
        }),
      });
      const issue = h.gh.createIssue(REPO, { title: "Notes", body: "Summarise the log." });
      await h.label(issue.number);
      await h.idle();

      // Peak memory before the first view call and after the second: the 40 MB file was never held.
      expect(peaks.length).toBeGreaterThanOrEqual(3);
      expect(peaks[2]! - peaks[0]!).toBeLessThan(40 << 20);

      // Nothing the model was sent names where the server keeps its working copies.
      const results = toolResults(h.llm.requests);
      const workdir = h.env.L2MAC_WORKDIR;
      for (const text of results) expect(text).not.toContain(workdir);

      const mixed = results.find((t) => t.includes("src/app.ts ("))!;
      expect(mixed).toContain("1 | export const app = 1;");
      expect(mixed).toContain('"loop" goes through a symbolic link that loops');
      expect(mixed).toContain('"src" is a directory; use list_files');
      expect(mixed).toContain('"src-link" is a directory; use list_files');
      expect(mixed).toContain("Not found: missing.txt.");
      expect(mixed).toContain("assets/logo.png is a binary file (16 bytes); it is not shown.");

      const range = results.find((t) => t.includes("data/big.log (lines 400000-"))!;
      expect(range).toMatch(/data\/big\.log \(lines 400000-400003 of a 4\d\.\d MB file, more follow\)/);
      expect(range).toMatch(/400000 \| line 0400000 .*\n400001 \| line 0400001 .*\n400002 \| line 0400002 .*\n400003 \| line 0400003 /);
      expect(range).not.toContain("line 0400004");
      expect(range).toContain('Line numbers and the " | " after them are not part of the files.');

      const whole = results.find((t) => t.includes("data/big.log (lines 1-"))!;
      expect(whole).toMatch(
        /data\/big\.log was cut at line \d+ for space; view \{"path": "data\/big\.log", "start_line": \d+\} for more\./,
      );
      expect(whole.length).toBeLessThan(1_000_000);
      expect(h.planComment(issue.number)!.body).toMatch(/\*\*Status:\*\* done/);
    },
  );
});
