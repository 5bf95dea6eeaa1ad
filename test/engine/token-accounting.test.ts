import { encodeChat } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/engine/messages.js";
import { countMessage, countPrompt } from "../../src/engine/token-counter.js";

describe("prompt token accounting (OpenAI's)", () => {
  it("counts the API reference's example as the API did: 13 prompt tokens", () => {
    // OpenAI's chat-completions reference answered this one-message request with usage.prompt_tokens = 13:
    // 3 (framing) + 1 ("user") + 6 (the text) + 3 (the reply's priming).
    expect(countPrompt([{ role: "user", content: "Say this is a test!" }])).toBe(13);
  });

  it("agrees with the ChatML rendering token for token over a conversation", () => {
    const chat: ChatMessage[] = [
      { role: "system", content: "You turn corporate jargon into plain English." },
      { role: "user", content: "New synergies will help drive top-line growth." },
      { role: "assistant", content: "Things working well together will increase revenue." },
      { role: "user", content: "This late pivot means we lack time to boil the ocean for the client deliverable." },
    ];
    // <|im_start|>role<|im_sep|>content<|im_end|> per message, then <|im_start|>assistant<|im_sep|>.
    expect(countPrompt(chat)).toBe(encodeChat(chat as Parameters<typeof encodeChat>[0], "gpt-4o").length);
  });

  it("charges every message its role token, so a long conversation is not undercounted", () => {
    for (const role of ["system", "user", "assistant"] as const) {
      expect(countMessage({ role, content: "" } as ChatMessage)).toBe(4);
    }
    const turns: ChatMessage[] = Array.from({ length: 100 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: "ok" }));
    // 100 × (3 framing + 1 role + 1 "ok") + 3 priming.
    expect(countPrompt(turns)).toBe(503);
  });

  it("counts a tool result's call id, a field of the message like any other", () => {
    const short = countMessage({ role: "tool", tool_call_id: "c", content: "done" });
    const long = countMessage({ role: "tool", tool_call_id: "call_Qm9vb2Jhcg4Rk2sdf93h", content: "done" });
    expect(long).toBeGreaterThan(short);
  });
});
