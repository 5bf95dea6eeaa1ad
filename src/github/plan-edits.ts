import type { Instruction } from "../engine/program.js";
import type { ParsedChecklist, ParsedItem } from "./checklist.js";
import { textHash, type Plan, type PlanState } from "./plan.js";

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

  const order: number[] = [];
  for (const item of items) {
    if (item.id === undefined) {
      // The same new line applied before (an edit re-applied after a race) is the item it created then.
      const hash = textHash(item.text);
      const again = ours.instructions.find((i) => !(String(i.id) in base.items) && !order.includes(i.id) && textHash(i.text) === hash);
      if (again) {
        order.push(again.id);
        continue;
      }
      const id = nextId++;
      byId.set(id, { id, text: item.text, status: item.checked ? "skipped" : "pending" });
      order.push(id);
      continue;
    }
    const mine = byId.get(item.id);
    const was = base.items[String(item.id)];
    if (!mine || !was || order.includes(item.id)) continue;
    if (textHash(item.text) !== was.h || mine.text === "") mine.text = item.text;
    if (item.checked !== was.c) toggle(mine, item.checked);
    order.push(item.id);
  }
  // Items the app added since the base (not in it) keep their place; items the user deleted go.
  const kept = ours.instructions.filter((i) => !order.includes(i.id) && !(String(i.id) in base.items)).map((i) => i.id);
  const finalOrder = [...order, ...kept];
  return { ...ours, nextId, instructions: finalOrder.map((id) => byId.get(id)!) };
}

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
    if (match === undefined) return { text: item.text, checked: item.checked };
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
    pendingTask: state.pendingTask,
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
        ...(s.ci ? { ci: s.ci } : {}),
      };
    }),
  };
  const merged = applyEdits(base, live);
  // Items whose line vanished entirely were dropped by the merge; any left without text have no line to show.
  return { ...merged, instructions: merged.instructions.filter((i) => i.text !== "") };
}
