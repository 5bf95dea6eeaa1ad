import { formatCost, totalTokens } from "../engine/usage.js";
import { clip, codeBlock, decodeItemText, encodeItemText, inlineText, plainText } from "./markdown-text.js";
import {
  MAX_DETAIL_CHARS,
  MAX_ITEM_CHARS,
  MAX_NOTE_CHARS,
  MAX_NOTES,
  PlanStateSchema,
  normaliseItemText,
  stateOf,
  type CiResult,
  type Plan,
  type PlanState,
} from "./plan.js";
import { originLine } from "./review-origin-line.js";

/**
 * The plan comment: rendered by the app from the plan on every transition, parsed back from whatever
 * people produce when editing it in the browser (CRLF, `*`/`+`/`-` bullets, `[X]`, indentation, blank
 * lines, text around the list, deleted hidden markers).
 */

export const PLAN_MARKER = "<!-- l2mac:program -->";
const HEADER = "### L2MAC prompt program";
/** Closes the task-list region the app renders: nothing after it is read as an item. */
export const ITEMS_END = "<!-- l2mac:items-end -->";
const STATE_PREFIX = "<!-- l2mac:state ";
const STATUS_PREFIX = "**Status:**";
export const MAX_COMMENT_CHARS = 65_536;
const MAX_REASON_CHARS = 1_000;

export interface ParsedItem {
  id?: number;
  text: string;
  checked: boolean;
  /** The length of the text before it was cut to {@link MAX_ITEM_CHARS}. */
  cutFrom?: number;
}

export interface ParsedChecklist {
  items: ParsedItem[];
  /** The app's state block, when present and valid. */
  state?: PlanState;
}

const TASK_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*)$/;
const ID_MARKER = /<!--\s*l2mac:i=(\d+)\s*-->/;

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/**
 * The first line the app renders after the items: the end marker, or, when a browser edit deleted it,
 * the status line, the folded CI failure or the state block. Everything the app embeds from elsewhere
 * (CI logs, reasons, notes) comes after it, so none of it is ever read as an item.
 */
const isTrailer = (line: string): boolean => {
  const t = line.trim();
  return t.startsWith(ITEMS_END) || t.startsWith(STATUS_PREFIX) || /^<details[\s>]/i.test(t) || t.startsWith(STATE_PREFIX.trim());
};

/** Lines [start, end) of the task-list region: after the heading (or the marker) and before the first trailer. */
function itemRegion(lines: readonly string[]): [number, number] {
  let end = lines.findIndex(isTrailer);
  if (end < 0) end = lines.length;
  const before = lines.slice(0, end);
  const heading = before.findIndex((l) => l.trim() === HEADER);
  const start = heading >= 0 ? heading : before.findIndex((l) => l.includes(PLAN_MARKER));
  return [start + 1, end];
}

