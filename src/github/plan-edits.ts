import type { Instruction } from "../engine/program.js";
import type { ParsedChecklist, ParsedItem } from "./checklist.js";
import { MAX_ITEM_CHARS, MAX_ITEMS, MAX_ITEMS_TEXT, textHash, type Plan, type PlanState } from "./plan.js";

/**
 * Three-way merge of the checklist: `base` is the state the app last rendered (the state block of the live
 * comment), `live` is what the comment says now, `ours` is the plan the app holds. Whatever the user
 * changed between base and live is applied to ours; everything else in ours stands:
 * reworded items take the new text; lines without an id are new instructions at their place; deleted
 * items are dropped; the user's order wins; ticking a pending item skips it; unticking a finished one
 * sends it round again.
 */
export function applyEdits(ours: Plan, live: ParsedChecklist): Plan {
  const base = live.state;
  if (!base || base.runId !== ours.runId) return ours;
  // A checklist emptied of every item is not a program: nothing is taken from it.
  if (live.items.length === 0 && base.order.length > 0) return ours;
  const items = matchIds(live.items, base);
  const byId = new Map(ours.instructions.map((i) => [i.id, { ...i }]));
  let nextId = Math.max(ours.nextId, base.nextId);
  // Items the app added since the base (not in it) keep their place, and their room in the bounds.
  const appAdded = ours.instructions.filter((i) => !(String(i.id) in base.items));
  const room = new Room(appAdded);
  const cut = { lines: 0, long: items.filter((i) => i.cutFrom !== undefined).length };

  const order: number[] = [];
  for (const item of items) {
    if (item.id === undefined) {
      // The same new line applied before (an edit re-applied after a race) is the item it created then.
      const hash = textHash(item.text);
      const again = ours.instructions.find((i) => !(String(i.id) in base.items) && !order.includes(i.id) && textHash(i.text) === hash);
      if (again) {
        // Not in the base, so already counted among the items the app added.
        order.push(again.id);
        continue;
      }
      if (!room.fits(item.text)) {
        cut.lines++;
        continue;
      }
      room.take(item.text);
      const id = nextId++;
      byId.set(id, { id, text: item.text, status: item.checked ? "skipped" : "pending" });
      order.push(id);
      continue;
    }
    const mine = byId.get(item.id);
    const was = base.items[String(item.id)];
    if (!mine || !was || order.includes(item.id)) continue;
    const reworded = textHash(item.text) !== was.h || mine.text === "";
    if (reworded && room.fits(item.text, mine.text)) mine.text = item.text;
    else if (reworded) cut.lines++;
    room.take(mine.text, true);
    if (item.checked !== was.c) toggle(mine, item.checked);
    order.push(item.id);
  }
  // Items the user deleted go.
  const finalOrder = [...order, ...appAdded.filter((i) => !order.includes(i.id)).map((i) => i.id)];
  return { ...ours, nextId, instructions: finalOrder.map((id) => byId.get(id)!), notes: withNotes(ours.notes, cutNotes(cut)) };
}

/** What is left of the bounds on a program's items (count, text) as an edit is applied. */
class Room {
  private count: number;
  private chars: number;
  constructor(kept: readonly Instruction[]) {
    this.count = kept.length;
    this.chars = kept.reduce((n, i) => n + i.text.length, 0);
  }
  /** Whether `text` fits, in place of `replacing` when it rewords an item. */
  fits(text: string, replacing?: string): boolean {
    if (replacing === undefined && this.count >= MAX_ITEMS) return false;
    return this.chars + text.length <= MAX_ITEMS_TEXT;
  }
  take(text: string, always = false): void {
    if (!always && !this.fits(text)) return;
    this.count++;
    this.chars += text.length;
  }
}

