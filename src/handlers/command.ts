import type { Context } from "probot";
import { HELP_TEXT, parseCommand, type ParsedCommand } from "../github/commands.js";
import { refusalText, type Permissions } from "../github/permissions.js";
import { findPlanComment } from "../github/plan-comment.js";
import { jobFor, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { replyOnce, type ReplyLimiter } from "./reply-limiter.js";
import { linkedRun, pullOf } from "./pull-run.js";
import { skipped } from "./skipped.js";

export interface CommandDeps {
  botLogin: () => Promise<string>;
  deliveries: DeliveryLog;
  permissions: Permissions;
  replies: ReplyLimiter;
  enqueue: (job: RunJob) => void;
  /** Stops the run's active job at its next safe point, if it runs in this process. */
  abort: (job: RunJob, reason: string) => void;
}

/** `/l2mac …` on an issue or its run's pull request: authorise, acknowledge, and hand the command to the run's worker. */
export function onCommand(deps: CommandDeps) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { payload } = context;
    if (context.isBot) return skipped(context, "a bot's comment");
    const command = parseCommand(payload.comment.body);
    if (!command) return skipped(context, "the comment is not an L2MAC command");
    if (!(await deps.deliveries.firstTime(context.id, eventKeys.comment(payload))))
      return skipped(context, "this event was handled before");
    const reply = (body: string) => context.octokit.rest.issues.createComment(context.issue({ body }));
    const react = (content: "eyes" | "-1") =>
      context.octokit.rest.reactions.createForIssueComment(context.repo({ comment_id: payload.comment.id, content }));
    const sender = payload.sender.login;
    const permission = await deps.permissions.check(context.octokit, context.repo(), sender);
    if (permission !== "allowed") {
      skipped(context, `@${sender} may not use commands (${permission})`);
      await replyOnce(deps.replies, context, sender, `${refusalText(permission, sender, "use L2MAC commands")} Nothing was changed.`, () =>
        react("-1"),
      );
      return;
    }
    await react("eyes");
    const onPull = Boolean(payload.issue.pull_request);
    if (command.name === "help" || (command.name === "unknown" && !onPull)) {
      await reply(command.name === "unknown" ? `Unknown command \`/l2mac ${command.word}\`.\n\n${HELP_TEXT}` : HELP_TEXT);
      return;
    }
    if (payload.issue.pull_request) return onPullRequest(deps, context, command, reply);
    if (!(await findPlanComment(context.octokit, context.issue(), await deps.botLogin()))) {
      skipped(context, "no L2MAC run on this issue");
      await reply("There is no L2MAC run on this issue yet: add the `l2mac` label to start one.");
      return;
    }
    if (command.name === "unknown") return; // answered above with the help text
    const job = jobFor(payload.installation!.id, payload.repository, payload.issue.number, [{ name: command.name, actor: sender }]);
    if (command.name === "stop") deps.abort(job, `stopped by @${sender}`);
    deps.enqueue(job);
  };
}

/**
 * On the run's pull request: `stop`, `continue` and `status` act on the issue's run; `/l2mac <anything
 * else>` is a new instruction in the writer's words. Re-planning and accepting a changed task need the
 * issue in view, so they are answered with where to give them.
 */
async function onPullRequest(
  deps: CommandDeps,
  context: Context<"issue_comment.created">,
  command: ParsedCommand,
  reply: (body: string) => Promise<unknown>,
): Promise<void> {
  const { payload } = context;
  const pull = await pullOf(context.octokit, context.repo(), payload.issue.number);
  const run = pull
    ? await linkedRun(context.octokit, context.repo(), payload.repository.full_name, pull, await deps.botLogin())
    : undefined;
  if (!run?.ok) {
    skipped(context, `a command on a pull request: ${run?.why ?? "the pull request could not be read"}`);
    await reply("L2MAC commands work on an issue with an L2MAC run, or on the pull request such a run opened.");
    return;
  }
  if (command.name === "help") return; // answered with the help text
  if (command.name === "replan" || command.name === "accept") {
    await reply(`\`/l2mac ${command.name}\` works on the issue, #${run.issue}, where the task is.`);
    return;
  }
  const sender = payload.sender.login;
  const issue = run.issue;
  if (command.name === "unknown") {
    const text = instructionOf(payload.comment.body);
    const request = { kind: "instruction" as const, pr: payload.issue.number, by: sender, url: payload.comment.html_url, text };
    deps.enqueue(jobFor(payload.installation!.id, payload.repository, issue, undefined, { reviews: [request] }));
    return;
  }
  const job = jobFor(payload.installation!.id, payload.repository, issue, [{ name: command.name, actor: sender }]);
  if (command.name === "stop") deps.abort(job, `stopped by @${sender}`);
  deps.enqueue(job);
}

/** `/l2mac <text>`: the text after the command word's prefix, the whole comment (one item, bounded later). */
const instructionOf = (body: string): string =>
  body
    .replace(/^\uFEFF/, "")
    .trim()
    .replace(/^\/l2mac\s+/i, "");
