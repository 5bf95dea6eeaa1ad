import picomatch from "picomatch";
import type { RepoConfig } from "../config.js";
import { combineDenials, denyPrefixes, type PathDenial } from "../engine/paths.js";

/** Which paths the agent may change in this repository, from `.github/l2mac.yml`. */
export function pathPolicy(config: RepoConfig): PathDenial {
  const allowed = picomatch(config.paths.allow, { dot: true });
  const denied = config.paths.deny.length > 0 ? picomatch(config.paths.deny, { dot: true }) : () => false;
  const workflows = config.allow_workflow_changes
    ? undefined
    : denyPrefixes(
        [".github/workflows"],
        "workflow files are protected (set `allow_workflow_changes: true` in .github/l2mac.yml to allow it)",
      );
  return combineDenials(workflows, (path) => {
    if (denied(path)) return "the repository's configuration denies changes to it (`paths.deny`)";
    if (!allowed(path)) return "it is outside the paths the repository's configuration allows (`paths.allow`)";
    return undefined;
  });
}
