import { randomInt } from "node:crypto";

/**
 * The fake's in-memory GitHub: users, repos, issues (and PRs, which GitHub models as issues),
 * comments, reactions and installation tokens. Git content lives in the bare repos, not here.
 */

export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";
export const REACTION_CONTENTS: readonly ReactionContent[] = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot";
}

export interface FakeReaction {
  id: number;
  content: ReactionContent;
  user: FakeUser;
  createdAt: string;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: FakeUser;
  /** Made through the API with an installation token (GitHub sets performed_via_github_app). */
  viaApp: boolean;
  createdAt: string;
  updatedAt: string;
  reactions: FakeReaction[];
  /** Who made the last edit, and when (GraphQL's `editor` and `lastEditedAt`); unset until edited. */
  editor?: FakeUser;
  lastEditedAt?: string;
}

export interface FakeIssue {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: FakeComment[];
  reactions: FakeReaction[];
}

/** A pull request is an issue with a head and a base, sharing the issue number sequence. */
export interface FakePull extends FakeIssue {
  pullId: number;
  head: string;
  base: string;
  draft: boolean;
  /** Head sha when opened; responses report the branch's current tip while it exists. */
  headSha: string;
  /** Set when closed by merging (the fake records the merge; it does not move the base branch). */
  mergedAt?: string;
  reviews: FakeReview[];
  reviewComments: FakeReviewComment[];
}

export type ReviewState = "COMMENTED" | "CHANGES_REQUESTED" | "APPROVED";

export interface FakeReview {
  id: number;
  pullNumber: number;
  user: FakeUser;
  body: string;
  state: ReviewState;
  commitId: string;
  submittedAt: string;
}

/** A line comment on a pull request's diff; `inReplyTo` makes it a reply in that comment's thread. */
export interface FakeReviewComment {
  id: number;
  pullNumber: number;
  reviewId: number;
  user: FakeUser;
  body: string;
  path: string;
  line: number;
  diffHunk: string;
  commitId: string;
  inReplyTo?: number;
  viaApp: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  permissions: Record<string, RepoPermission>;
  /** The bare repository on disk. */
  gitDir: string;
  cloneUrl: string;
  issues: Map<number, FakeIssue | FakePull>;
  lastNumber: number;
}

export interface AppIdentity {
  id: number;
  slug: string;
  botLogin: string;
  installationId: number;
}

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function isPull(issue: FakeIssue): issue is FakePull {
  return "pullId" in issue;
}

export class FakeState {
  readonly repos = new Map<string, FakeRepo>();
  readonly comments = new Map<number, FakeComment>();
  readonly reviewComments = new Map<number, FakeReviewComment>();
  /** Token → expiry (ms). */
  readonly tokens = new Map<string, number>();
  /** How long an installation token works (GitHub: an hour); scenarios shorten it to see tokens expire. */
  tokenLifetimeMs = TOKEN_LIFETIME_MS;
  readonly issuedTokens: string[] = [];
  private readonly users = new Map<string, FakeUser>();
  private lastId = 1000;
  private lastStampMs = 0;

  constructor(readonly app: AppIdentity) {}

  nextId(): number {
    return ++this.lastId;
  }

  /** Second-resolution ISO time like GitHub's, strictly increasing so an update always changes updated_at. */
  stamp(): string {
    const now = Math.floor(Date.now() / 1000) * 1000;
    this.lastStampMs = Math.max(now, this.lastStampMs + 1000);
    return new Date(this.lastStampMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  user(login: string): FakeUser {
    let user = this.users.get(login.toLowerCase());
    if (!user) {
      user = { login, id: this.nextId(), type: login.endsWith("[bot]") ? "Bot" : "User" };
      this.users.set(login.toLowerCase(), user);
    }
    return user;
  }

  botUser(): FakeUser {
    return this.user(this.app.botLogin);
  }

  /** GitHub treats owner/name case-insensitively. */
  repo(fullName: string): FakeRepo | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  /** For test helpers: a typo in a test should fail loudly, not 404 silently. */
  requireRepo(fullName: string): FakeRepo {
    const repo = this.repo(fullName);
    if (!repo) throw new Error(`fake-github: no repository ${fullName}`);
    return repo;
  }

  requireIssue(fullName: string, number: number): FakeIssue {
    const issue = this.requireRepo(fullName).issues.get(number);
    if (!issue) throw new Error(`fake-github: no issue ${fullName}#${number}`);
    return issue;
  }

  addIssue(repo: FakeRepo, input: { title: string; body: string | null; user: FakeUser; labels?: string[] }): FakeIssue {
    const now = this.stamp();
    const issue: FakeIssue = {
      number: ++repo.lastNumber,
      id: this.nextId(),
      title: input.title,
      body: input.body,
      state: "open",
      labels: [...(input.labels ?? [])],
      user: input.user,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      comments: [],
      reactions: [],
    };
    repo.issues.set(issue.number, issue);
    return issue;
  }

  addComment(issue: FakeIssue, body: string, user: FakeUser, viaApp: boolean): FakeComment {
    const now = this.stamp();
    const comment: FakeComment = {
      id: this.nextId(),
      issueNumber: issue.number,
      body,
      user,
      viaApp,
      createdAt: now,
      updatedAt: now,
      reactions: [],
    };
    issue.comments.push(comment);
    this.comments.set(comment.id, comment);
    return comment;
  }

  editComment(comment: FakeComment, body: string, editor: FakeUser): void {
    comment.body = body;
    comment.updatedAt = this.stamp();
    comment.editor = editor;
    comment.lastEditedAt = comment.updatedAt;
  }

  /** A repeated reaction by the same user is not duplicated (GitHub answers 200 with the existing one). */
  react(target: { reactions: FakeReaction[] }, content: ReactionContent, user: FakeUser): { reaction: FakeReaction; created: boolean } {
    const existing = target.reactions.find((r) => r.content === content && r.user.id === user.id);
    if (existing) return { reaction: existing, created: false };
    const reaction: FakeReaction = { id: this.nextId(), content, user, createdAt: this.stamp() };
    target.reactions.push(reaction);
    return { reaction, created: true };
  }

  issueToken(): { token: string; expiresAt: string } {
    let token = "ghs_";
    for (let i = 0; i < 32; i++) token += ALNUM[randomInt(ALNUM.length)];
    const expiresMs = Date.now() + this.tokenLifetimeMs;
    this.tokens.set(token, expiresMs);
    this.issuedTokens.push(token);
    return { token, expiresAt: new Date(expiresMs).toISOString().replace(/\.\d{3}Z$/, "Z") };
  }

  tokenValid(token: string | undefined): boolean {
    const expires = token === undefined ? undefined : this.tokens.get(token);
    return expires !== undefined && expires > Date.now();
  }

  /** A comment deleted (by anyone): gone from its issue and from every lookup. */
  deleteComment(comment: FakeComment, issue: FakeIssue): void {
    issue.comments = issue.comments.filter((c) => c !== comment);
    this.comments.delete(comment.id);
  }

  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }
}
