import { createSign, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { verify } from "@octokit/webhooks-methods";
import { simpleGit } from "simple-git";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub } from "./support/fake-github/index.js";
import type { FakeGitHub } from "./support/fake-github/index.js";
import { globToRegExp, parseWorkflow, triggersOnPush } from "./support/fake-github/workflow-file.js";
import type { WorkflowSpec } from "./support/fake-github/workflow-file.js";

/** The fake's GitHub Actions runner, checked with the clients the app uses: octokit, git, a webhook receiver. */

const SECRET = "actions-secret";
const REPO = "acme/ci";
const [OWNER, NAME] = ["acme", "ci"];

const CI_YML = `name: CI
on:
  push:
    branches: ["**"]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Test
        run: sh test.sh
      - name: After
        run: echo "after the tests"
`;

// Exit status comes from code.txt, so each branch decides whether CI passes.
const TEST_SH = `printf '\\033[31mred line\\033[0m\\n'
echo "::error file=src/a.ts,line=3::expected 2 but got 3"
echo "on stderr" >&2
exit "$(cat code.txt)"
`;

const LINT_YML = `name: Lint
on: [push, pull_request]
jobs:
  lint:
    steps:
      - run: echo "::warning::style nit"
`;

const MAIN_ONLY_YML = `on:
  push:
    branches: [main, "release/**"]
jobs:
  deploy:
    steps:
      - run: echo deploy
`;

const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z /;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

function appJwt(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 30, exp: now + 540, iss: 1 })}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url")}`;
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Received {
  event: string;
  valid: boolean;
  payload: {
    action: string;
    workflow_run: { id: number; head_sha: string; status: string; conclusion: string | null };
    workflow: { name: string; path: string };
    sender: { login: string };
    installation: { id: number };
  };
}

