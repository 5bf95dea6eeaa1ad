import type { FileStore } from "../../src/engine/file-store.js";
import type { ToolCall } from "../../src/engine/messages.js";
import { runToolCall } from "../../src/engine/tools/dispatch.js";

/** One tool call as the agent makes it, on `store`, its result within `budget` tokens; the rest of the context is inert. */
export async function callTool(name: string, args: object, store: FileStore, budget: number): Promise<{ ok: boolean; text: string }> {
  const call = { id: "t1", type: "function", function: { name, arguments: JSON.stringify(args) } } as ToolCall;
  const out = await runToolCall(call, {
    store,
    checkSyntax: async () => [],
    resultBudget: () => budget,
    touched: new Set(),
    complete: async () => ({ ok: true, message: "" }),
  });
  return { ok: out.ok, text: out.message.content as string };
}
