import type { Discovery } from "./window-discovery.js";
import { sentences, type Where } from "./incompatibility.js";
import { LlmError, type ChatRequest, type ToolSpec } from "./llm.js";
import { connectLlm, LlmConfigError, type ConnectOptions } from "./llm-connection.js";
import { system, user } from "./messages.js";
import type { OpenAiLlm } from "./openai-llm.js";
import { defaultPrompts } from "./prompts.js";
import { FAMILY_NAMES } from "./server-family.js";
import { MIN_TASK_TOKENS, taskTokenBudget } from "./task-budget.js";
import { countPrompt } from "./token-counter.js";
import { AGENT_TOOL_SPECS } from "./tools/definitions.js";

/**
 * `l2mac doctor`: whether L2MAC will work with the configured endpoint, and if not, the one reason and
 * its fix. It asks what the app asks (the model list, the window) and makes the two kinds of call a run
 * makes, tiny: one forcing a tool, one leaving the choice to the model. L2MAC does not stream, so
 * streaming is not tried.
 */

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface Check {
  status: CheckStatus;
  /** What was checked, e.g. "context window". */
  name: string;
  detail: string;
}

export interface Verdict {
  ok: boolean;
  /** "L2MAC will work with …", or the one reason it will not and what to do. */
  sentence: string;
  checks: Check[];
}

const PROBE_TOOL: ToolSpec = {
  name: "report_status",
  description: "Reports that the connection works.",
  parameters: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
};

const probe = (toolChoice: ChatRequest["toolChoice"], purpose: ChatRequest["purpose"], maxTokens: number): ChatRequest => ({
  messages: [
    system("You are checking a connection. Answer only with the tool call asked for."),
    user('Call the tool `report_status` with {"ok": true}.'),
  ],
  tools: [PROBE_TOOL],
  toolChoice,
  temperature: 0,
  maxTokens,
  purpose,
});

class Failed extends Error {}

export async function diagnose(options: ConnectOptions): Promise<Verdict> {
  const checks: Check[] = [];
  const add = (status: CheckStatus, name: string, detail: string) => checks.push({ status, name, detail });
  const fail = (name: string, sentence: string): never => {
    add("fail", name, sentence);
    throw new Failed(sentence);
  };
  try {
    let connection;
    try {
      connection = await connectLlm({ ...options, warn: undefined });
    } catch (e) {
      if (e instanceof LlmConfigError) fail("configuration", e.message);
      throw e;
    }
    const { roles, discoveries } = connection;
    const distinct = [...new Set([roles.executor, roles.planner, roles.summary])];
    for (const llm of distinct) checkEndpoint(llm, discoveries.get(llm.model)!, add, fail, distinct.length > 1);

    const forced = await call(roles.planner, probe({ name: PROBE_TOOL.name }, "plan", reserveFor(roles.planner)), fail, "forced tool call");
    if (forced) add("ok", "forced tool call", "answered with a tool call");
    else
      add(
        "warn",
        "forced tool call",
        "the server ignored the forced tool choice and answered in text; L2MAC then reads the plan from a numbered list",
      );

    const unforced = await call(roles.executor, probe("auto", "act", reserveFor(roles.executor)), fail, "unforced tool call");
    if (unforced) add("ok", "unforced tool call", "answered with a tool call");
    else fail("unforced tool call", sentences.noToolCalls(whereOf(roles.executor)));

    if (roles.summary !== roles.executor) {
      await call(roles.summary, { ...probe("none", "summary", reserveFor(roles.summary)) }, fail, "tool-free call");
      add("ok", "tool-free call", `the summary model \`${roles.summary.model}\` answers`);
    }
    for (const llm of distinct) {
      for (const change of llm.quirks.learned) add("warn", "adapted", change);
    }
    add("skip", "streaming", "not used by L2MAC");
    const models = distinct.map((l) => `\`${l.model}\``).join(", ");
    return { ok: true, sentence: `L2MAC will work with ${models} at ${roles.executor.endpoint}.`, checks };
  } catch (e) {
    if (e instanceof Failed) return { ok: false, sentence: e.message, checks };
    throw e;
  }
}

/**
 * Whether an instruction can be worked on at all: the fixed head of its conversation (prompts and tools),
 * the smallest task L2MAC plans from, and room for a few turns must fit the prompt budget.
 */