let gh: FakeGitHub;
let octokit: Octokit;
let token: string;
let receiver: Server;
const received: Received[] = [];
const scratch: string[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub({ webhookSecret: SECRET });
  await gh.createRepo({
    owner: OWNER,
    name: NAME,
    files: {
      "README.md": "# ci\n",
      ".github/workflows/ci.yml": CI_YML,
      "test.sh": TEST_SH,
      "code.txt": "1\n",
      "src/a.ts": "export const a = 3;\n",
    },
  });
  await gh.createRepo({ owner: OWNER, name: "plain", files: { "README.md": "# plain\n", "test.sh": TEST_SH } });
  const app = new Octokit({ auth: appJwt(), baseUrl: `${gh.baseUrl}/api/v3`, log: quiet });
  token = (await app.rest.apps.createInstallationAccessToken({ installation_id: 42 })).data.token;
  octokit = new Octokit({ auth: token, baseUrl: `${gh.baseUrl}/api/v3`, log: quiet });

  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", async () => {
      const valid = await verify(SECRET, body, String(req.headers["x-hub-signature-256"]));
      received.push({ event: String(req.headers["x-github-event"]), valid, payload: JSON.parse(body) as Received["payload"] });
      res.writeHead(valid ? 200 : 400).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  gh.setActionsWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`);
});

afterEach(() => {
  gh.setRunDelay(0);
  gh.dropActionsWebhooks(false);
});

afterAll(async () => {
  await gh.close();
  await new Promise((resolve) => receiver.close(resolve));
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function runsFor(headSha: string, repo = NAME) {
  return (await octokit.rest.actions.listWorkflowRunsForRepo({ owner: OWNER, repo, head_sha: headSha, per_page: 100 })).data;
}

async function jobsOf(runId: number) {
  return (await octokit.rest.actions.listJobsForWorkflowRun({ owner: OWNER, repo: NAME, run_id: runId, filter: "latest" })).data.jobs;
}

async function until(predicate: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("workflow files", () => {
  const spec = (yaml: string): WorkflowSpec => {
    const parsed = parseWorkflow(".github/workflows/x.yml", yaml);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.workflow;
  };
  const jobs = "jobs:\n  a:\n    steps:\n      - run: 'true'\n";

  it("reads the push trigger in its three forms, with branch globs", () => {
    expect(triggersOnPush(spec(`on: push\n${jobs}`), "l2mac/issue-1")).toBe(true);
    expect(triggersOnPush(spec(`on: [pull_request, push]\n${jobs}`), "x")).toBe(true);
    expect(triggersOnPush(spec(`on: pull_request\n${jobs}`), "main")).toBe(false);
    const filtered = spec(`on:\n  push:\n    branches: [main, "l2mac/*", "!l2mac/skip"]\n${jobs}`);
    expect(["main", "l2mac/issue-1", "l2mac/skip", "l2mac/a/b", "feature"].map((b) => triggersOnPush(filtered, b))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(triggersOnPush(spec(`on:\n  push:\n    branches-ignore: ["wip/**"]\n${jobs}`), "wip/a/b")).toBe(false);
    expect(triggersOnPush(spec(`on:\n  push:\n    tags: ["v*"]\n${jobs}`), "main")).toBe(false);
    expect(triggersOnPush(spec(`on:\n  push:\n${jobs}`), "main")).toBe(true);
    expect(globToRegExp("release/**").test("release/1.0/hotfix")).toBe(true);
    expect(globToRegExp("v1.*").test("v1x0")).toBe(false);
  });

  it("names steps like GitHub and reports broken files", () => {
    const workflow = spec(
      `name: CI\non: push\njobs:\n  build:\n    name: Build it\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          npm ci\n          npm test\n`,
    );
    expect(workflow.name).toBe("CI");
    expect(workflow.jobs.map((j) => [j.name, j.steps.map((s) => s.name)])).toEqual([
      ["Build it", ["Run actions/checkout@v4", "Run npm ci"]],
    ]);
    expect(parseWorkflow("w.yml", "on: push\njobs: [").ok).toBe(false);
  });
});

describe("runs from pushes", () => {
  it("a git push over HTTP runs CI: failed run, failing and skipped steps, annotations, log, signed webhook", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-actions-"));
    scratch.push(dir);
    const auth = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: auth,
    };
    await simpleGit({ unsafe: { allowUnsafeConfigEnvCount: true } })
      .env(env)
      .clone(`${gh.baseUrl}/${REPO}.git`, dir);
    const git = simpleGit({ baseDir: dir, unsafe: { allowUnsafeConfigEnvCount: true } })
      .env(env)
      .addConfig("user.name", "Bot")
      .addConfig("user.email", "bot@example.com");
    await git.checkoutLocalBranch("l2mac/issue-1");
    await writeFile(join(dir, "src/a.ts"), "export const a = 2;\n");
    await git.add("src/a.ts").commit("Step 1: fix a");
    await git.push("origin", "l2mac/issue-1");
    const sha = (await git.revparse(["HEAD"])).trim();

    // The run exists as soon as the push returned; it has not finished.
    const early = await runsFor(sha);
    expect(early.total_count).toBe(1);
    expect(early.workflow_runs[0]?.conclusion).toBeNull();

    await gh.actionsIdle();
    const {
      workflow_runs: [run],
      total_count,
    } = await runsFor(sha);
    expect(total_count).toBe(1);
    expect(run).toMatchObject({
      name: "CI",
      display_title: "Step 1: fix a",
      head_sha: sha,
      head_branch: "l2mac/issue-1",
      event: "push",
      status: "completed",
      conclusion: "failure",
      path: ".github/workflows/ci.yml",
      run_attempt: 1,
      run_number: 1,
      pull_requests: [],
      actor: { login: gh.botLogin },
      repository: { full_name: REPO },
    });
    expect(run!.html_url).toBe(`${gh.baseUrl}/${REPO}/actions/runs/${run!.id}`);
    expect((await octokit.rest.actions.getWorkflowRun({ owner: OWNER, repo: NAME, run_id: run!.id })).data.id).toBe(run!.id);

    const [job, ...others] = await jobsOf(run!.id);
    expect(others).toEqual([]);
    expect(job).toMatchObject({
      name: "test",
      status: "completed",
      conclusion: "failure",
      head_sha: sha,
      run_id: run!.id,
      labels: ["ubuntu-latest"],
    });
    expect(job!.steps?.map((s) => [s.number, s.name, s.conclusion])).toEqual([
      [1, "Set up job", "success"],
      [2, "Run actions/checkout@v4", "success"],
      [3, "Test", "failure"],
      [4, "After", "skipped"],
      [5, "Complete job", "success"],
    ]);

    // As on GitHub, the check-run id is the last segment of check_run_url, and equals the job id.
    const checkRunId = Number(job!.check_run_url.split("/").pop());
    expect(checkRunId).toBe(job!.id);
    const { data: annotations } = await octokit.rest.checks.listAnnotations({ owner: OWNER, repo: NAME, check_run_id: checkRunId });
    expect(annotations).toEqual([
      expect.objectContaining({
        path: "src/a.ts",
        start_line: 3,
        end_line: 3,
        annotation_level: "failure",
        message: "expected 2 but got 3",
        title: "",
        raw_details: null,
      }),
      expect.objectContaining({
        path: ".github",
        start_line: 1,
        end_line: 1,
        annotation_level: "failure",
        message: "Process completed with exit code 1.",
        title: "",
      }),
    ]);

    const logs = await octokit.rest.actions.downloadJobLogsForWorkflowRun({ owner: OWNER, repo: NAME, job_id: job!.id });
    expect(logs.status).toBe(200);
    expect(logs.url).toMatch(new RegExp(`^${gh.baseUrl}/_blobs/job-logs/${job!.id}\\?sig=[0-9a-f]+$`));
    const text = String(logs.data).replace(/^\uFEFF/, "");
    const lines = text.trimEnd().split("\n");
    expect(lines.every((line) => TIMESTAMPED.test(line))).toBe(true);
    const bodies = lines.map((line) => line.replace(TIMESTAMPED, ""));
    expect(bodies).toEqual(
      expect.arrayContaining([
        "##[group]Run actions/checkout@v4",
        "##[group]Run sh test.sh",
        "##[endgroup]",
        "\u001b[31mred line\u001b[0m",
        "##[error]expected 2 but got 3",
        "on stderr",
        "##[error]Process completed with exit code 1.",
      ]),
    );
    expect(bodies.indexOf("##[group]Run sh test.sh")).toBeLessThan(bodies.indexOf("\u001b[31mred line\u001b[0m"));
    expect(text).not.toContain("after the tests\n");

    // The 302 target is a signed URL: no token needed, but the signature is.
    const redirect = await fetch(`${gh.baseUrl}/api/v3/repos/${REPO}/actions/jobs/${job!.id}/logs`, {
      headers: { authorization: `token ${token}` },
      redirect: "manual",
    });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") ?? "";
    const blob = await fetch(location);
    expect([blob.status, blob.headers.get("content-type")]).toEqual([200, "text/plain; charset=utf-8"]);
    expect((await fetch(location.replace(/sig=\w+/, "sig=forged"))).status).toBe(403);

    const hooks = received.filter((r) => r.payload.workflow_run.id === run!.id);
    expect(hooks.map((h) => [h.event, h.payload.action, h.valid])).toEqual([
      ["workflow_run", "requested", true],
      ["workflow_run", "in_progress", true],
      ["workflow_run", "completed", true],
    ]);
    expect(hooks[2]!.payload).toMatchObject({
      workflow_run: { head_sha: sha, status: "completed", conclusion: "failure" },
      workflow: { name: "CI", path: ".github/workflows/ci.yml" },
      sender: { login: "github-actions[bot]" },
      installation: { id: 42 },
    });
  });

  it("pushAs runs CI too, in progress first; a passing run keeps annotations but no exit-code one", async () => {
    gh.setRunDelay(400);
    const sha = await gh.pushAs(REPO, "good", { "code.txt": "0\n" }, "Make CI pass");
    const [queued] = (await runsFor(sha)).workflow_runs;
    expect(queued).toMatchObject({ head_branch: "good", actor: { login: "alice" } });
    await until(async () => (await runsFor(sha)).workflow_runs[0]?.status === "in_progress", "in_progress");
    await gh.actionsIdle();
    const [run] = (await runsFor(sha)).workflow_runs;
    expect(run).toMatchObject({ status: "completed", conclusion: "success" });
    const [job] = await jobsOf(run!.id);
    expect(job!.steps?.map((s) => s.conclusion)).toEqual(["success", "success", "success", "success", "success"]);
    const { data: annotations } = await octokit.rest.checks.listAnnotations({ owner: OWNER, repo: NAME, check_run_id: job!.id });
    expect(annotations.map((a) => a.message)).toEqual(["expected 2 but got 3"]);
    const log = String((await octokit.rest.actions.downloadJobLogsForWorkflowRun({ owner: OWNER, repo: NAME, job_id: job!.id })).data);
    expect(log).toContain(" after the tests\n");
    expect(log).not.toContain("Process completed with exit code");
    expect(
      received.find((r) => r.payload.workflow_run.id === run!.id && r.payload.action === "completed")?.payload.workflow_run.conclusion,
    ).toBe("success");
  });

  it("lists runs by branch and status, and answers 404 for logs of a job still running", async () => {
    gh.setRunDelay(300);
    const sha = await gh.pushAs(REPO, "slow", { "code.txt": "0\n" }, "slow");
    const [run] = (await runsFor(sha)).workflow_runs;
    const [job] = await jobsOf(run!.id);
    await expect(octokit.rest.actions.downloadJobLogsForWorkflowRun({ owner: OWNER, repo: NAME, job_id: job!.id })).rejects.toMatchObject({
      status: 404,
    });
    await gh.actionsIdle();
    const list = (params: { branch?: string; status?: "success" | "failure" | "completed" | "in_progress" }) =>
      octokit.rest.actions
        .listWorkflowRunsForRepo({ owner: OWNER, repo: NAME, ...params })
        .then((r) => r.data.workflow_runs.map((w) => w.head_branch));
    expect(await list({ branch: "slow" })).toEqual(["slow"]);
    expect(await list({ status: "failure" })).toContain("l2mac/issue-1");
    expect(await list({ status: "success" })).not.toContain("l2mac/issue-1");
    expect(await list({ status: "in_progress" })).toEqual([]);
    const all = await octokit.rest.actions.listWorkflowRunsForRepo({ owner: OWNER, repo: NAME, per_page: 1 });
    expect(all.data.workflow_runs[0]?.head_branch).toBe("slow"); // newest first
    expect(all.headers.link).toContain('rel="next"');
  });

  it("drops workflow_run webhooks on request, so only polling sees the run", async () => {
    gh.dropActionsWebhooks(true);
    const before = received.length;
    const sha = await gh.pushAs(REPO, "dropped", { "code.txt": "1\n" }, "nobody hears this");
    await gh.actionsIdle();
    expect(received.length).toBe(before);
    expect((await runsFor(sha)).workflow_runs[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(gh.actionsDeliveries.filter((d) => d.headSha === sha).map((d) => [d.action, d.dropped])).toEqual([
      ["requested", true],
      ["in_progress", true],
      ["completed", true],
    ]);
  });

  it("records a failed delivery when the receiver is down, and keeps going", async () => {
    gh.setActionsWebhookUrl("http://127.0.0.1:9/down");
    try {
      const sha = await gh.pushAs(REPO, "down", { "code.txt": "0\n" }, "no receiver");
      await gh.actionsIdle();
      expect((await runsFor(sha)).workflow_runs[0]?.conclusion).toBe("success");
      const failures = gh.actionsDeliveries.filter((d) => d.headSha === sha);
      expect(failures).toHaveLength(3);
      expect(failures.every((d) => d.error !== undefined && d.status === undefined)).toBe(true);
    } finally {
      gh.setActionsWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`);
    }
  });

  it("runs every push workflow of the sha, honours branch filters, and none without workflow files", async () => {
    const sha = await gh.pushAs(
      REPO,
      "two",
      { ".github/workflows/lint.yml": LINT_YML, ".github/workflows/main-only.yaml": MAIN_ONLY_YML, "code.txt": "0\n" },
      "Add lint",
    );
    await gh.actionsIdle();
    const { workflow_runs: runs, total_count } = await runsFor(sha);
    expect(total_count).toBe(2);
    expect(runs.map((r) => [r.name, r.path, r.conclusion]).sort()).toEqual([
      ["CI", ".github/workflows/ci.yml", "success"],
      ["Lint", ".github/workflows/lint.yml", "success"],
    ]);
    const lint = runs.find((r) => r.name === "Lint")!;
    const [lintJob] = await jobsOf(lint.id);
    const { data: annotations } = await octokit.rest.checks.listAnnotations({ owner: OWNER, repo: NAME, check_run_id: lintJob!.id });
    expect(annotations).toEqual([expect.objectContaining({ path: ".github", annotation_level: "warning", message: "style nit" })]);

    const plain = await gh.pushAs(`${OWNER}/plain`, "l2mac/issue-1", { "x.txt": "x\n" }, "no CI here");
    await gh.actionsIdle();
    expect((await runsFor(plain, "plain")).total_count).toBe(0);
    expect(gh.workflowRuns(`${OWNER}/plain`)).toEqual([]);
  });

  it("fails a step that outlives its timeout", async () => {
    gh.setStepTimeout(300);
    try {
      const sha = await gh.pushAs(REPO, "hangs", { "test.sh": "sleep 5\n" }, "hang");
      await gh.actionsIdle();
      const [run] = (await runsFor(sha)).workflow_runs;
      expect(run?.conclusion).toBe("failure");
      const [job] = await jobsOf(run!.id);
      expect(job!.steps?.find((s) => s.name === "Test")?.conclusion).toBe("failure");
      const log = String((await octokit.rest.actions.downloadJobLogsForWorkflowRun({ owner: OWNER, repo: NAME, job_id: job!.id })).data);
      expect(log).toMatch(/##\[error\]The action 'Test' has timed out/);
    } finally {
      gh.setStepTimeout(60_000);
    }
  });
});

