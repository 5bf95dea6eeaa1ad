import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { FakeActions } from "./actions.js";
import type { ActionsDelivery } from "./actions.js";
import type { FakeWorkflowRun, ForcedConclusion } from "./actions-state.js";
import {
  branchSha,
  commitFiles,
  deleteBranch,
  initBareRepo,
  listBranches,
  logCommits,
  objectAt,
  readBlob,
  type FileContent,
} from "./bare-repo.js";
import type { FakeContext } from "./context.js";
import { actionRoutes } from "./rest-actions.js";
import { appRoutes } from "./rest-app.js";
import { issueRoutes } from "./rest-issues.js";
import { pullRoutes } from "./rest-pulls.js";
import { reactionRoutes } from "./rest-reactions.js";
import { reviewRoutes } from "./rest-reviews.js";
import { repoRoutes } from "./rest-repos.js";
import { attachFakeServer } from "./server.js";
import type { RecordedRequest, RequestListener, ServerDeps } from "./server.js";
import type { RestResponse } from "./routing.js";
import { FakeState, isPull } from "./state.js";
import type { FakeComment, FakeIssue, FakePull, FakeRepo, FakeReviewComment, RepoPermission } from "./state.js";
import {
  deliverWebhook,
  issueCommentPayload,
  issueEditedPayload,
  issueEndedPayload,
  issueLabeledPayload,
  type WebhookPayload,
} from "./webhooks.js";
import {
  addReview,
  closePull,
  reopenPull,
  reviewCommentPayload,
  reviewSubmittedPayload,
  type LineCommentInput,
  type ReviewInput,
} from "./webhooks-pulls.js";

/**
 * A loopback GitHub (Enterprise-style: REST under /api/v3, git smart HTTP at /<owner>/<repo>.git) for
 * scenario tests: the app talks to it exactly as it would to GitHub, and tests inspect its state.
 */

export interface FakeGitHubOptions {
  webhookSecret: string;
  appId?: number;
  appSlug?: string;
}

export interface CreateRepoInput {
  owner: string;
  name: string;
  files: Record<string, FileContent>;
  defaultBranch?: string;
  /** Default: the owner is admin and "alice" has write. */
  permissions?: Record<string, RepoPermission>;
}

const INSTALLATION_ID = 42;
const NAME = /^[A-Za-z0-9._-]+$/;

export class FakeGitHub {
  readonly baseUrl: string;
  readonly host: string;
  readonly installationId: number = INSTALLATION_ID;
  readonly botLogin: string;
  readonly requests: RecordedRequest[] = [];
  /** "METHOD /path?query" of every request no route matched (each also got a 404). */
  readonly unknownRoutes: string[] = [];
  readonly issuedTokens: string[];
  private readonly state: FakeState;
  private readonly ctx: FakeContext;
  private readonly listeners: RequestListener[] = [];
  private readonly faults: NonNullable<ServerDeps["faults"]> = { current: undefined };
  private readonly projectRoot: string;
  private readonly actions: FakeActions;
  /** Every workflow_run webhook the fake runner sent (or dropped, or failed to deliver), in order. */
  readonly actionsDeliveries: ActionsDelivery[];

  /** Use startFakeGitHub(). */
  constructor(
    private readonly server: Server,
    private readonly root: string,
    private readonly options: FakeGitHubOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.host = `127.0.0.1:${port}`;
    this.baseUrl = `http://${this.host}`;
    const slug = options.appSlug ?? "l2mac";
    this.botLogin = `${slug}[bot]`;
    this.state = new FakeState({ id: options.appId ?? 1, slug, botLogin: this.botLogin, installationId: INSTALLATION_ID });
    this.issuedTokens = this.state.issuedTokens;
    this.ctx = { state: this.state, baseUrl: this.baseUrl, apiUrl: `${this.baseUrl}/api/v3` };
    this.projectRoot = path.join(root, "repos");
    this.actions = new FakeActions({
      ctx: this.ctx,
      workRoot: path.join(root, "actions"),
      deliver: (url, event, payload, signal) => deliverWebhook(url, event, payload, this.options.webhookSecret, undefined, signal),
    });
    this.actionsDeliveries = this.actions.deliveries;
    const routes = [
      ...appRoutes(this.ctx),
      ...repoRoutes(this.ctx),
      ...issueRoutes(this.ctx),
      ...reactionRoutes(this.ctx),
      ...pullRoutes(this.ctx),
      ...reviewRoutes(this.ctx),
      ...actionRoutes(this.ctx, this.actions),
    ];
    attachFakeServer(server, {
      ctx: this.ctx,
      routes,
      projectRoot: this.projectRoot,
      requests: this.requests,
      unknownRoutes: this.unknownRoutes,
      listeners: this.listeners,
      faults: this.faults,
      blobs: (method, url, headers) => this.actions.serveBlob(method, url, headers),
      // Pushes over git are made with the installation token: the app's bot is the actor.
      afterPush: async (repo) => void (await this.actions.refsChanged(repo, this.state.botUser())),
    });
  }

