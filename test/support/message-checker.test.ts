import { describe, expect, it } from "vitest";
import { checkChatRequest } from "./message-checker.js";

const call = (id: string, name = "write_file") => ({ id, type: "function", function: { name, arguments: "{}" } });
const asst = (...ids: string[]) => ({ role: "assistant", content: null, tool_calls: ids.map((id) => call(id)) });
const tool = (id: string) => ({ role: "tool", tool_call_id: id, content: "ok" });
const userMsg = (content = "go") => ({ role: "user", content });
const sys = { role: "system", content: "you write files" };
const tools = [{ type: "function", function: { name: "write_file", description: "", parameters: { type: "object", properties: {} } } }];
const req = (messages: unknown[], extra: Record<string, unknown> = {}) => ({ model: "gpt-4o", messages, ...extra });

const valid: Array<[string, unknown]> = [
  ["a plain exchange", req([sys, userMsg(), { role: "assistant", content: "done" }])],
  ["developer role", req([{ role: "developer", content: "x" }, userMsg()])],
  ["a tool round trip then text", req([sys, userMsg(), asst("a"), tool("a"), { role: "assistant", content: "ok" }, userMsg()], { tools })],
  ["two calls answered in any order", req([userMsg(), asst("a", "b"), tool("b"), tool("a")], { tools })],
  ["two batches", req([userMsg(), asst("a"), tool("a"), asst("b"), tool("b")], { tools, tool_choice: "auto" })],
  [
    "named tool choice of a declared tool",
    req([userMsg()], { tools, tool_choice: { type: "function", function: { name: "write_file" } } }),
  ],
  ["tool_choice none with tools", req([userMsg()], { tools, tool_choice: "none", parallel_tool_calls: false })],
  ["assistant with empty content", req([userMsg(), { role: "assistant", content: "" }, userMsg()])],
  ["temperature and max_tokens in range", req([userMsg()], { temperature: 0, max_tokens: 100 })],
];

const invalid: Array<[string, unknown, RegExp]> = [
  ["not an object", "hello", /not a JSON object/],
  ["missing model", { messages: [userMsg()] }, /'model'/],
  ["empty messages", req([]), /non-empty array/],
  ["unknown role", req([{ role: "robot", content: "x" }]), /invalid role/],
  ["orphaned tool message", req([userMsg(), tool("a")], { tools }), /must be a response to a preceding message with 'tool_calls'/],
  ["user before the tool result", req([userMsg(), asst("a"), userMsg(), tool("a")], { tools }), /must be followed by tool messages/],
  ["missing tool answer at the end", req([userMsg(), asst("a", "b"), tool("a")], { tools }), /unanswered: b/],
  [
    "user between two results of one batch",
    req([userMsg(), asst("a", "b"), tool("a"), userMsg(), tool("b")], { tools }),
    /must be followed by tool messages/,
  ],
  [
    "tool answering an earlier batch",
    req([userMsg(), asst("a"), tool("a"), asst("b"), tool("a")], { tools }),
    /not a call of messages\[3\]/,
  ],
  ["duplicate answer", req([userMsg(), asst("a"), tool("a"), tool("a")], { tools }), /more than once/],
  [
    "arguments not a string",
    req([
      userMsg(),
      { role: "assistant", content: null, tool_calls: [{ ...call("a"), function: { name: "w", arguments: {} } }] },
      tool("a"),
    ]),
    /must be a string/,
  ],
  [
    "tool call without type",
    req([userMsg(), { role: "assistant", content: null, tool_calls: [{ id: "a", function: { name: "w", arguments: "{}" } }] }, tool("a")]),
    /'type' must be "function"/,
  ],
  ["assistant with neither content nor calls", req([userMsg(), { role: "assistant", content: null }]), /needs 'content' or 'tool_calls'/],
  [
    "tool content not a string",
    req([userMsg(), asst("a"), { role: "tool", tool_call_id: "a", content: { ok: true } }], { tools }),
    /content' must be a string/,
  ],
  ["tool_choice without tools", req([userMsg()], { tool_choice: "auto" }), /only allowed when 'tools'/],
  ["parallel_tool_calls without tools", req([userMsg()], { parallel_tool_calls: true }), /only allowed when 'tools'/],
  [
    "unknown named tool",
    req([userMsg()], { tools, tool_choice: { type: "function", function: { name: "delete_all" } } }),
    /not among the declared tools/,
  ],
  ["bad tool name", req([userMsg()], { tools: [{ type: "function", function: { name: "write file", parameters: {} } }] }), /must match/],
  [
    "parameters not an object",
    req([userMsg()], { tools: [{ type: "function", function: { name: "w", parameters: "{}" } }] }),
    /'parameters'/,
  ],
  ["empty tools", req([userMsg()], { tools: [] }), /non-empty array/],
  ["temperature out of range", req([userMsg()], { temperature: 2.5 }), /temperature/],
  ["max_tokens not positive", req([userMsg()], { max_tokens: 0 }), /max_tokens/],
];

describe("checkChatRequest", () => {
  it.each(valid)("accepts %s", (_name, body) => {
    expect(checkChatRequest(body)).toEqual([]);
  });

  it.each(invalid)("rejects %s", (_name, body, pattern) => {
    const violations = checkChatRequest(body);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.join("\n")).toMatch(pattern);
  });
});

describe("fields OpenAI does not know", () => {
  it("rejects them at every level, unless the server played accepts them", () => {
    const body = req([userMsg(), { ...asst("a"), reasoning_content: "r", tool_calls: [{ ...call("a"), extra_content: {} }] }, tool("a")], {
      tools,
      transforms: [],
    });
    expect(checkChatRequest(body)).toEqual([
      "request: unrecognized field 'transforms'",
      "messages[1]: unrecognized field 'reasoning_content'",
      "messages[1].tool_calls[0]: unrecognized field 'extra_content'",
    ]);
    expect(
      checkChatRequest(body, { requestKeys: ["transforms"], messageKeys: ["reasoning_content"], toolCallKeys: ["extra_content"] }),
    ).toEqual([]);
  });
});
