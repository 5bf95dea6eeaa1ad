import { LRUCache } from "lru-cache";
import type { Octokit, RepoRef } from "./octokit.js";
import type { Permissions } from "./permissions.js";

/**
 * Who wrote the version of the plan comment the app is about to act on. Anyone GitHub lets edit the
 * comment can change its items and its state block: other GitHub Apps, workflow tokens, and users whose
 * write access was revoked. Only a version last written by this app or by a writer is merged; the REST
 * comment names only its author, so GraphQL's `editor` is asked whenever the live text is not exactly
 * what this app last wrote.
 */

export type Verdict =
  | { trusted: true; body: string; updatedAt: string; editor: string }
  | { trusted: false; body: string; updatedAt: string; editor: string }
  /** GitHub could not say (an error): act on nothing from the comment this time. */
  | { trusted: undefined };

const LAST_EDIT = `query($id: ID!) {
  node(id: $id) {
    ... on IssueComment { body updatedAt author { __typename login } editor { __typename login } }
  }
}`;

type Actor = { __typename?: string; login: string } | null | undefined;
type LastEdit = { node: { body?: string; updatedAt?: string; author?: Actor; editor?: Actor } | null };

// REST says "name[bot]" where GraphQL says "name" (typename Bot).
const botName = (login: string) => login.replace(/\[bot\]$/i, "").toLowerCase();

export class PlanTrust {
  /** The body this app last wrote to each plan comment: that text needs no question, and is what an untrusted edit is undone to. */
  private readonly written = new LRUCache<number, string>({ max: 2_000, maxSize: 64 * 1024 * 1024, sizeCalculation: (s) => s.length || 1 });

  constructor(private readonly permissions: Permissions) {}

  remember(commentId: number, body: string): void {
    this.written.set(commentId, body);
  }

  lastWritten(commentId: number): string | undefined {
    return this.written.get(commentId);
  }

  /** Whether the comment's current version was written by the app (`botLogin`, "slug[bot]") or a writer. */
  async judge(octokit: Octokit, repo: RepoRef, botLogin: string, nodeId: string): Promise<Verdict> {
    let node: LastEdit["node"];
    try {
      node = (await octokit.graphql<LastEdit>(LAST_EDIT, { id: nodeId })).node;
    } catch {
      return { trusted: undefined };
    }
    const who = node?.editor ?? node?.author;
    if (!node || typeof node.body !== "string" || !who) return { trusted: undefined };
    const version = { body: node.body, updatedAt: node.updatedAt ?? "", editor: who.login };
    if (who.__typename === "Bot") return { ...version, trusted: botName(who.login) === botName(botLogin) };
    const permission = await this.permissions.check(octokit, repo, who.login);
    return permission === "unavailable" ? { trusted: undefined } : { ...version, trusted: permission === "allowed" };
  }
}

/** What writing or reading the plan comment needs to know about trust: the judge, and the app's own login. */
export interface CommentTrust {
  guard: PlanTrust;
  botLogin: string;
}
