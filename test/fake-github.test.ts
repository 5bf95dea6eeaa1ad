import { createSign, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { verify } from "@octokit/webhooks-methods";
import { Probot, ProbotOctokit } from "probot";
import { simpleGit } from "simple-git";
import type { SimpleGit } from "simple-git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub } from "./support/fake-github/index.js";
import type { FakeGitHub } from "./support/fake-github/index.js";

/** The fake must be faithful enough that passing scenario tests mean something: checked here with real clients. */

const SECRET = "webhook-secret";
const REPO = "acme/demo";
const CONFIG = "maxSteps: 3\nworkflow: ci.yml\n";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

function appJwt(iss: number | string = 1): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iat: now - 30, exp: now + 540, iss })}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url")}`;
}

/** Octokit logs every failed request; the failures here are the point. */
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const client = (auth?: string) => new Octokit({ auth, baseUrl: `${gh.baseUrl}/api/v3`, log: quiet });

let gh: FakeGitHub;
let octokit: Octokit;
let token: string;
const scratch: string[] = [];

beforeAll(async () => {
  gh = await startFakeGitHub({ webhookSecret: SECRET });
  await gh.createRepo({
    owner: "acme",
    name: "demo",
    files: { "README.md": "# demo\n", ".github/l2mac.yml": CONFIG, "src/a.ts": "export const a = 1;\n" },
    permissions: { acme: "admin", alice: "maintain", bob: "triage" },
  });
  const app = client(appJwt());
  token = (await app.rest.apps.createInstallationAccessToken({ installation_id: 42 })).data.token;
  octokit = client(token);
});

afterAll(async () => {
  await gh.close();
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("app authentication", () => {
  it("issues installation tokens for a JWT with the app's iss, and nothing else", async () => {
    expect(token).toMatch(/^ghs_[A-Za-z0-9]{32}$/);
    expect(gh.issuedTokens).toContain(token);
    const app = client(appJwt("1"));
    const { data, status } = await app.rest.apps.createInstallationAccessToken({ installation_id: 42 });
    expect(status).toBe(201);
    expect(Date.parse(data.expires_at) - Date.now()).toBeGreaterThan(59 * 60 * 1000);
    expect(data.permissions).toMatchObject({ contents: "write", issues: "write", pull_requests: "write" });
    expect((await app.rest.apps.getAuthenticated()).data).toMatchObject({ id: 1, slug: "l2mac" });

    await expect(app.rest.apps.createInstallationAccessToken({ installation_id: 7 })).rejects.toMatchObject({ status: 404 });
    const wrongApp = client(appJwt(2));
    await expect(wrongApp.rest.apps.createInstallationAccessToken({ installation_id: 42 })).rejects.toMatchObject({ status: 401 });
    // An installation token is not an app JWT.
    await expect(octokit.rest.apps.createInstallationAccessToken({ installation_id: 42 })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses repo calls without a valid installation token", async () => {
    const stranger = client("ghs_notissued");
    await expect(stranger.rest.repos.get({ owner: "acme", repo: "demo" })).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "Bad credentials" } },
    });
    const anonymous = client();
    await expect(anonymous.rest.issues.get({ owner: "acme", repo: "demo", issue_number: 1 })).rejects.toMatchObject({ status: 401 });
  });

  it("serves Probot: app auth through @octokit/auth-app, then the config plugin reading .github/l2mac.yml", async () => {
    const probot = new Probot({
      appId: 1,
      privateKey: privateKeyPem,
      baseUrl: `${gh.baseUrl}/api/v3`,
      Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
    });
    const installation = await probot.auth(42);
    const { config } = await installation.config.get({ owner: "acme", repo: "demo", path: ".github/l2mac.yml" });
    expect(config).toEqual({ maxSteps: 3, workflow: "ci.yml" });
    // A missing file falls back to the org's .github repo, which 404s too: no config, no error.
    expect((await installation.config.get({ owner: "acme", repo: "demo", path: ".github/absent.yml" })).config).toEqual({});
    expect(gh.requests.some((r) => r.path.startsWith("/api/v3/repos/acme/.github/contents/") && r.status === 404)).toBe(true);
  });
});