  async createRepo(input: CreateRepoInput): Promise<FakeRepo> {
    const fullName = `${input.owner}/${input.name}`;
    if (!NAME.test(input.owner) || !NAME.test(input.name) || input.name.endsWith(".git"))
      throw new Error(`fake-github: bad repository name ${fullName}`);
    if (this.state.repo(fullName)) throw new Error(`fake-github: repository ${fullName} already exists`);
    const defaultBranch = input.defaultBranch ?? "main";
    const gitDir = path.join(this.projectRoot, input.owner, `${input.name}.git`);
    await initBareRepo(gitDir, defaultBranch);
    await commitFiles(gitDir, {
      branch: defaultBranch,
      files: input.files,
      message: "Initial commit",
      author: "Repo Owner <owner@example.com>",
    });
    const repo: FakeRepo = {
      id: this.state.nextId(),
      owner: input.owner,
      name: input.name,
      fullName,
      defaultBranch,
      permissions: input.permissions ?? { [input.owner]: "admin", alice: "write" },
      gitDir,
      cloneUrl: `${this.baseUrl}/${fullName}.git`,
      issues: new Map(),
      lastNumber: 0,
    };
    this.state.repos.set(fullName.toLowerCase(), repo);
    // The initial commit is not a push: no workflow runs until the first push (or runWorkflows).
    await this.actions.snapshot(repo);
    return repo;
  }

  createIssue(repo: string, input: { title: string; body: string | null; user?: string; labels?: string[] }): FakeIssue {
    return this.state.addIssue(this.state.requireRepo(repo), { ...input, user: this.state.user(input.user ?? "alice") });
  }

  issue(repo: string, number: number): FakeIssue {
    return this.state.requireIssue(repo, number);
  }

  pulls(repo: string): FakePull[] {
    return [...this.state.requireRepo(repo).issues.values()].filter(isPull);
  }

  /** A human's comment (state only, no webhook); pair it with issueCommentPayload to announce it. */
  addComment(repo: string, issueNumber: number, body: string, user = "alice"): FakeComment {
    return this.state.addComment(this.issue(repo, issueNumber), body, this.state.user(user), false);
  }

  /** Someone (a person, or another app's bot: a login ending in `[bot]`) editing any comment (state only, no webhook). */
  editComment(repo: string, commentId: number, body: string, user = "alice"): FakeComment {
    const comment = this.state.comments.get(commentId);
    if (!comment || !this.state.requireRepo(repo).issues.get(comment.issueNumber)?.comments.includes(comment)) {
      throw new Error(`fake-github: no comment ${commentId} in ${repo}`);
    }
    this.state.editComment(comment, body, this.state.user(user));
    return comment;
  }

  /** Someone deleting a comment in the browser (state only, no webhook). */
  deleteComment(repo: string, commentId: number): void {
    const comment = this.state.comments.get(commentId);
    const issue = comment && this.state.requireRepo(repo).issues.get(comment.issueNumber);
    if (!comment || !issue) throw new Error(`fake-github: no comment ${commentId} in ${repo}`);
    this.state.deleteComment(comment, issue);
  }

  /**
   * GitHub's bad minutes: each REST request (not git, not the app's JWT calls) is first offered to
   * `fault`, which may answer it instead (a 502, a 403 secondary rate limit) or reset its connection.
   */
  injectFaults(fault: ((req: { method: string; path: string; body: string }) => RestResponse | "reset" | undefined) | undefined): void {
    this.faults.current = fault;
  }

  /** The app uninstalled: its installation and every token it was given stop working. */
  removeInstallation(): void {
    this.state.app.installationId = -1;
    this.state.expireTokens();
  }

  /** Removes the installation (see removeInstallation); resolves with the `installation.deleted` payload. */
  uninstall() {
    const id = this.state.app.installationId;
    this.removeInstallation();
    return { action: "deleted", installation: { id, account: { login: "acme" } }, sender: { login: "acme", type: "User" } };
  }

