/**
 * Octokit's throttling paces writes (one at a time, a second apart) per `throttle.id`, and Probot leaves
 * the id at the plugin's process-wide "no-id" for the client a webhook handler gets: every installation's
 * replies and reactions then waited behind each other's, and behind the app's own. GitHub's secondary
 * limits are per installation, so each installation gets its own pace, the app (JWT) client its own;
 * a handler and a run of one installation share one. With Probot's Redis throttle (REDIS_URL) the ids
 * are shared by every process, installation ids being unique across GitHub.
 */
export function pacingId(auth: { installationId?: unknown; appId?: unknown } | undefined): string | undefined {
  if (auth?.installationId !== undefined) return `installation-${String(auth.installationId)}`;
  if (auth?.appId !== undefined) return `app-${String(auth.appId)}`;
  return undefined;
}
