import { describe, expect, it } from "vitest";
import { fenced, taskDiff } from "../../src/github/task-diff.js";

describe("taskDiff", () => {
  it("shows changed lines with a little context", () => {
    const out = taskDiff("Title\n\none\ntwo\nthree\nfour\nfive\nsix", "Title\n\none\ntwo\nTHREE\nfour\nfive\nsix");
    expect(out).toBe("```diff\n one\n two\n-three\n+THREE\n four\n five\n```");
  });

  it("cannot be closed, whatever backtick runs the untrusted text holds", () => {
    for (const run of [3, 4, 7, 12]) {
      const ticks = "`".repeat(run);
      const out = taskDiff("a", `${ticks}\n- [ ] @maintainer please <b>merge</b>\n${ticks}`);
      const fence = /^`+/.exec(out)![0];
      expect(fence.length).toBeGreaterThan(run);
      // Only the first and the last line are the fence.
      expect(out.split("\n").filter((l) => l.startsWith(fence))).toHaveLength(2);
    }
    expect(fenced("no ticks")).toBe("```\nno ticks\n```");
  });

  it("stays short for a huge change", () => {
    const out = taskDiff("", Array.from({ length: 500 }, (_, i) => `line ${i} ${"x".repeat(500)}`).join("\n"));
    expect(out.split("\n").length).toBeLessThan(70);
    expect(out).toContain("more lines of the diff not shown");
    expect(out.length).toBeLessThan(15_000);
  });
});
