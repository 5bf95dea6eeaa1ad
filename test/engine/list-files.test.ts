import { describe, expect, it } from "vitest";
import { LIST_FILES_MAX_TOKENS } from "../../src/engine/context-budget.js";
import type { FileStore } from "../../src/engine/file-store.js";
import type { ToolCall } from "../../src/engine/messages.js";
import { countText } from "../../src/engine/token-counter.js";
import { runToolCall } from "../../src/engine/tools/dispatch.js";

/** A store of `count` files in nested folders; only its listing is read. */
function storeOf(count: number): FileStore {
  const paths = Array.from({ length: count }, (_, i) => `src/m${i % 20}/d${Math.floor(i / 20) % 50}/file${i}.ts`).sort();
  return { list: async () => paths } as unknown as FileStore;
}

async function listFiles(store: FileStore, args: object, budget: number): Promise<string> {
  const call = { id: "l1", type: "function", function: { name: "list_files", arguments: JSON.stringify(args) } } as ToolCall;
  const out = await runToolCall(call, {
    store,
    checkSyntax: async () => [],
    resultBudget: () => budget,
    touched: new Set(),
    complete: async () => ({ ok: true, message: "" }),
  });
  expect(out.ok).toBe(true);
  return out.message.content as string;
}

describe("list_files", () => {
  it("stays small however much room the conversation has: large directories collapse, and a directory drills in", async () => {
    const store = storeOf(5000);
    const whole = await listFiles(store, {}, 100_000);
    expect(countText(whole)).toBeLessThanOrEqual(LIST_FILES_MAX_TOKENS);
    expect(whole).toMatch(/^5000 files:\n/);
    expect(whole).toContain("src/m0/d0/ (5 files)");
    const folder = await listFiles(store, { path: "src/m0/d0" }, 100_000);
    expect(folder).toBe("5 files under src/m0/d0/:\nfile0.ts\nfile1000.ts\nfile2000.ts\nfile3000.ts\nfile4000.ts");
  });

  it("takes less when the conversation has less room", async () => {
    const text = await listFiles(storeOf(5000), {}, 300);
    expect(countText(text)).toBeLessThanOrEqual(300);
  });
});
