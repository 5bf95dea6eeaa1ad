/** `/l2mac <command>` on the first line of an issue comment; the rest of the comment is ignored. */
export type CommandName = "continue" | "stop" | "status" | "replan" | "accept" | "help";
export type ParsedCommand = { name: CommandName } | { name: "unknown"; word: string };

const NAMES: readonly CommandName[] = ["continue", "stop", "status", "replan", "accept", "help"];

export function parseCommand(body: string | null | undefined): ParsedCommand | undefined {
  const first =
    (body ?? "")
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)[0]
      ?.trim() ?? "";
  const m = /^\/l2mac(?:\s+(\S+))?(?:\s.*)?$/i.exec(first);
  if (!m) return undefined;
  const word = (m[1] ?? "help").toLowerCase();
  return (NAMES as readonly string[]).includes(word) ? { name: word as CommandName } : { name: "unknown", word };
}

export const HELP_TEXT = [
  "**L2MAC commands** (first line of a comment; people with write access only):",
  "",
  "- `/l2mac continue`: resume a paused, failed or approved-pending run at the first unchecked item (also after adding or unticking items on a finished run)",
  "- `/l2mac stop`: pause after the agent's current step; its work so far is committed as a partial commit and the item stays unchecked",
  "- `/l2mac status`: refresh the status line",
  "- `/l2mac replan`: plan the unchecked part again from the current issue body, keeping finished items",
  "- `/l2mac accept`: go on with the issue's changed title or description (a change pauses the run; `continue` does not accept it)",
  "- `/l2mac help`: this text",
  "",
  "On the run's pull request, `stop`, `continue`, `status` and `help` act on the issue's run, and `/l2mac <anything else>` adds that text as a new instruction. A review requesting changes, or commenting, becomes new instructions too.",
  "",
  "Steer by editing the checklist: reword, add, delete or reorder unchecked items; tick an item to skip it; untick a finished item to redo it.",
].join("\n");