  /** A fresh installation token, as the app would get one (for benchmarks that push over git themselves). */
  installationToken(): string {
    return this.state.issueToken().token;
  }

  /** Tokens issued from now on expire after `ms` (their `expires_at` says so), instead of an hour. */
  setTokenLifetime(ms: number): void {
    this.state.tokenLifetimeMs = ms;
  }

  /** Makes every token issued so far invalid (401), as after its hour is up. */
  expireTokens(): void {
    this.state.expireTokens();
  }

  async readFile(repo: string, ref: string, filePath: string): Promise<string | undefined> {
    const { gitDir } = this.state.requireRepo(repo);
    const object = await objectAt(gitDir, ref, filePath);
    return object?.type === "blob" ? (await readBlob(gitDir, object.sha)).toString("utf8") : undefined;
  }

  async log(repo: string, ref: string): Promise<Array<{ sha: string; message: string; author: string }>> {
    return logCommits(this.state.requireRepo(repo).gitDir, ref);
  }

  async branches(repo: string): Promise<string[]> {
    return listBranches(this.state.requireRepo(repo).gitDir);
  }

  async branchSha(repo: string, branch: string): Promise<string | undefined> {
    return branchSha(this.state.requireRepo(repo).gitDir, branch);
  }

  /** A writer deleting `branch` on GitHub (no webhook: the app finds out when it fetches or pushes). */
  async deleteBranch(repo: string, branch: string): Promise<void> {
    await deleteBranch(this.state.requireRepo(repo).gitDir, branch);
  }

  /**
   * A human's commit landing on `branch` (created from the default branch if new), written straight
   * into the bare repo with plumbing: same result as clone + commit + push, without the cost.
   */
  async pushAs(
    repo: string,
    branch: string,
    files: Record<string, string>,
    message: string,
    author = "Alice <alice@example.com>",
  ): Promise<string> {
    const fake = this.state.requireRepo(repo);
    const sha = await commitFiles(fake.gitDir, { branch, startFrom: fake.defaultBranch, files, message, author });
    // Like a push: the branch's `on: push` workflows are queued (not run) before this resolves.
    const login = /<([^@>]+)@/.exec(author)?.[1] ?? author.replace(/\s*<.*$/, "");
    await this.actions.refsChanged(fake, this.state.user(login || "alice"));
    return sha;
  }

  // ---- GitHub Actions --------------------------------------------------------------------------

  /**
   * Queues push runs for the current head of `branch` (e.g. to give the default branch a history);
   * resolves with the run ids once they exist, not once they completed.
   */
  async runWorkflows(repo: string, branch: string): Promise<number[]> {
    const fake = this.state.requireRepo(repo);
    return this.actions.runWorkflows(fake, branch, this.state.user(fake.owner));
  }

  /**
   * A completed run on `headSha` that no push to `repo` started: e.g. a pull request from the fork
   * `headRepo` whose head is the same commit, or a run on another branch or for another event. Its
   * workflow_run webhooks are delivered before this resolves; resolves with the run id.
   */
  async recordWorkflowRun(
    repo: string,
    input: {
      headSha: string;
      headBranch: string;
      event: FakeWorkflowRun["event"];
      headRepo?: string;
      conclusion: "success" | "failure";
      log?: string;
      actor?: string;
    },
  ): Promise<number> {
    const fake = this.state.requireRepo(repo);
    const { headRepo, actor, ...rest } = input;
    return this.actions.recordRun(fake, {
      ...rest,
      ...(headRepo ? { headRepo: this.state.requireRepo(headRepo) } : {}),
      actor: this.state.user(actor ?? (headRepo ? this.state.requireRepo(headRepo).owner : fake.owner)),
    });
  }

  /** Where workflow_run webhooks (requested, in_progress, completed) go; undefined: nowhere. */
  setActionsWebhookUrl(url: string | undefined): void {
    this.actions.setWebhookUrl(url);
  }

  /** While true, workflow_run webhooks are recorded as dropped instead of sent (to test polling). */
  dropActionsWebhooks(drop: boolean): void {
    this.actions.setDropWebhooks(drop);
  }

  /**
   * Runs created from now on for this workflow (matched by `name:`, path or file name) complete with
   * `conclusion` without running anything; undefined removes the override.
   */
  setConclusionOverride(repo: string, workflowName: string, conclusion: ForcedConclusion | undefined): void {
    this.actions.setConclusionOverride(this.state.requireRepo(repo), workflowName, conclusion);
  }