function roomForWork(llm: OpenAiLlm): boolean {
  const prompts = defaultPrompts("codebase");
  const head = countPrompt([system(prompts.system), user(prompts.control_unit_execute_instruction)], AGENT_TOOL_SPECS);
  const budget = (llm.contextWindow - llm.completionReserve) * 0.95;
  return taskTokenBudget(llm, prompts) >= MIN_TASK_TOKENS && head + MIN_TASK_TOKENS + ROOM_FOR_TURNS <= budget;
}

// A write and its result, a check and the next control message.
const ROOM_FOR_TURNS = 512;

const reserveFor = (llm: OpenAiLlm): number => Math.max(256, Math.min(1024, llm.completionReserve));

const whereOf = (llm: OpenAiLlm): Where => ({ endpoint: llm.endpoint, model: llm.model, family: llm.serverFamily });

/** The model list, the model on it, what it says of tools, and the window: each as a check, the first fatal one failing. */
function checkEndpoint(
  llm: OpenAiLlm,
  discovery: Discovery,
  add: (status: CheckStatus, name: string, detail: string) => void,
  fail: (name: string, sentence: string) => never,
  several: boolean,
): void {
  const where = whereOf(llm);
  const of = several ? ` (\`${llm.model}\`)` : "";
  if (discovery.unreachable !== undefined) {
    fail(
      "reachable",
      `Could not reach the LLM endpoint at ${llm.endpoint} (${discovery.unreachable}); start the server, or correct OPENAI_BASE_URL.`,
    );
  }
  if (discovery.listStatus === 401 || discovery.listStatus === 403) {
    fail(
      "authenticated",
      `The LLM endpoint at ${llm.endpoint} refused the API key (${discovery.listStatus}); set OPENAI_API_KEY to a key it accepts.`,
    );
  }
  const server = discovery.family === "unknown" ? "" : ` (${FAMILY_NAMES[discovery.family].replace(/^The /, "")})`;
  add(
    "ok",
    "reachable",
    discovery.listStatus === 200
      ? `${llm.endpoint}${server} answers and accepts the key`
      : `${llm.endpoint}${server} answers (its model list: ${discovery.listStatus ?? "not asked"})`,
  );
  if (discovery.models && discovery.models.length > 0) {
    if (discovery.models.includes(llm.model)) add("ok", `model listed${of}`, `\`${llm.model}\` is listed`);
    else {
      const some = discovery.models.slice(0, 5).join(", ");
      add(
        "warn",
        `model listed${of}`,
        `\`${llm.model}\` is not among the ${discovery.models.length} models listed (${some}${discovery.models.length > 5 ? ", …" : ""})`,
      );
    }
  } else add("skip", `model listed${of}`, "the endpoint lists no models");
  if (discovery.tools === false) {
    if (discovery.family === "ollama") fail(`tool support${of}`, sentences.ollamaNoTools(where));
    if (discovery.family === "openrouter") fail(`tool support${of}`, sentences.openRouterNoTools(where));
    fail(`tool support${of}`, sentences.noToolCalls(where));
  }
  const window = llm.contextWindowSource;
  const tokens = window.tokens.toLocaleString("en-US");
  if (!roomForWork(llm)) fail(`context window${of}`, sentences.windowTooSmall(where, window.tokens));
  if (window.origin === "default") {
    add(
      "warn",
      `context window${of}`,
      `${tokens} tokens, assumed: nothing reported it; set L2MAC_CONTEXT_WINDOW to the window the server gives the model`,
    );
  } else add("ok", `context window${of}`, `${tokens} tokens, from ${window.source}`);
}

/** One probe: true for a tool call, false for text; an error fails the check with its sentence. */
async function call(llm: OpenAiLlm, request: ChatRequest, fail: (name: string, sentence: string) => never, name: string): Promise<boolean> {
  try {
    const response = await llm.complete(request, { signal: AbortSignal.timeout(120_000) });
    return (response.message.tool_calls?.length ?? 0) > 0;
  } catch (e) {
    if (!(e instanceof LlmError)) throw e;
    return fail(name, e.kind === "incompatible" ? e.message : `${capitalise(e.message)}${e.message.endsWith(".") ? "" : "."}`);
  }
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
