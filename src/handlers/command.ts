import type { Context } from "probot";
import { HELP_TEXT, parseCommand } from "../github/commands.js";
import { refusalText, type Permissions } from "../github/permissions.js";
import { findPlanComment } from "../github/plan-comment.js";
import { jobFor, type RunJob } from "../runs/run-job.js";
import { eventKeys, type DeliveryLog } from "./delivery-log.js";
import { replyOnce, type ReplyLimiter } from "./reply-limiter.js";
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

/** `/l2mac …` on an issue: authorise, acknowledge, and hand the command to the run's worker. */
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
    if (command.name === "help" || command.name === "unknown") {
      await reply(command.name === "unknown" ? `Unknown command \`/l2mac ${command.word}\`.\n\n${HELP_TEXT}` : HELP_TEXT);
      return;
    }
    if (payload.issue.pull_request) {
      skipped(context, "a command on a pull request");
      await reply("L2MAC commands work on the issue that started the run, not on its pull request.");
      return;
    }
    if (!(await findPlanComment(context.octokit, context.issue(), await deps.botLogin()))) {
      skipped(context, "no L2MAC run on this issue");
      await reply("There is no L2MAC run on this issue yet: add the `l2mac` label to start one.");
      return;
    }
    const job = jobFor(payload.installation!.id, payload.repository, payload.issue.number, [{ name: command.name, actor: sender }]);
    if (command.name === "stop") deps.abort(job, `stopped by @${sender}`);
    deps.enqueue(job);
  };
}