  /** Extra wait (ms) before each run completes, to observe queued/in_progress states. Default 0. */
  setRunDelay(ms: number): void {
    this.actions.setRunDelay(ms);
  }

  /** Per-step timeout of the runner (ms). Default 60 000. */
  setStepTimeout(ms: number): void {
    this.actions.setStepTimeout(ms);
  }

  /** Resolves when no run is queued or in progress and every workflow_run webhook was delivered or dropped. */
  actionsIdle(): Promise<void> {
    return this.actions.idle();
  }

  /** The repo's workflow runs, newest first (live objects: read, don't modify). */
  workflowRuns(repo: string): FakeWorkflowRun[] {
    return this.actions.runsOf(this.state.requireRepo(repo));
  }

  onRequest(listener: RequestListener): void {
    this.listeners.push(listener);
  }

  deliver(
    url: string,
    event: string,
    payload: object,
    options: { id?: string; secret?: string } = {},
  ): Promise<{ status: number; body: string }> {
    return deliverWebhook(url, event, payload, options.secret ?? this.options.webhookSecret, options.id);
  }

  issueLabeledPayload(
    repo: string,
    issueNumber: number,
    label: string,
    sender?: string,
    senderType?: "User" | "Bot",
  ): WebhookPayload<"issues.labeled"> {
    return issueLabeledPayload(this.ctx, repo, issueNumber, label, sender, senderType);
  }

  /** Edits the issue in state and returns the `issues.edited` payload announcing it. */
  issueEditedPayload(
    repo: string,
    issueNumber: number,
    edit: { title?: string; body?: string },
    sender?: string,
  ): WebhookPayload<"issues.edited"> {
    return issueEditedPayload(this.ctx, repo, issueNumber, edit, sender);
  }

  issueCommentPayload<A extends "created" | "edited">(
    repo: string,
    issueNumber: number,
    action: A,
    comment: { id: number; body: string; user: string },
    sender?: string,
    changes?: { body: { from: string } },
  ): WebhookPayload<`issue_comment.${A}`> {
    return issueCommentPayload(this.ctx, repo, issueNumber, action, comment, sender, changes);
  }

  // ---- Reviews and the pull request's life -----------------------------------------------------

  /**
   * `input.by` submits a review of pull request `number` (with line comments) in state; resolves with the
   * `pull_request_review.submitted` payload and one `pull_request_review_comment.created` per comment.
   */
  async submitReview(repo: string, number: number, input: ReviewInput) {
    const pull = this.pulls(repo).find((p) => p.number === number);
    const headSha = (pull && (await this.branchSha(repo, pull.head))) ?? "";
    const { review, comments } = await addReview(this.ctx, repo, number, input, (ref, p) => this.readFile(repo, ref, p), headSha);
    return {
      review: await reviewSubmittedPayload(this.ctx, repo, number, review),
      comments: await Promise.all(comments.map((c) => reviewCommentPayload(this.ctx, repo, number, c))),
      stored: { review, comments },
    };
  }

  /** A single line comment (GitHub records it as a comment-only review of its own); resolves with its payload. */
  async addLineComment(repo: string, number: number, by: string, comment: LineCommentInput) {
    const { comments } = await this.submitReview(repo, number, { by, state: "COMMENTED", comments: [comment] });
    return comments[0]!;
  }

  /** Review comments of a pull request, replies included (live objects). */
  reviewComments(repo: string, number: number): FakeReviewComment[] {
    return this.pulls(repo).find((p) => p.number === number)?.reviewComments ?? [];
  }

  /** Closes (or merges) the pull request in state; resolves with the `pull_request.closed` payload. */
  closePull(repo: string, number: number, options: { merged?: boolean; by?: string } = {}) {
    return closePull(this.ctx, repo, number, options);
  }

  reopenPull(repo: string, number: number, by?: string) {
    return reopenPull(this.ctx, repo, number, by);
  }

  /** Closes the issue, or removes its label, in state; the `issues.closed` / `issues.unlabeled` payload. */
  issueEndedPayload(repo: string, issueNumber: number, action: "closed" | "unlabeled", sender?: string, label?: string) {
    return issueEndedPayload(this.ctx, repo, issueNumber, action, sender, label);
  }

  async close(): Promise<void> {
    await this.actions.shutdown();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive sockets (fetch, git) would otherwise hold close() open.
      this.server.closeAllConnections();
    });
    await rm(this.root, { recursive: true, force: true });
  }
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const root = await mkdtemp(path.join(tmpdir(), "fake-github-"));
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return new FakeGitHub(server, root, options);
}
