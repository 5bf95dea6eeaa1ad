/**
 * Validates a chat-completions request body with the rules behind the OpenAI API's 400s,
 * so tests catch a malformed history before a real server would.
 */

type Json = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MISSING_ANSWERS = "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'";
const ORPHAN_TOOL = "messages with role 'tool' must be a response to a preceding message with 'tool_calls'";

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const isContent = (value: unknown): boolean => typeof value === "string" || Array.isArray(value);
const isPositiveInteger = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value) && value > 0;

// OpenAI rejects fields it does not know ("Unrecognized request argument supplied", "Additional properties are not allowed").
const REQUEST_KEYS = new Set([
  "model",
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "temperature",
  "top_p",
  "n",
  "stream",
  "stream_options",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "user",
  "seed",
  "response_format",
  "metadata",
  "store",
  "reasoning_effort",
  "service_tier",
  "modalities",
  "audio",
  "prediction",
  "verbosity",
  "prompt_cache_key",
  "safety_identifier",
  "web_search_options",
]);
const MESSAGE_KEYS = new Set(["role", "content", "name", "tool_calls", "tool_call_id", "refusal", "audio", "function_call"]);
const TOOL_CALL_KEYS = new Set(["id", "type", "function"]);

/** Fields another server accepts beyond OpenAI's (a personality playing that server lists them). */
export interface CheckOptions {
  requestKeys?: readonly string[];
  messageKeys?: readonly string[];
  toolCallKeys?: readonly string[];
}

function unknownKeys(value: Json, known: Set<string>, extra: readonly string[] | undefined, at: string, out: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key) && !extra?.includes(key)) out.push(`${at}: unrecognized field '${key}'`);
  }
}

/** Returns human-readable violations; [] when the request would be accepted. */
export function checkChatRequest(body: unknown, accepts: CheckOptions = {}): string[] {
  if (!isObject(body)) return ["the request body is not a JSON object"];
  const out: string[] = [];
  unknownKeys(body, REQUEST_KEYS, accepts.requestKeys, "request", out);
  if (Array.isArray(body.messages)) {
    body.messages.forEach((m: unknown, i) => {
      if (!isObject(m)) return;
      unknownKeys(m, MESSAGE_KEYS, accepts.messageKeys, `messages[${i}]`, out);
      if (Array.isArray(m.tool_calls)) {
        m.tool_calls.forEach((c: unknown, j) => {
          if (isObject(c)) unknownKeys(c, TOOL_CALL_KEYS, accepts.toolCallKeys, `messages[${i}].tool_calls[${j}]`, out);
        });
      }
    });
  }
  if (typeof body.model !== "string" || body.model === "") out.push("'model' must be a non-empty string");
  if (body.stream === true) out.push("'stream' is not supported by the scripted server");
  checkMessages(body.messages, out);
  const toolNames = checkTools(body.tools, out);
  checkToolChoice(body, toolNames, out);
  if (body.temperature !== undefined && (typeof body.temperature !== "number" || body.temperature < 0 || body.temperature > 2)) {
    out.push(`'temperature' must be a number in [0, 2], got ${JSON.stringify(body.temperature)}`);
  }
  for (const key of ["max_tokens", "max_completion_tokens"]) {
    if (body[key] !== undefined && body[key] !== null && !isPositiveInteger(body[key])) {
      out.push(`'${key}' must be a positive integer, got ${JSON.stringify(body[key])}`);
    }
  }
  return out;
}

