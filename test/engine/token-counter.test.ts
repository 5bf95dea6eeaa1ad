import type * as Tokenizer from "gpt-tokenizer";
import { describe, expect, it, vi } from "vitest";

// Records how long each piece handed to the tokenizer is: the cost of BPE grows with the square of a run.
const pieces: number[] = [];
vi.mock("gpt-tokenizer", async (importOriginal) => {
  const real = await importOriginal<typeof Tokenizer>();
  return {
    ...real,
    countTokens: (text: string, options?: object) => {
      pieces.push(text.length);
      return real.countTokens(text, options as never);
    },
  };
});

const { countText } = await import("../../src/engine/token-counter.js");
const { clipTail } = await import("../../src/engine/text.js");
const { countTokens } = await import("gpt-tokenizer");

describe("token counting of hostile text", () => {
  it("never hands the tokenizer an unbroken run longer than a few hundred characters", () => {
    pieces.length = 0;
    const n = countText("a".repeat(400_000));
    expect(Math.max(...pieces)).toBeLessThanOrEqual(256);
    // 400 KB of one letter is about 50k tokens; counting in pieces must not undercount.
    expect(n).toBeGreaterThanOrEqual(50_000);
    expect(n).toBeLessThan(52_000);
  });

  it("counts ordinary text exactly as the tokenizer does, in one call", () => {
    const prose = "The quick brown fox jumps over the lazy dog.\n".repeat(500);
    const expected = countTokens(prose, { disallowedSpecial: new Set() });
    pieces.length = 0;
    expect(countText(prose)).toBe(expected);
    expect(pieces).toHaveLength(1);
  });

  it("errs high, never low, when a long run is cut", () => {
    const run = "x9".repeat(3000) + " done";
    expect(countText(run)).toBeGreaterThanOrEqual(countTokens(run));
  });

  it("keeps a cut surrogate pair whole", () => {
    const emoji = "😀".repeat(1000);
    expect(countText(emoji)).toBeGreaterThan(0);
  });
});

describe("clipTail", () => {
  it("keeps the end within the budget and counts each line once", () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} of the test output`);
    pieces.length = 0;
    const text = lines.join("\n");
    const clipped = clipTail(text, 5000);
    const tokenised = pieces.reduce((a, b) => a + b, 0);
    expect(countText(clipped)).toBeLessThanOrEqual(5000);
    expect(clipped).toContain("line 19999 of the test output");
    expect(clipped).toMatch(/^\[… \d+ earlier lines omitted\]/);
    // One count of the whole text and one per kept line: linear, not the growing text again and again.
    expect(tokenised).toBeLessThan(2 * text.length);
  });
});
