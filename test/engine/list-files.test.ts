import { describe, expect, it } from "vitest";
import { LIST_FILES_MAX_TOKENS } from "../../src/engine/context-budget.js";
import type { FileStore } from "../../src/engine/file-store.js";
import { countText } from "../../src/engine/token-counter.js";
import { callTool } from "../support/tool-call.js";

/** A store of `count` files in nested folders; only its listing is read. */
function storeOf(count: number): FileStore {
  const paths = Array.from({ length: count }, (_, i) => `src/m${i % 20}/d${Math.floor(i / 20) % 50}/file${i}.ts`).sort();
  return { list: async () => paths } as unknown as FileStore;
}

async function listFiles(store: FileStore, args: object, budget: number): Promise<string> {
  const out = await callTool("list_files", args, store, budget);
  expect(out.ok).toBe(true);
  return out.text;
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
