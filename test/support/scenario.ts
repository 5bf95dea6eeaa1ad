import { afterEach } from "vitest";
import { PLAN_MARKER } from "../../src/github/checklist.js";
import { REPO, startHarness, type Harness, type HarnessOptions } from "./app-harness.js";
import { startCluster, type Cluster } from "./cluster.js";
import type { FakeGitHub, WebhookPayload } from "./fake-github/index.js";
import type { ReviewInput } from "./fake-github/webhooks-pulls.js";

/** What the driver needs of a running app: the fake GitHub, and signed delivery to the app's webhook URL. */
export interface Deliverable {
  gh: FakeGitHub;
  deliver(event: string, payload: object, id?: string): Promise<{ status: number; body: string }>;
}

/**
 * People acting on GitHub, each act one signed webhook to the running app: labelling an issue, commenting
 * a command, editing the plan comment in the browser, editing the issue. Each act changes the fake's
 * state first, as GitHub does before it sends the event. On `repo` (acme/demo by default).
 */
export function driver(app: Deliverable, repo = REPO) {
  const planComment = (issue: number) =>
    app.gh.issue(repo, issue).comments.find((c) => c.user.type === "Bot" && c.body.includes(PLAN_MARKER));

  /** The plan comment edited in state by `by`; the `issue_comment.edited` payload that announces it, to deliver. */
  const planEdit = (issue: number, edit: (body: string) => string, by = "alice"): WebhookPayload<"issue_comment.edited"> => {
    const comment = planComment(issue)!;
    const before = comment.body;
    const after = edit(before);
    app.gh.editComment(repo, comment.id, after, by);
    return app.gh.issueCommentPayload(repo, issue, "edited", { id: comment.id, body: after, user: app.gh.botLogin }, by, {
      body: { from: before },
    });
  };

  return {
    planComment,
    planEdit,
    /** `by` adds `label` (default `l2mac`); `id` repeats a delivery id. */
    label: (issue: number, options: { label?: string; by?: string; byType?: "User" | "Bot"; id?: string } = {}) =>
      app.deliver("issues", app.gh.issueLabeledPayload(repo, issue, options.label ?? "l2mac", options.by, options.byType), options.id),
    /** `by` comments `text` on the issue (a command when its first line is one); the app's answer and the comment. */
    command: async (issue: number, text: string, by = "alice") => {
      const comment = app.gh.addComment(repo, issue, text, by);
      const payload = app.gh.issueCommentPayload(repo, issue, "created", { id: comment.id, body: text, user: by }, by);
      return { ...(await app.deliver("issue_comment", payload)), comment };
    },
    /** `by` edits the plan comment in the browser. */
    editPlan: (issue: number, edit: (body: string) => string, by = "alice") => app.deliver("issue_comment", planEdit(issue, edit, by)),
    /**
     * `input.by` submits a review of pull request `pr`: as GitHub does, one `pull_request_review_comment`
     * event per line comment, then the `pull_request_review` event. Resolves with the review as stored.
     */
    review: async (pr: number, input: ReviewInput) => {
      const { review, comments, stored } = await app.gh.submitReview(repo, pr, input);
      for (const c of comments) await app.deliver("pull_request_review_comment", c);
      await app.deliver("pull_request_review", review);
      return stored;
    },
    /** `by` adds a single line comment (GitHub sends it as a comment and as a comment-only review). */
    lineComment: async (pr: number, by: string, comment: { path: string; line: number; body: string; inReplyTo?: number }) => {
      const { review, comments, stored } = await app.gh.submitReview(repo, pr, { by, state: "COMMENTED", comments: [comment] });
      await app.deliver("pull_request_review_comment", comments[0]!);
      await app.deliver("pull_request_review", review);
      return stored.comments[0]!;
    },
    /** `by` closes (or merges) pull request `pr`. */
    closePull: async (pr: number, options: { merged?: boolean; by?: string } = {}) =>
      app.deliver("pull_request", await app.gh.closePull(repo, pr, options)),
    reopenPull: async (pr: number, by = "alice") => app.deliver("pull_request", await app.gh.reopenPull(repo, pr, by)),
    /** `by` closes the issue, or removes its `l2mac` label. */
    endIssue: (issue: number, action: "closed" | "unlabeled", by = "alice") =>
      app.deliver("issues", app.gh.issueEndedPayload(repo, issue, action, by)),
    /** `by` edits the issue's title or description. */
    editIssue: (issue: number, edit: { title?: string; body?: string }, by = "alice") =>
      app.deliver("issues", app.gh.issueEditedPayload(repo, issue, edit, by)),
  };
}

export type Driver = ReturnType<typeof driver>;
export type Scenario = Harness & Driver;

/**
 * One app per test, closed after it: call at the top of a test file, then `await app.start(...)` in each
 * test. The returned scenario is the harness with the driver's acts on it.
 */
export function useHarness(): { start(options: HarnessOptions): Promise<Scenario>; readonly current: Scenario | undefined } {
  let current: Scenario | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    async start(options) {
      const harness = await startHarness(options);
      current = Object.assign(harness, driver(harness));
      return current;
    },
    get current() {
      return current;
    },
  };
}

/** As useHarness, for the app as separate processes (cluster.ts). */
export function useCluster(): { start(options: Parameters<typeof startCluster>[0]): Promise<Cluster & Driver> } {
  let current: (Cluster & Driver) | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    async start(options) {
      const cluster = await startCluster(options);
      current = Object.assign(cluster, driver(cluster));
      return current;
    },
  };
}