export function parseChecklist(body: string): ParsedChecklist {
  const items: ParsedItem[] = [];
  const lines = body.split(/\r\n|\r|\n/);
  const [start, end] = itemRegion(lines);
  // Inside a fenced code block nothing is a task item (Markdown renders no checkbox there).
  let fence: string | undefined;
  for (const line of lines.slice(start, end)) {
    const f = FENCE.exec(line)?.[1];
    if (f && (!fence || (f[0] === fence[0] && f.length >= fence.length))) {
      fence = fence ? undefined : f;
      continue;
    }
    if (fence) continue;
    const m = TASK_ITEM.exec(line);
    if (!m) continue;
    const id = ID_MARKER.exec(m[2] ?? "")?.[1];
    const full = decodeItemText(normaliseItemText(m[2] ?? ""));
    if (!full) continue;
    const text = full.length > MAX_ITEM_CHARS ? clip(full, MAX_ITEM_CHARS) : full;
    items.push({
      ...(id ? { id: Number(id) } : {}),
      text,
      checked: m[1] !== " ",
      ...(text !== full ? { cutFrom: full.length } : {}),
    });
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

const CI_TEXT: Record<CiResult, string> = {
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
  stopped: "stopped",
};

function statusLine(plan: Plan, ctx: RenderContext): string {
  const total = plan.instructions.length;
  const index = plan.current !== undefined ? plan.instructions.findIndex((i) => i.id === plan.current) + 1 : 0;
  let phase = PHASE_TEXT[plan.phase];
  if ((plan.phase === "running" || plan.phase === "evaluating") && index > 0) phase = `${phase} instruction ${index} of ${total}`;
  const reason = plan.reason ? inlineText(plan.reason, MAX_REASON_CHARS) : undefined;
  if (reason && (plan.phase === "paused" || plan.phase === "failed" || plan.phase === "stopped")) phase = `${phase}: ${reason}`;
  else if (reason && plan.phase === "running") phase = `${phase} (${reason})`;
  const parts = [
    `${STATUS_PREFIX} ${phase}`,
    `branch \`${inlineText(plan.branch, 200)}\``,
    `${totalTokens(plan.usage).toLocaleString("en-US")} tokens`,
    formatCost(plan.usage),
    `updated ${(ctx.now ?? new Date()).toISOString().slice(0, 16).replace("T", " ")} UTC`,
  ];
  return parts.join(" · ");
}

/** How much of the optional text a rendering shows; later stages are smaller, so the comment fits. */
interface Stage {
  /** Visible summary characters per item. */
  summary: number;
  /** Summary characters kept in the state block. */
  stateSummary: number;
  /** Characters of the last CI failure, shown and kept. */
  detail: number;
  /** No links in item sub-lines, no per-item usage or CI link in the state block. */
  compact: boolean;
  /** The newest notes shown and kept. */
  notes: number;
}

const STAGES: readonly Stage[] = [
  { summary: 200, stateSummary: 600, detail: MAX_DETAIL_CHARS, compact: false, notes: MAX_NOTES },
  { summary: 80, stateSummary: 600, detail: MAX_DETAIL_CHARS, compact: false, notes: MAX_NOTES },
  { summary: 0, stateSummary: 300, detail: 2000, compact: false, notes: MAX_NOTES },
  { summary: 0, stateSummary: 80, detail: 0, compact: false, notes: MAX_NOTES },
  { summary: 0, stateSummary: 0, detail: 0, compact: true, notes: 3 },
];

function itemLines(plan: Plan, ctx: RenderContext, stage: Stage): string[] {
  const lines: string[] = [];
  for (const i of plan.instructions) {
    const known = !ctx.asEditOf || String(i.id) in ctx.asEditOf.items;
    lines.push(`- [${i.status === "pending" ? " " : "x"}] ${encodeItemText(i.text)}${known ? ` <!-- l2mac:i=${i.id} -->` : ""}`);
    const short = i.commit ? `\`${inlineText(i.commit.slice(0, 7), 7)}\`` : undefined;
    const sha = short && !stage.compact ? `[${short}](${ctx.repoUrl}/commit/${encodeURIComponent(i.commit!)})` : short;
    const ci = i.ci
      ? i.ci.url && !stage.compact
        ? `[${CI_TEXT[i.ci.result]}](${inlineText(i.ci.url, 500)})`
        : CI_TEXT[i.ci.result]
      : undefined;
    if (i.status === "done") {
      const summary = i.summary && stage.summary > 0 ? plainText(i.summary, stage.summary) : undefined;
      lines.push(`  ✅ ${[sha, ci, summary].filter(Boolean).join(" · ")}`);
    } else if (i.status === "skipped") lines.push("  ⏭️ skipped");
    else if (i.id === plan.current && plan.phase === "running") lines.push("  ⏳ running");
    else if (i.id === plan.current && plan.phase === "evaluating") {
      const attempt = plan.evaluation?.attempt ? ` (fix attempt ${plan.evaluation.attempt})` : "";
      lines.push(`  🔄 ${sha ?? ""} waiting for CI${attempt}`.replace("  🔄  ", "  🔄 "));
    } else if (i.ci?.result === "failed") lines.push(`  ❌ ${[sha, ci].filter(Boolean).join(" · ")}`);
    else if (i.redo) lines.push("  ↩️ will be redone");
    if (i.origin) lines.push(originLine(i.origin, stage.compact, ctx.repoUrl));
  }
  return lines;
}

/** The state block as a stage keeps it: shorter summaries and CI failure, and in the last stage no per-item extras. */
function stagedState(state: PlanState, stage: Stage): PlanState {
  const items = Object.fromEntries(
    Object.entries(state.items).map(([id, s]) => {
      const item = { ...s };
      if (item.sum !== undefined) item.sum = clip(item.sum, stage.stateSummary);
      if (stage.stateSummary === 0 || item.sum === "") delete item.sum;
      if (stage.compact) {
        delete item.u;
        if (item.ci) item.ci = { r: item.ci.r };
      }
      return [id, item];
    }),
  );
  const detail = state.detail && stage.detail > 0 ? tail(state.detail, stage.detail) : undefined;
  const notes = state.notes?.slice(-stage.notes);
  const { detail: _detail, notes: _notes, ...rest } = state;
  return { ...rest, items, ...(detail ? { detail } : {}), ...(notes?.length ? { notes } : {}) };
}

/** The end of a text (a CI failure says what broke last). */
const tail = (text: string, max: number): string => (text.length <= max ? text : `…${text.slice(-(max - 1))}`);

export class PlanTooLargeError extends Error {
  constructor(readonly instructions: number) {
    super(
      `the program (${instructions} instructions) does not fit in one GitHub comment (${MAX_COMMENT_CHARS.toLocaleString("en-US")} characters)`,
    );
    this.name = "PlanTooLargeError";
  }
}

/**
 * Renders the whole comment. Everything not written by the app is escaped or fenced where it stands,
 * and all of it comes after the task-list region, which {@link ITEMS_END} closes. When the comment would
 * exceed GitHub's limit the optional text shrinks, stage by stage; a program that still does not fit
 * throws {@link PlanTooLargeError}.
 */
export function renderPlanComment(plan: Plan, ctx: RenderContext): string {
  const head = [
    PLAN_MARKER,
    HEADER,
    "Edit to steer: reword, add, delete or reorder unchecked items; tick an item to skip it; untick a finished item to redo it. Comment `/l2mac continue` to resume a paused run, `/l2mac help` for more.",
    "",
  ];
  const state = ctx.asEditOf ?? stateOf(plan);
  for (const stage of STAGES) {
    const staged = stagedState(state, stage);
    const notes = [...(plan.notes ?? []).slice(-stage.notes), ...(ctx.notes ?? [])].map((n) => `> ${inlineText(n, MAX_NOTE_CHARS)}`);
    const detail = plan.detail && stage.detail > 0 ? tail(plan.detail, stage.detail) : undefined;
    const body = [
      ...head,
      ...itemLines(plan, ctx, stage),
      "",
      ITEMS_END,
      statusLine(plan, ctx),
      ...notes,
      ...(detail ? ["", "<details><summary>Last CI failure</summary>", "", ...codeBlock(detail), "</details>"] : []),
      stateBlock(staged),
    ].join("\n");
    if (body.length <= MAX_COMMENT_CHARS) return body;
  }
  throw new PlanTooLargeError(plan.instructions.length);
}
