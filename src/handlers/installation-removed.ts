import type { Context } from "probot";
import type { Removal, Uninstalled } from "../runs/uninstalled.js";

export interface RemovedDeps {
  uninstalled: Uninstalled;
  /** Ends the removal's running runs, in this process or, through the queue, in any worker. */
  removed: (removal: Removal) => void;
}

/** `installation.deleted`: every run of the installation ends quietly. */
export function onInstallationDeleted(deps: RemovedDeps) {
  return async (context: Context<"installation.deleted">): Promise<void> => {
    const removal: Removal = { installationId: context.payload.installation.id };
    deps.uninstalled.remove(removal);
    deps.removed(removal);
    context.log.info({ installation: removal.installationId }, "the app was uninstalled; its runs end");
  };
}

/** `installation_repositories.removed`: the runs in the removed repositories end quietly. */
export function onRepositoriesRemoved(deps: RemovedDeps) {
  return async (context: Context<"installation_repositories.removed">): Promise<void> => {
    const repositories = context.payload.repositories_removed.map((r) => r.full_name);
    const removal: Removal = { installationId: context.payload.installation.id, repositories };
    deps.uninstalled.remove(removal);
    deps.removed(removal);
    context.log.info(
      { installation: removal.installationId, repositories: repositories.length },
      "repositories removed from the installation; their runs end",
    );
  };
}
