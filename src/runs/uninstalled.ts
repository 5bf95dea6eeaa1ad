import { LRUCache } from "lru-cache";
import type { RunJob } from "./run-job.js";

/** The reason a run of an uninstalled app stops with. */
export const UNINSTALLED_REASON = "the app was uninstalled from this repository";

/** What a webhook said the app was removed from: a whole installation, or some of its repositories. */
export interface Removal {
  installationId: number;
  /** "owner/name" of each removed repository; none: the whole installation. */
  repositories?: string[];
}

/**
 * Installations (and repositories) the app was removed from, as their webhooks said (bounded): their
 * runs end quietly — GitHub answers nothing for them any more, so there is nothing to write or retry.
 */
export class Uninstalled {
  private readonly gone = new LRUCache<string, true>({ max: 10_000 });

  /** Remembers a removal (from this process's webhook, or another process's, told through the queue). */
  remove(removal: Removal): void {
    if (!removal.repositories) return this.installation(removal.installationId);
    for (const name of removal.repositories) this.repository(removal.installationId, name);
  }

  installation(id: number): void {
    this.gone.set(`i${id}`, true);
  }

  repository(installationId: number, fullName: string): void {
    this.gone.set(`r${installationId}:${fullName.toLowerCase()}`, true);
  }

  covers(job: Pick<RunJob, "installationId" | "owner" | "repo">): boolean {
    return this.gone.has(`i${job.installationId}`) || this.gone.has(`r${job.installationId}:${`${job.owner}/${job.repo}`.toLowerCase()}`);
  }
}

/** An error that says the installation is gone: its token can no longer be had (404 from the token endpoint). */
export function isInstallationGone(e: unknown): boolean {
  const error = e as { status?: number; request?: { url?: string } };
  return error?.status === 404 && /\/app\/installations\/\d+/.test(error.request?.url ?? "");
}

/** Whether a job's run is in what the removal took away. */
export function removedBy(removal: Removal, job: Pick<RunJob, "installationId" | "owner" | "repo">): boolean {
  if (job.installationId !== removal.installationId) return false;
  const name = `${job.owner}/${job.repo}`.toLowerCase();
  return !removal.repositories || removal.repositories.some((r) => r.toLowerCase() === name);
}