describe("REST", () => {
  it("returns the repository and file contents, raw or base64, from the bare repo", async () => {
    const { data: repo } = await octokit.rest.repos.get({ owner: "acme", repo: "demo" });
    expect(repo).toMatchObject({
      full_name: REPO,
      default_branch: "main",
      private: false,
      clone_url: `${gh.baseUrl}/acme/demo.git`,
      owner: { login: "acme" },
    });

    const raw = await octokit.rest.repos.getContent({
      owner: "acme",
      repo: "demo",
      path: ".github/l2mac.yml",
      mediaType: { format: "raw" },
    });
    expect(raw.data).toBe(CONFIG);
    expect(raw.headers["content-type"]).toBe("text/plain; charset=utf-8");

    const { data: file } = await octokit.rest.repos.getContent({ owner: "acme", repo: "demo", path: "src/a.ts" });
    expect(file).toMatchObject({ type: "file", encoding: "base64", path: "src/a.ts", name: "a.ts" });
    if (Array.isArray(file) || file.type !== "file") throw new Error("expected a file");
    expect(Buffer.from(file.content, "base64").toString("utf8")).toBe("export const a = 1;\n");

    const { data: dir } = await octokit.rest.repos.getContent({ owner: "acme", repo: "demo", path: "src" });
    expect(Array.isArray(dir) && dir.map((e) => e.name)).toEqual(["a.ts"]);
    await expect(octokit.rest.repos.getContent({ owner: "acme", repo: "demo", path: "nope.txt" })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "missing" })).rejects.toMatchObject({ status: 404 });
  });

  it("reports collaborator permissions the legacy way, with the role name", async () => {
    const level = async (username: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: "acme", repo: "demo", username })).data;
    expect(await level("acme")).toMatchObject({ permission: "admin", role_name: "admin", user: { login: "acme" } });
    expect(await level("alice")).toMatchObject({ permission: "write", role_name: "maintain" });
    expect(await level("bob")).toMatchObject({ permission: "read", role_name: "triage" });
    await expect(level("mallory")).rejects.toMatchObject({ status: 404 });
  });

  it("creates, paginates past 100 and edits comments as the app's bot", async () => {
    const issue = gh.createIssue(REPO, { title: "Many comments", body: "please" });
    const params = { owner: "acme", repo: "demo", issue_number: issue.number };
    let first: { id: number; created_at: string; updated_at: string } | undefined;
    for (let i = 0; i < 105; i++) {
      const { data, status } = await octokit.rest.issues.createComment({ ...params, body: `comment ${i}` });
      expect(status).toBe(201);
      first ??= data;
      if (i === 0)
        expect(data).toMatchObject({
          user: { login: "l2mac[bot]", type: "Bot" },
          performed_via_github_app: { id: 1, slug: "l2mac" },
          author_association: "NONE",
        });
    }
    const all = await octokit.paginate(octokit.rest.issues.listComments, { ...params, per_page: 100 });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 105 }, (_, i) => `comment ${i}`));
    const firstPage = await octokit.rest.issues.listComments(params);
    expect(firstPage.data).toHaveLength(30);
    expect(firstPage.headers.link).toMatch(/page=2>; rel="next".*page=4>; rel="last"/);
    expect((await octokit.rest.issues.get(params)).data).toMatchObject({ comments: 105, title: "Many comments", user: { login: "alice" } });

    const { data: edited } = await octokit.rest.issues.updateComment({
      owner: "acme",
      repo: "demo",
      comment_id: first!.id,
      body: "edited",
    });
    expect(edited.body).toBe("edited");
    expect(edited.updated_at > first!.updated_at).toBe(true);
    expect(gh.issue(REPO, issue.number).comments[0]).toMatchObject({ body: "edited", user: { login: gh.botLogin, type: "Bot" } });
  });

  it("rejects comment bodies over 65536 characters with GitHub's 422", async () => {
    const issue = gh.createIssue(REPO, { title: "Long", body: null });
    const params = { owner: "acme", repo: "demo", issue_number: issue.number };
    await expect(octokit.rest.issues.createComment({ ...params, body: "x".repeat(65537) })).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: "Validation Failed",
          errors: [{ resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }],
        },
      },
    });
    const { data } = await octokit.rest.issues.createComment({ ...params, body: "x".repeat(65536) });
    await expect(
      octokit.rest.issues.updateComment({ owner: "acme", repo: "demo", comment_id: data.id, body: "y".repeat(65537) }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("records reactions, labels and human edits", async () => {
    const issue = gh.createIssue(REPO, { title: "React", body: "b", labels: ["bug"] });
    const params = { owner: "acme", repo: "demo", issue_number: issue.number };
    expect((await octokit.rest.reactions.createForIssue({ ...params, content: "eyes" })).status).toBe(201);
    expect((await octokit.rest.reactions.createForIssue({ ...params, content: "eyes" })).status).toBe(200);
    const human = gh.addComment(REPO, issue.number, "/l2mac continue");
    const { data: reaction } = await octokit.rest.reactions.createForIssueComment({
      owner: "acme",
      repo: "demo",
      comment_id: human.id,
      content: "+1",
    });
    expect(reaction).toMatchObject({ content: "+1", user: { login: gh.botLogin } });
    expect(gh.issue(REPO, issue.number).reactions.map((r) => r.content)).toEqual(["eyes"]);
    expect(gh.issue(REPO, issue.number).comments[0]?.reactions.map((r) => r.content)).toEqual(["+1"]);

    await octokit.rest.issues.addLabels({ ...params, labels: ["l2mac"] });
    await octokit.rest.issues.removeLabel({ ...params, name: "bug" });
    expect(gh.issue(REPO, issue.number).labels).toEqual(["l2mac"]);
    await expect(octokit.rest.issues.removeLabel({ ...params, name: "bug" })).rejects.toMatchObject({ status: 404 });

    gh.editComment(REPO, human.id, "/l2mac continue please");
    const { data: fetched } = await octokit.rest.issues.getComment({ owner: "acme", repo: "demo", comment_id: human.id });
    expect(fetched).toMatchObject({
      body: "/l2mac continue please",
      user: { login: "alice", type: "User" },
      author_association: "COLLABORATOR",
      performed_via_github_app: null,
    });
  });

  it("opens PRs only from existing branches with commits, once per head", async () => {
    await gh.pushAs(REPO, "feature/pr", { "b.txt": "b\n" }, "Add b");
    const create = { owner: "acme", repo: "demo", title: "Feature", head: "feature/pr", base: "main", body: "Closes #1", draft: true };
    const { data: pull, status } = await octokit.rest.pulls.create(create);
    expect(status).toBe(201);
    expect(pull).toMatchObject({
      state: "open",
      draft: true,
      head: { ref: "feature/pr", sha: await gh.branchSha(REPO, "feature/pr") },
      base: { ref: "main" },
      user: { login: gh.botLogin },
    });
    await expect(octokit.rest.pulls.create(create)).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ message: "A pull request already exists for acme:feature/pr." }] } },
    });
    await expect(octokit.rest.pulls.create({ ...create, head: "no-such-branch" })).rejects.toMatchObject({ status: 422 });
    await gh.pushAs(REPO, "empty", {}, "nothing new");
    await gh.pushAs(REPO, "main", { "c.txt": "c\n" }, "main moves on");
    await expect(octokit.rest.pulls.create({ ...create, head: "main", base: "feature/pr" })).resolves.toMatchObject({ status: 201 });

    const open = await octokit.rest.pulls.list({ owner: "acme", repo: "demo", state: "open", head: "acme:feature/pr" });
    expect(open.data.map((p) => p.number)).toEqual([pull.number]);
    const { data: closed } = await octokit.rest.pulls.update({
      owner: "acme",
      repo: "demo",
      pull_number: pull.number,
      body: "updated",
      state: "closed",
    });
    expect(closed).toMatchObject({ state: "closed", body: "updated" });
    expect(gh.pulls(REPO).find((p) => p.number === pull.number)).toMatchObject({ state: "closed", head: "feature/pr", base: "main" });
    // PRs and issues share the number sequence.
    expect(gh.createIssue(REPO, { title: "after", body: null }).number).toBe(pull.number + 2);
  });

  it("serves reviews, their line comments and replies in a thread, and closes or merges a PR", async () => {
    await gh.pushAs(REPO, "feature/review", { "src/r.ts": "one\ntwo\nthree\n" }, "Add r");
    const repo = { owner: "acme", repo: "demo" };
    const { data: pull } = await octokit.rest.pulls.create({ ...repo, title: "Review me", head: "feature/review", base: "main" });
    const { review, comments } = await gh.submitReview(REPO, pull.number, {
      by: "alice",
      state: "CHANGES_REQUESTED",
      body: "Please fix.",
      comments: [{ path: "src/r.ts", line: 3, body: "Not three." }],
    });
    expect(review).toMatchObject({
      action: "submitted",
      review: { state: "changes_requested", body: "Please fix.", user: { login: "alice" } },
    });
    const commentId = comments[0]!.comment.id;
    const { data: listed } = await octokit.rest.pulls.listCommentsForReview({
      ...repo,
      pull_number: pull.number,
      review_id: review.review.id,
    });
    expect(listed).toMatchObject([
      { id: commentId, path: "src/r.ts", line: 3, body: "Not three.", pull_request_review_id: review.review.id },
    ]);
    expect(listed[0]!.diff_hunk).toBe("@@ -0,0 +1,3 @@\n+one\n+two\n+three");
    const { data: one } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: commentId });
    expect(one.html_url).toBe(`${gh.baseUrl}/${REPO}/pull/${pull.number}#discussion_r${commentId}`);

    const { data: reply } = await octokit.rest.pulls.createReplyForReviewComment({
      ...repo,
      pull_number: pull.number,
      comment_id: commentId,
      body: "Done.",
    });
    expect(reply).toMatchObject({ in_reply_to_id: commentId, user: { login: gh.botLogin }, path: "src/r.ts" });
    // A reply to the reply is refused, as GitHub documents: replies go to the thread's top comment.
    await expect(
      octokit.rest.pulls.createReplyForReviewComment({ ...repo, pull_number: pull.number, comment_id: reply.id, body: "Again." }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      octokit.rest.pulls.createReplyForReviewComment({ ...repo, pull_number: pull.number, comment_id: 999_999, body: "x" }),
    ).rejects.toMatchObject({ status: 404 });

    const closed = await gh.closePull(REPO, pull.number, { merged: true, by: "alice" });
    expect(closed).toMatchObject({ action: "closed", pull_request: { state: "closed", merged: true } });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: pull.number })).data).toMatchObject({ state: "closed", merged: true });
  });

  it("answers unknown routes with 404 and lists them", async () => {
    await expect(octokit.request("GET /repos/{owner}/{repo}/branches", { owner: "acme", repo: "demo" })).rejects.toMatchObject({
      status: 404,
    });
    expect(gh.unknownRoutes).toEqual(["GET /api/v3/repos/acme/demo/branches"]);
    gh.unknownRoutes.length = 0;
  });

  it("runs onRequest listeners before the reply, so their effects are visible to the caller", async () => {
    const issue = gh.createIssue(REPO, { title: "Listener", body: null });
    gh.onRequest(async ({ method, path }) => {
      if (method === "POST" && path.endsWith(`/issues/${issue.number}/comments`))
        await gh.pushAs(REPO, "listener", { "l.txt": "l\n" }, "Human push");
    });
    await octokit.rest.issues.createComment({ owner: "acme", repo: "demo", issue_number: issue.number, body: "hi" });
    expect((await gh.log(REPO, "listener"))[0]?.message).toBe("Human push");
  });
});

