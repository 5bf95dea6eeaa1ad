import { describe, expect, it } from "vitest";
import { isRepeating, LoopDetector } from "../../src/engine/loop-detector.js";
import type { ChatMessage } from "../../src/engine/messages.js";

/** One round of an agent claiming completion and being told its tests fail, as the control unit words it. */
function failingRound(n: number, tmp: string, seconds: string, assertion = "assert shorten('x') == 'abc'"): ChatMessage[] {
  const output =
    `============================= test session starts ==============================\n` +
    `rootdir: ${tmp}\n` +
    `collected 3 items\n\n` +
    `test_shortener.py ..F                                                    [100%]\n\n` +
    `FAILED ${tmp}/test_shortener.py::test_shorten - ${assertion}\n` +
    `========================= 1 failed, 2 passed in ${seconds}s =========================`;
  return [
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: `call_${n}`, type: "function", function: { name: "sub_task_step_complete", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: `call_${n}`, content: JSON.stringify({ status: "error", message: output }) },
    { role: "user", content: `The checks failed, so the step is not complete yet:\n${output}\nFix the code.` },
  ];
}

const head: ChatMessage[] = [
  { role: "system", content: "You write code." },
  { role: "user", content: "Implement the URL shortener." },
];

describe("loop detection", () => {
  it("sees a loop whose test output differs only in temporary paths and durations", () => {
    const messages = [
      ...head,
      ...failingRound(1, "/tmp/pytest-of-root/pytest-7/test_shorten0", "0.12"),
      ...failingRound(2, "/tmp/pytest-of-root/pytest-8/test_shorten0", "0.31"),
    ];
    expect(isRepeating(messages)).toBe(true);
    const detector = new LoopDetector(0);
    expect(detector.next(messages)).toBe(0.4);
  });

  it("sees the same loop in the platform's temporary directory and with clock-time durations", () => {
    const messages = [
      ...head,
      ...failingRound(1, "/var/folders/x1/abc/T/l2mac-eval-Q1w2E3", "61.02s (0:01:01) and 0.5"),
      ...failingRound(2, "/var/folders/x1/abc/T/l2mac-eval-Z9y8X7", "64.90s (0:01:04) and 0.7"),
    ];
    expect(isRepeating(messages)).toBe(true);
  });

  it("does not call different failures a loop", () => {
    const messages = [
      ...head,
      ...failingRound(1, "/tmp/pytest-of-root/pytest-7/test_shorten0", "0.12"),
      ...failingRound(2, "/tmp/pytest-of-root/pytest-8/test_shorten0", "0.31", "assert expand('abc') == 'x'"),
    ];
    expect(isRepeating(messages)).toBe(false);
    expect(new LoopDetector(0).next(messages)).toBe(0);
  });

  it("keeps the failing file's name: the same error in another file is progress, not a loop", () => {
    const a = failingRound(1, "/tmp/run-1", "0.1");
    const b = failingRound(2, "/tmp/run-2", "0.1").map((m) =>
      m.role === "assistant" ? m : { ...m, content: m.content!.replaceAll("test_shortener.py", "test_store.py") },
    ) as ChatMessage[];
    expect(isRepeating([...head, ...a, ...b])).toBe(false);
  });
});
