import { LRUCache } from "lru-cache";
import type { RepoRef } from "./octokit.js";

/** The label that starts a run when a repository configures none. */
export const DEFAULT_LABEL = "l2mac";

/** How long a repository's configured label is taken as known without reading the config again. */
const TTL_MS = 10 * 60_000;

/**
 * Each repository's configured label as last read from its config (bounded, for a while): a label event
 * with another label is skipped without a request. A repository not read yet is read once, off the request path.
 */
export class ConfiguredLabels {
  private readonly labels = new LRUCache<string, string>({ max: 50_000, ttl: TTL_MS });

  private key = (repo: RepoRef) => `${repo.owner}/${repo.repo}`.toLowerCase();

  remember(repo: RepoRef, label: string): void {
    this.labels.set(this.key(repo), label);
  }

  known(repo: RepoRef): string | undefined {
    return this.labels.get(this.key(repo));
  }

  /** False only when the label can be neither the default nor the repository's known label. */
  mayStart(repo: RepoRef, label: string | undefined): boolean {
    if (label === undefined) return false;
    if (label === DEFAULT_LABEL) return true;
    const known = this.labels.get(this.key(repo));
    return known === undefined || known === label;
  }
}