function cutNotes(cut: { lines: number; long: number }): string[] {
  const notes: string[] = [];
  if (cut.long > 0)
    notes.push(
      `${cut.long === 1 ? "An edited item was" : `${cut.long} edited items were`} longer than ${MAX_ITEM_CHARS.toLocaleString("en-US")} characters; only the first ${MAX_ITEM_CHARS.toLocaleString("en-US")} are used.`,
    );
  if (cut.lines > 0)
    notes.push(
      `${cut.lines === 1 ? "One edited line was" : `${cut.lines} edited lines were`} left out: a program holds at most ${MAX_ITEMS} items and ${MAX_ITEMS_TEXT.toLocaleString("en-US")} characters of them.`,
    );
  return notes;
}

/** Notes with `extra` added, each once (the same edit is merged on every save until the app rewrites the comment). */
const withNotes = (notes: string[] | undefined, extra: readonly string[]): string[] | undefined => {
  const fresh = extra.filter((n) => !notes?.includes(n));
  return fresh.length > 0 ? [...(notes ?? []), ...fresh] : notes;
};

function toggle(instruction: Instruction, checked: boolean): void {
  if (checked && instruction.status === "pending") {
    instruction.status = "skipped";
    delete instruction.redo;
  } else if (!checked && instruction.status !== "pending") {
    instruction.redo = instruction.status === "done" ? true : undefined;
    if (!instruction.redo) delete instruction.redo;
    instruction.status = "pending";
  }
}

/** A line whose hidden id was deleted is matched back to its item by text, if that item is otherwise absent. */
function matchIds(items: readonly ParsedItem[], base: PlanState): ParsedItem[] {
  const present = new Set(items.map((i) => i.id).filter((id): id is number => id !== undefined && String(id) in base.items));
  const seen = new Set<number>();
  return items.map((item) => {
    if (item.id !== undefined && String(item.id) in base.items && !seen.has(item.id)) {
      seen.add(item.id);
      return item;
    }
    const hash = textHash(item.text);
    const match = base.order.find((id) => !present.has(id) && !seen.has(id) && base.items[String(id)]?.h === hash);
    if (match === undefined)
      return { text: item.text, checked: item.checked, ...(item.cutFrom !== undefined ? { cutFrom: item.cutFrom } : {}) };
    seen.add(match);
    present.add(match);
    return { ...item, id: match };
  });
}

/** The plan a comment describes: its state block with the live checklist applied. */
export function planFromComment(live: ParsedChecklist): Plan | undefined {
  const state = live.state;
  // Without the state block, or with every item removed, the comment holds no program to continue.
  if (!state || (live.items.length === 0 && state.order.length > 0)) return undefined;
  const texts = new Map(live.items.filter((i) => i.id !== undefined).map((i) => [i.id!, i.text]));
  const base: Plan = {
    runId: state.runId,
    phase: state.phase,
    reason: state.reason,
    current: state.current,
    branch: state.branch,
    usage: state.usage,
    nextId: state.nextId,
    pr: state.pr,
    seen: state.seen,
    taskHash: state.taskHash,
    pendingTask: state.pendingTask && {
      hash: state.pendingTask.h,
      ...(state.pendingTask.comment !== undefined ? { comment: state.pendingTask.comment } : {}),
    },
    evaluation: state.evaluation,
    base: state.base,
    notes: state.notes,
    detail: state.detail,
    instructions: state.order.map((id) => {
      const s = state.items[String(id)]!;
      return {
        id,
        text: texts.get(id) ?? "",
        status: s.s,
        ...(s.sum !== undefined ? { summary: s.sum } : {}),
        ...(s.sha !== undefined ? { commit: s.sha } : {}),
        ...(s.u !== undefined ? { usage: s.u } : {}),
        ...(s.redo ? { redo: true } : {}),
        ...(s.ci ? { ci: { result: s.ci.r, ...(s.ci.url !== undefined ? { url: s.ci.url } : {}) } } : {}),
        ...(s.rv ? { origin: s.rv } : {}),
      };
    }),
  };
  const merged = applyEdits(base, live);
  // Items whose line vanished entirely were dropped by the merge; any left without text have no line to show.
  return { ...merged, instructions: merged.instructions.filter((i) => i.text !== "") };
}
