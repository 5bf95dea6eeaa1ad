/** A loopback fake GitHub (REST + git smart HTTP + signed webhooks) for the app's scenario tests. */
export { FakeGitHub, startFakeGitHub } from "./fake-github.js";
export type { WebhookEventName, WebhookPayload } from "./webhooks.js";
export type { CreateRepoInput, FakeGitHubOptions } from "./fake-github.js";
export type { RecordedRequest, RequestListener } from "./server.js";
export type {
  FakeComment,
  FakeIssue,
  FakePull,
  FakeReaction,
  FakeRepo,
  FakeReview,
  FakeReviewComment,
  FakeUser,
  ReactionContent,
  RepoPermission,
} from "./state.js";
export { MAX_COMMENT_LENGTH } from "./rest-issues.js";
export type { ActionsDelivery } from "./actions.js";
export type { FakeJob, FakeStep, FakeWorkflow, FakeWorkflowRun, ForcedConclusion, RunConclusion, RunStatus } from "./actions-state.js";
export type { FakeAnnotation } from "./actions-log.js";