describe("conditional requests and test hooks", () => {
  it("answers If-None-Match with 304 while nothing changed, and with a new ETag once the run completed", async () => {
    gh.setRunDelay(1000);
    const sha = await gh.pushAs(REPO, "etag", { "code.txt": "0\n" }, "etag");
    await until(async () => (await runsFor(sha)).workflow_runs[0]?.status === "in_progress", "in_progress");
    const params = { owner: OWNER, repo: NAME, head_sha: sha, per_page: 100 };
    const first = await octokit.rest.actions.listWorkflowRunsForRepo(params);
    const etag = first.headers.etag ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const count304 = () => gh.requests.filter((r) => r.status === 304 && r.path.includes("/actions/runs?")).length;
    const before = count304();
    await expect(octokit.rest.actions.listWorkflowRunsForRepo({ ...params, headers: { "if-none-match": etag } })).rejects.toMatchObject({
      status: 304,
    });
    expect(count304()).toBe(before + 1);

    await gh.actionsIdle();
    const after = await octokit.rest.actions.listWorkflowRunsForRepo({ ...params, headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(after.data.workflow_runs[0]?.status).toBe("completed");
  });

  it("forces a conclusion without running anything", async () => {
    gh.setConclusionOverride(REPO, "CI", "cancelled");
    try {
      const sha = await gh.pushAs(REPO, "cancel-me", { "code.txt": "0\n" }, "cancel");
      await gh.actionsIdle();
      const [run] = (await runsFor(sha)).workflow_runs;
      expect(run).toMatchObject({ status: "completed", conclusion: "cancelled" });
      expect((await jobsOf(run!.id)).map((j) => j.conclusion)).toEqual(["cancelled"]);
      expect(
        received.find((r) => r.payload.workflow_run.id === run!.id && r.payload.action === "completed")?.payload.workflow_run.conclusion,
      ).toBe("cancelled");
    } finally {
      gh.setConclusionOverride(REPO, "CI", undefined);
    }
  });

  it("runWorkflows queues runs for a branch head that was never pushed", async () => {
    const main = await gh.branchSha(REPO, "main");
    expect((await runsFor(main!)).total_count).toBe(0);
    const ids = await gh.runWorkflows(REPO, "main");
    expect(ids).toHaveLength(1);
    await gh.actionsIdle();
    const { workflow_runs: runs } = await runsFor(main!);
    expect(runs.map((r) => [r.id, r.head_branch, r.event, r.conclusion])).toEqual([[ids[0], "main", "push", "failure"]]);
  });
});
