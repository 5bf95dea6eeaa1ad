import type { RunEvent, RunEventListener } from "../engine/events.js";
import { commitSubject } from "../engine/text.js";
import { formatCost, totalTokens, type Usage } from "../engine/usage.js";

const fmtUsage = (u: Usage): string => `${totalTokens(u).toLocaleString("en-US")} tokens · ${formatCost(u, 4)}`;

/**
 * Shows a run's progress: on a TTY one status line rewritten in place (instruction k/N, turn, tokens,
 * cost) above a log of finished instructions; elsewhere plain lines, one per event.
 */
export function progressReporter(out: NodeJS.WritableStream & { isTTY?: boolean }): { listener: RunEventListener; close(): void } {
  const tty = Boolean(out.isTTY);
  let status = "";
  const line = (text: string) => {
    if (tty && status) out.write("\r\x1b[2K");
    out.write(`${text}\n`);
    if (tty && status) out.write(status);
  };
  const setStatus = (text: string) => {
    if (!tty) return;
    status = text;
    out.write(`\r\x1b[2K${text}`);
  };
  const listener = (e: RunEvent): void => {
    switch (e.type) {
      case "planned":
        line(`Planned ${e.steps.length} instructions:`);
        e.steps.forEach((s, i) => line(`  ${i + 1}. ${commitSubject(s)}`));
        if (e.instructionFiles?.length) line(`Following the repository's instructions for agents: ${e.instructionFiles.join(", ")}`);
        break;
      case "task-cut":
        line(
          `The task is ${e.tokens.toLocaleString("en-US")} tokens; only the first ${e.keptTokens.toLocaleString("en-US")} fit the model's context window and are used.`,
        );
        break;
      case "instruction-started":
        line(`▶ ${e.index}/${e.total} ${commitSubject(e.instruction.text)}`);
        setStatus(`instruction ${e.index}/${e.total} · starting`);
        break;
      case "turn":
        if (tty) setStatus(`instruction ${e.index}/${e.total} · turn ${e.turn} · ${fmtUsage(e.usage)}`);
        else line(`  turn ${e.turn} · ${fmtUsage(e.usage)}`);
        break;
      case "tool":
        if (!e.ok) line(`  ${e.name}: ${e.detail.split("\n")[0]}`);
        break;
      case "context-restart":
        line(`  context window full: summarised and restarted (${e.restarts})`);
        break;
      case "instruction-finished":
        line(`✓ ${e.index}/${e.total}${e.instruction.commit ? ` ${e.instruction.commit.slice(0, 7)}` : ""} ${e.instruction.summary ?? ""}`);
        break;
      case "run-stopped":
        if (tty) {
          out.write("\r\x1b[2K");
          status = "";
        }
        break;
    }
  };
  return {
    listener,
    close: () => {
      if (tty && status) out.write("\r\x1b[2K");
      status = "";
    },
  };
}