describe("git over HTTP", () => {
  const basic = () => `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
  /** Only what git needs: an inherited EDITOR or PAGER would make simple-git refuse the env. */
  const baseEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", GIT_TERMINAL_PROMPT: "0" });
  const authEnv = () => ({ ...baseEnv(), GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: basic() });

  async function workdir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "fake-github-test-"));
    scratch.push(dir);
    return dir;
  }

  /** GIT_CONFIG_COUNT is refused by simple-git unless explicitly allowed. */
  function authedGit(dir: string): SimpleGit {
    return simpleGit({ baseDir: dir, unsafe: { allowUnsafeConfigEnvCount: true } })
      .env(authEnv())
      .addConfig("user.name", "Tester")
      .addConfig("user.email", "tester@example.com");
  }

  async function cloneDemo(): Promise<{ dir: string; git: SimpleGit }> {
    const dir = await workdir();
    await simpleGit({ unsafe: { allowUnsafeConfigEnvCount: true } })
      .env(authEnv())
      .clone(`${gh.baseUrl}/acme/demo.git`, dir, ["--filter=blob:none"]);
    return { dir, git: authedGit(dir) };
  }

  it("simple-git refuses GIT_CONFIG_COUNT in env() unless unsafe.allowUnsafeConfigEnvCount is set", async () => {
    const dir = await workdir();
    await expect(simpleGit().env(authEnv()).clone(`${gh.baseUrl}/acme/demo.git`, dir)).rejects.toThrow(/allowUnsafeConfigEnvCount/);
  });

  it("clones partially over protocol v2, pushes a new branch, and the bare repo has it", async () => {
    const { dir, git } = await cloneDemo();
    expect(
      gh.requests.some((r) => r.path.endsWith("/git-upload-pack") && r.headers["git-protocol"] === "version=2" && r.status === 200),
    ).toBe(true);
    expect(await git.raw(["config", "remote.origin.partialclonefilter"])).toBe("blob:none\n");
    await writeFile(join(dir, "new.txt"), "new\n");
    await git.checkoutLocalBranch("l2mac/issue-1");
    await git.add("new.txt");
    await git.commit("Step 1: add new.txt\n\nBody line.");
    await git.push("origin", "l2mac/issue-1");
    const [head] = await gh.log(REPO, "l2mac/issue-1");
    expect(head).toMatchObject({ message: "Step 1: add new.txt\n\nBody line.", author: "Tester <tester@example.com>" });
    expect(await gh.branches(REPO)).toContain("l2mac/issue-1");
    expect(await gh.readFile(REPO, "l2mac/issue-1", "new.txt")).toBe("new\n");
    // The token never travels in a URL.
    expect(gh.requests.every((r) => !r.path.includes(token))).toBe(true);
  });

  it("refuses git without the token header (and never prompts)", async () => {
    const dir = await workdir();
    await expect(simpleGit().env(baseEnv()).clone(`${gh.baseUrl}/acme/demo.git`, dir)).rejects.toThrow(
      /terminal prompts disabled|Authentication failed/,
    );
    const { dir: cloned, git } = await cloneDemo();
    await writeFile(join(cloned, "x.txt"), "x\n");
    await git.add("x.txt").commit("x");
    await expect(simpleGit({ baseDir: cloned }).env(baseEnv()).push("origin", "HEAD:refs/heads/anonymous")).rejects.toThrow();
    expect(gh.requests.some((r) => r.path.includes("service=git-receive-pack") && r.status === 401)).toBe(true);
    expect(await gh.branches(REPO)).not.toContain("anonymous");
  });

  it("rejects force pushes and divergent pushes", async () => {
    const { dir, git } = await cloneDemo();
    await git.checkoutLocalBranch("history");
    await writeFile(join(dir, "h.txt"), "1\n");
    await git.add("h.txt").commit("h1");
    await git.push("origin", "history");
    const pushed = await gh.branchSha(REPO, "history");

    await writeFile(join(dir, "h.txt"), "rewritten\n");
    await git.add("h.txt").commit("h1 rewritten", ["--amend"]);
    await expect(git.push("origin", "history", ["--force"])).rejects.toThrow(/non-fast-forward/);
    expect(await gh.branchSha(REPO, "history")).toBe(pushed);

    await git.reset(["--hard", "origin/history"]);
    await gh.pushAs(REPO, "history", { "human.txt": "human\n" }, "A human's commit", "Alice <alice@example.com>");
    await writeFile(join(dir, "h.txt"), "2\n");
    await git.add("h.txt").commit("h2");
    await expect(git.push("origin", "history")).rejects.toThrow(/rejected/);
    expect((await gh.log(REPO, "history")).map((c) => c.message).slice(0, 2)).toEqual(["A human's commit", "h1"]);
  });
});

describe("webhooks", () => {
  it("signs deliveries with the webhook secret, and a wrong secret does not verify", async () => {
    const received: Array<{ event: string; valid: boolean; payload: Record<string, unknown> }> = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", async () => {
        const valid = await verify(SECRET, body, String(req.headers["x-hub-signature-256"]));
        received.push({ event: String(req.headers["x-github-event"]), valid, payload: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(valid ? 200 : 400).end(valid ? "ok" : "bad signature");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
    try {
      const issue = gh.createIssue(REPO, { title: "Hook", body: "do it" });
      const labeled = gh.issueLabeledPayload(REPO, issue.number, "l2mac");
      expect(await gh.deliver(url, "issues", labeled, { id: "d-1" })).toEqual({ status: 200, body: "ok" });
      expect(received[0]).toMatchObject({
        event: "issues",
        valid: true,
        payload: {
          action: "labeled",
          label: { name: "l2mac" },
          installation: { id: 42 },
          sender: { login: "alice", type: "User" },
          repository: { full_name: REPO, clone_url: `${gh.baseUrl}/acme/demo.git`, default_branch: "main", private: false },
        },
      });
      expect(gh.issue(REPO, issue.number).labels).toContain("l2mac");

      const comment = gh.addComment(REPO, issue.number, "/l2mac continue");
      const created = gh.issueCommentPayload(REPO, issue.number, "created", { id: comment.id, body: comment.body, user: "alice" });
      expect(created).toMatchObject({
        action: "created",
        comment: { id: comment.id, user: { login: "alice" }, author_association: "COLLABORATOR" },
        issue: { number: issue.number },
      });
      expect(await gh.deliver(url, "issue_comment", created, { secret: "wrong" })).toEqual({ status: 400, body: "bad signature" });
      expect(received[1]).toMatchObject({ event: "issue_comment", valid: false });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
