import { totalTokens } from "../engine/usage.js";
import { PlanStateSchema, normaliseItemText, stateOf, type Plan, type PlanState } from "./plan.js";

/**
 * The plan comment: rendered by the app from the plan on every transition, parsed back from whatever
 * people produce when editing it in the browser (CRLF, `*`/`+`/`-` bullets, `[X]`, indentation, blank
 * lines, text around the list, deleted hidden markers).
 */

export const PLAN_MARKER = "<!-- l2mac:program -->";
const STATE_PREFIX = "<!-- l2mac:state ";
export const MAX_COMMENT_CHARS = 65_536;

export interface ParsedItem {
  id?: number;
  text: string;
  checked: boolean;
}

export interface ParsedChecklist {
  items: ParsedItem[];
  /** The app's state block, when present and valid. */
  state?: PlanState;
}

const TASK_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*)$/;
const ID_MARKER = /<!--\s*l2mac:i=(\d+)\s*-->/;

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

export function parseChecklist(body: string): ParsedChecklist {
  const items: ParsedItem[] = [];
  // Inside a fenced code block nothing is a task item (Markdown renders no checkbox there): CI log
  // excerpts and quoted text must never become instructions.
  let fence: string | undefined;
  for (const line of body.split(/\r\n|\r|\n/)) {
    const f = FENCE.exec(line)?.[1];
    if (f && (!fence || (f[0] === fence[0] && f.length >= fence.length))) {
      fence = fence ? undefined : f;
      continue;
    }
    if (fence) continue;
    const m = TASK_ITEM.exec(line);
    if (!m) continue;
    const id = ID_MARKER.exec(m[2] ?? "")?.[1];
    const text = normaliseItemText(m[2] ?? "");
    if (!text) continue;
    items.push({ ...(id ? { id: Number(id) } : {}), text, checked: m[1] !== " " });
  }
  return { items, state: parseState(body) };
}