function checkMessages(messages: unknown, out: string[]): void {
  if (!Array.isArray(messages) || messages.length === 0) {
    out.push("'messages' must be a non-empty array");
    return;
  }
  // The assistant message whose calls are being answered by the contiguous tool messages that follow it.
  let open: { index: number; ids: Set<string>; answered: Set<string> } | undefined;
  const closeOpen = () => {
    const block = open;
    if (!block) return;
    const missing = [...block.ids].filter((id) => !block.answered.has(id));
    if (missing.length > 0) out.push(`messages[${block.index}]: ${MISSING_ANSWERS}; unanswered: ${missing.join(", ")}`);
    open = undefined;
  };

  messages.forEach((message: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isObject(message)) {
      out.push(`${at}: not an object`);
      return;
    }
    const role = message.role;
    if (typeof role !== "string" || !ROLES.has(role)) {
      out.push(`${at}: invalid role ${JSON.stringify(role)}`);
      return;
    }
    if (role === "tool") {
      const id = message.tool_call_id;
      if (typeof id !== "string" || id === "") out.push(`${at}: tool message needs a string 'tool_call_id'`);
      if (typeof message.content !== "string") out.push(`${at}: tool message 'content' must be a string`);
      if (!open) out.push(`${at}: ${ORPHAN_TOOL}`);
      else if (typeof id === "string" && !open.ids.has(id)) {
        out.push(`${at}: ${ORPHAN_TOOL}; tool_call_id ${JSON.stringify(id)} is not a call of messages[${open.index}]`);
      } else if (typeof id === "string" && open.answered.has(id)) {
        out.push(`${at}: tool_call_id ${JSON.stringify(id)} is answered more than once`);
      } else if (typeof id === "string") open.answered.add(id);
      return;
    }
    closeOpen();
    if (role !== "assistant") {
      if (!isContent(message.content)) out.push(`${at}: ${role} message 'content' must be a string or an array of parts`);
      return;
    }
    const calls = message.tool_calls;
    if (calls !== undefined && calls !== null && !Array.isArray(calls)) {
      out.push(`${at}: 'tool_calls' must be an array`);
      return;
    }
    const hasCalls = Array.isArray(calls) && calls.length > 0;
    if (message.content !== undefined && message.content !== null && !isContent(message.content)) {
      out.push(`${at}: assistant 'content' must be a string, an array of parts or null`);
    }
    if ((message.content === undefined || message.content === null) && !hasCalls) {
      out.push(`${at}: an assistant message needs 'content' or 'tool_calls'`);
    }
    if (!Array.isArray(calls) || calls.length === 0) return;
    const ids = new Set<string>();
    calls.forEach((call: unknown, j) => {
      const where = `${at}.tool_calls[${j}]`;
      if (!isObject(call)) return void out.push(`${where}: not an object`);
      if (typeof call.id !== "string" || call.id === "") out.push(`${where}: missing 'id'`);
      else if (ids.has(call.id)) out.push(`${where}: duplicate id ${JSON.stringify(call.id)}`);
      else ids.add(call.id);
      if (call.type !== "function") out.push(`${where}: 'type' must be "function"`);
      const fn = call.function;
      if (!isObject(fn)) return void out.push(`${where}: missing 'function'`);
      if (typeof fn.name !== "string" || fn.name === "") out.push(`${where}: missing 'function.name'`);
      if (typeof fn.arguments !== "string")
        out.push(`${where}: 'function.arguments' must be a string (JSON text), got ${typeof fn.arguments}`);
    });
    open = { index: i, ids, answered: new Set() };
  });
  closeOpen();
}

/** Validates `tools`; returns the declared names, or undefined when no tools are declared. */
function checkTools(tools: unknown, out: string[]): Set<string> | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools) || tools.length === 0) {
    out.push("'tools' must be a non-empty array when present");
    return Array.isArray(tools) ? undefined : new Set();
  }
  const names = new Set<string>();
  tools.forEach((tool: unknown, i) => {
    const at = `tools[${i}]`;
    if (!isObject(tool) || tool.type !== "function" || !isObject(tool.function)) {
      return void out.push(`${at}: must be {type: "function", function: {...}}`);
    }
    const { name, parameters } = tool.function;
    if (typeof name !== "string" || !TOOL_NAME.test(name)) out.push(`${at}: name ${JSON.stringify(name)} must match ^[a-zA-Z0-9_-]{1,64}$`);
    else names.add(name);
    if (parameters !== undefined && !isObject(parameters)) out.push(`${at}: 'parameters' must be a JSON-schema object`);
  });
  return names;
}

function checkToolChoice(body: Json, toolNames: Set<string> | undefined, out: string[]): void {
  if (body.parallel_tool_calls !== undefined) {
    if (!toolNames) out.push("'parallel_tool_calls' is only allowed when 'tools' are specified");
    if (typeof body.parallel_tool_calls !== "boolean") out.push("'parallel_tool_calls' must be a boolean");
  }
  const choice = body.tool_choice;
  if (choice === undefined) return;
  if (!toolNames) out.push("'tool_choice' is only allowed when 'tools' are specified");
  if (typeof choice === "string") {
    if (!["none", "auto", "required"].includes(choice))
      out.push(`'tool_choice' ${JSON.stringify(choice)} is not one of none, auto, required`);
    return;
  }
  if (!isObject(choice) || choice.type !== "function" || !isObject(choice.function) || typeof choice.function.name !== "string") {
    out.push(`'tool_choice' must be "none", "auto", "required" or {type: "function", function: {name}}, got ${JSON.stringify(choice)}`);
    return;
  }
  if (toolNames && !toolNames.has(choice.function.name)) {
    out.push(`'tool_choice' names ${JSON.stringify(choice.function.name)}, which is not among the declared tools`);
  }
}
