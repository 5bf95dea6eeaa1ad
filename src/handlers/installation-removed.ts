import type { Context } from "probot";
import { UNINSTALLED_REASON, type Uninstalled } from "../runs/uninstalled.js";
import type { RunJob } from "../runs/run-job.js";

export interface RemovedDeps {
  uninstalled: Uninstalled;
  /** Stops the runs this process is running that match. */
  abortWhere: (match: (job: RunJob) => boolean, reason: string) => void;
}

/** `installation.deleted`: every run of the installation ends quietly. */
export function onInstallationDeleted(deps: RemovedDeps) {
  return async (context: Context<"installation.deleted">): Promise<void> => {
    const id = context.payload.installation.id;
    deps.uninstalled.installation(id);
    deps.abortWhere((job) => job.installationId === id, UNINSTALLED_REASON);
    context.log.info({ installation: id }, "the app was uninstalled; its runs end");
  };
}

/** `installation_repositories.removed`: the runs in the removed repositories end quietly. */
export function onRepositoriesRemoved(deps: RemovedDeps) {
  return async (context: Context<"installation_repositories.removed">): Promise<void> => {
    const id = context.payload.installation.id;
    const names = context.payload.repositories_removed.map((r) => r.full_name);
    for (const name of names) deps.uninstalled.repository(id, name);
    deps.abortWhere((job) => job.installationId === id && deps.uninstalled.covers(job), UNINSTALLED_REASON);
    context.log.info({ installation: id, repositories: names.length }, "repositories removed from the installation; their runs end");
  };
}