function parseState(body: string): PlanState | undefined {
  const start = body.lastIndexOf(STATE_PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf("-->", start);
  if (end < 0) return undefined;
  try {
    const parsed = PlanStateSchema.safeParse(JSON.parse(body.slice(start + STATE_PREFIX.length, end)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

// JSON inside an HTML comment: `<` and `>` escaped so no string can close the comment early.
const stateBlock = (state: PlanState): string =>
  `${STATE_PREFIX}${JSON.stringify(state).replace(/</g, "\\u003c").replace(/>/g, "\\u003e")} -->`;

export interface RenderContext {
  /**
   * Render the items of the plan under this state block instead of the plan's own: the result reads as
   * a user's edit of that state (items it does not know appear without ids, as new lines).
   */
  asEditOf?: PlanState;
  /** e.g. https://github.com/o/r — for commit links. */
  repoUrl: string;
  now?: Date;
  /** Extra lines under the status (notes such as "no CI covers this branch"). */
  notes?: readonly string[];
}

const CI_TEXT: Record<NonNullable<Plan["instructions"][number]["ci"]>["r"], string> = {
  passed: "CI passed",
  failed: "CI failed",
  none: "no CI",
  base: "CI fails as on the default branch",
};

const PHASE_TEXT: Record<Plan["phase"], string> = {
  planning: "planning the prompt program",
  "awaiting-approval": "waiting for approval: comment `/l2mac continue` to start",
  running: "running",
  evaluating: "waiting for CI",
  finishing: "opening the pull request",
  done: "done",
  paused: "paused",
  failed: "failed",
};

function statusLine(plan: Plan, ctx: RenderContext): string {
  const total = plan.instructions.length;
  const index = plan.current !== undefined ? plan.instructions.findIndex((i) => i.id === plan.current) + 1 : 0;
  let phase = PHASE_TEXT[plan.phase];
  if ((plan.phase === "running" || plan.phase === "evaluating") && index > 0) phase = `${phase} instruction ${index} of ${total}`;
  if (plan.reason && (plan.phase === "paused" || plan.phase === "failed")) phase = `${phase}: ${plan.reason}`;
  else if (plan.reason && plan.phase === "running") phase = `${phase} (${plan.reason})`;
  const parts = [
    `**Status:** ${phase}`,
    `branch \`${plan.branch}\``,
    `${totalTokens(plan.usage).toLocaleString("en-US")} tokens`,
    `$${plan.usage.costUsd.toFixed(2)}`,
    `updated ${(ctx.now ?? new Date()).toISOString().slice(0, 16).replace("T", " ")} UTC`,
  ];
  return parts.join(" · ");
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1).trimEnd()}…` : one;
}

function itemLines(plan: Plan, ctx: RenderContext, summaryChars: number): string[] {
  const lines: string[] = [];
  for (const i of plan.instructions) {
    const known = !ctx.asEditOf || String(i.id) in ctx.asEditOf.items;
    lines.push(`- [${i.status === "pending" ? " " : "x"}] ${i.text}${known ? ` <!-- l2mac:i=${i.id} -->` : ""}`);
    const sha = i.commit ? `[\`${i.commit.slice(0, 7)}\`](${ctx.repoUrl}/commit/${i.commit})` : undefined;
    const ci = i.ci ? (i.ci.url ? `[${CI_TEXT[i.ci.r]}](${i.ci.url})` : CI_TEXT[i.ci.r]) : undefined;
    if (i.status === "done")
      lines.push(
        `  ✅ ${[sha, ci, i.summary && summaryChars > 0 ? clip(i.summary, summaryChars) : undefined].filter(Boolean).join(" · ")}`,
      );
    else if (i.status === "skipped") lines.push("  ⏭️ skipped");
    else if (i.id === plan.current && plan.phase === "running") lines.push("  ⏳ running");
    else if (i.id === plan.current && plan.phase === "evaluating") {
      const attempt = plan.evaluation?.attempt ? ` (fix attempt ${plan.evaluation.attempt})` : "";
      lines.push(`  🔄 ${sha ?? ""} waiting for CI${attempt}`.replace("  🔄  ", "  🔄 "));
    } else if (i.ci?.r === "failed") lines.push(`  ❌ ${[sha, ci].filter(Boolean).join(" · ")}`);
    else if (i.redo) lines.push("  ↩️ will be redone");
  }
  return lines;
}

/**
 * Renders the whole comment. When it would exceed GitHub's limit, the visible summaries shrink first,
 * then the summaries kept in the state block.
 */
export function renderPlanComment(plan: Plan, ctx: RenderContext): string {
  const head = [
    PLAN_MARKER,
    "### L2MAC prompt program",
    "Edit to steer: reword, add, delete or reorder unchecked items; tick an item to skip it; untick a finished item to redo it. Comment `/l2mac continue` to resume a paused run, `/l2mac help` for more.",
    "",
  ];
  const state = ctx.asEditOf ?? stateOf(plan);
  for (const [summaryChars, stateSummaryChars] of [
    [200, 600],
    [80, 600],
    [0, 300],
    [0, 80],
    [0, 0],
  ] as const) {
    const trimmed: PlanState = {
      ...state,
      items: Object.fromEntries(
        Object.entries(state.items).map(([id, s]) => [
          id,
          s.sum !== undefined ? { ...s, sum: clip(s.sum, Math.max(stateSummaryChars, 1)) } : s,
        ]),
      ),
    };
    if (stateSummaryChars === 0) for (const s of Object.values(trimmed.items)) delete s.sum;
    const notes = [...(plan.notes ?? []), ...(ctx.notes ?? [])].map((n) => `> ${n}`);
    const detail = plan.detail
      ? ["", "<details><summary>Last CI failure</summary>", "", "````text", plan.detail, "````", "</details>"]
      : [];
    const body = [...head, ...itemLines(plan, ctx, summaryChars), "", statusLine(plan, ctx), ...notes, ...detail, stateBlock(trimmed)].join(
      "\n",
    );
    if (body.length <= MAX_COMMENT_CHARS) return body;
  }
  throw new Error(`The plan has too many instructions to fit in one comment (${plan.instructions.length}).`);
}
