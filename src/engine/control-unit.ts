import type { Budgets, Meter } from "./budget.js";
import { CompletionGate } from "./completion-gate.js";
import { PROMPT_SAFETY, promptBudget, SAFETY_SHRINK, TOOL_RESULT_SHARE } from "./context-budget.js";
import { Conversation } from "./conversation.js";
import type { Evaluator } from "./evaluator.js";
import type { RunEventListener } from "./events.js";
import type { FileStore } from "./file-store.js";
import { InstructionPrompts } from "./instruction-prompts.js";
import { LlmError, type ChatRequest, type ChatResponse, type LLM } from "./llm.js";
import { LoopDetector } from "./loop-detector.js";
import { user, type AssistantMessage, type ChatMessage, type ToolCall } from "./messages.js";
import type { Instruction } from "./program.js";
import type { Prompts } from "./prompts.js";
import type { SyntaxChecker } from "./syntax-checker.js";
import { firstSentences } from "./text.js";
import { countPrompt } from "./token-counter.js";
import { AGENT_TOOL_SPECS } from "./tools/definitions.js";
import { runToolCall, type ToolContext } from "./tools/dispatch.js";
import { addUsage, zeroUsage, type Usage } from "./usage.js";

export interface ExecuteInstructionInput {
  llm: LLM;
  store: FileStore;
  prompts: Prompts;
  task: string;
  instruction: Instruction;
  /** 1-based position and program length, for progress reports. */
  index: number;
  total: number;
  /** Summaries of the instructions finished before this one, oldest first. */
  earlierSummaries: readonly string[];
  /** Feedback from a failed evaluation of an earlier attempt (e.g. CI), given to this fresh agent to fix. */
  feedback?: string;
  /** What the instruction refers to (e.g. the diff hunk a reviewer commented on), shown fenced, as data. */
  context?: string;
  evaluator?: Evaluator;
  /** Run after every write and before completion; the front ends wire `src/checks`. */
  checkSyntax: SyntaxChecker;
  meter: Meter;
  budgets: Pick<Budgets, "maxTurnsPerInstruction" | "maxContextRestarts">;
  /** Base sampling temperature; loop detection raises it temporarily. */
  temperature?: number;
  signal?: AbortSignal;
  onEvent?: RunEventListener;
}

export type InstructionOutcome =
  | { status: "complete"; summary: string; usage: Usage; touched: string[] }
  | { status: "paused" | "failed"; reason: string; usage: Usage; touched: string[] };

/** Ends the instruction early: `paused` can be resumed as is, `failed` needs a change first. */
class Stop extends Error {
  constructor(
    readonly status: "paused" | "failed",
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * The control unit: executes one instruction in a fresh conversation, with tools over the file store,
 * syntax checks after every write, the completion gate (completion-gate.ts) on a claim, and the context
 * kept inside the window by summarise-and-restart; its prompts come from instruction-prompts.ts. Every
 * tool call gets exactly one tool message, in order, before any control message.
 */
export async function executeInstruction(input: ExecuteInstructionInput): Promise<InstructionOutcome> {
  const unit = new ControlUnit(input);
  try {
    return await unit.run();
  } catch (e) {
    const usage = unit.usage;
    const touched = [...unit.touched];
    if (e instanceof Stop) return { status: e.status, reason: e.reason, usage, touched };
    throw e;
  }
}

class ControlUnit {
  usage: Usage = zeroUsage();
  readonly touched = new Set<string>();
  private readonly loop: LoopDetector;
  private readonly prompts: InstructionPrompts;
  private readonly gate: CompletionGate;
  private readonly tools = AGENT_TOOL_SPECS;
  /** Shrinks when the server says the context is longer than we counted (other tokenizers count more). */
  private safety = PROMPT_SAFETY;
  /** Turns over all of the instruction's contexts, for progress reports. */
  private turns = 0;
  /** Turns in the current context: the turn cap counts these, so the r_max context restarts can all happen. */
  private contextTurns = 0;
  private restarts = 0;

  constructor(private readonly input: ExecuteInstructionInput) {
    this.loop = new LoopDetector(input.temperature ?? 0);
    this.prompts = new InstructionPrompts(input);
    this.gate = new CompletionGate(input);
  }

  private get budget(): number {
    return promptBudget(this.input.llm, this.safety);
  }

  async run(): Promise<InstructionOutcome> {
    let conversation = await this.fresh();
    for (;;) {
      // Per context: every restart (at most r_max) starts a new count, so an instruction takes at most
      // maxTurnsPerInstruction × (maxContextRestarts + 1) turns in all.
      if (this.contextTurns >= this.input.budgets.maxTurnsPerInstruction) {
        throw new Stop(
          "paused",
          `instruction ${this.input.index} used all ${this.input.budgets.maxTurnsPerInstruction} turns of one context without completing`,
        );
      }
      if (countPrompt(conversation.messages, this.tools) > this.budget) {
        conversation = await this.restart(conversation);
        continue;
      }
      let response: ChatResponse;
      try {
        response = await this.call({
          messages: conversation.messages,
          tools: this.tools,
          toolChoice: "auto",
          temperature: this.loop.next(conversation.body),
          purpose: "act",
        });
      } catch (e) {
        if (!(e instanceof LlmError && e.kind === "context-length")) throw e;
        this.safety *= SAFETY_SHRINK;
        conversation = await this.restart(conversation);
        continue;
      }
      this.turns++;
      this.contextTurns++;
      const reply = normaliseReply(response.message);
      conversation.addReply(reply);
      this.emit({ type: "turn", index: this.input.index, total: this.input.total, turn: this.turns, usage: this.input.meter.total });

      if (!reply.tool_calls?.length) {
        conversation.append(user(await this.prompts.cycleMessage(this.budget)));
        continue;
      }
      const { completed, failure } = await this.runTools(reply.tool_calls, conversation);
      if (completed) {
        const summary = await this.summarise(conversation);
        return { status: "complete", summary, usage: this.usage, touched: [...this.touched] };
      }
      // One control message after all the tool results, never between them.
      conversation.append(
        user(failure ? await this.prompts.fixMessage(this.budget, failure) : await this.prompts.cycleMessage(this.budget)),
      );
    }
  }

  /** Every call of one reply, in order, each answered by one tool message. */
  private async runTools(calls: ToolCall[], conversation: Conversation): Promise<{ completed: boolean; failure?: string }> {
    let completed = false;
    let failure: string | undefined;
    for (const call of calls) {
      const outcome = await runToolCall(call, this.toolContext(conversation));
      conversation.append(outcome.message);
      if (outcome.mutated) {
        this.prompts.storeChanged();
        // A change after a passing completion in the same reply invalidates it.
        completed = false;
      }
      if (outcome.completed) completed = true;
      if (outcome.completionFailure) failure = outcome.completionFailure;
      this.emit({ type: "tool", name: call.function.name, ok: outcome.ok, detail: outcome.message.content.slice(0, 200) });
    }
    return { completed, failure };
  }

  /** One LLM call with budget and stop checks; usage is accounted to the run and the instruction. */
  private async call(request: Omit<ChatRequest, "maxTokens">, checkBudget = true): Promise<ChatResponse> {
    if (this.input.signal?.aborted) throw new Stop("paused", stopReason(this.input.signal));
    const exceeded = checkBudget ? this.input.meter.exceeded() : undefined;
    if (exceeded) throw new Stop("paused", exceeded);
    try {
      const response = await this.input.llm.complete(
        { ...request, maxTokens: this.input.llm.completionReserve },
        { signal: this.input.signal },
      );
      this.usage = addUsage(this.usage, this.input.meter.record(response.usage));
      return response;
    } catch (e) {
      if (!(e instanceof LlmError)) throw e;
      switch (e.kind) {
        case "context-length":
          throw e;
        case "aborted":
          throw new Stop("paused", stopReason(this.input.signal));
        case "bad-request":
          throw new Stop("failed", `the LLM rejected the request: ${e.message}`);
        case "auth":
        case "unavailable":
        case "incompatible":
          throw new Stop("paused", e.message);
      }
    }
  }

  /** A fresh conversation: the system prompt and the instruction with its context. */
  private async fresh(progressNote?: string): Promise<Conversation> {
    return new Conversation(await this.prompts.head(this.budget, progressNote));
  }

  private toolContext(conversation: Conversation): ToolContext {
    return {
      store: this.input.store,
      checkSyntax: this.input.checkSyntax,
      touched: this.touched,
      // Leave room for the rest of the turn's results and the next control message.
      resultBudget: () => Math.max(200, Math.floor((this.budget - countPrompt(conversation.messages, this.tools)) * TOOL_RESULT_SHARE)),
      complete: () => this.gate.check(this.touched, this.budget),
    };
  }

  /** Trims whole turns from the front until `extra` can be appended within the budget. */
  private fitWith(conversation: Conversation, extra: ChatMessage): ChatMessage[] | undefined {
    while (countPrompt([...conversation.messages, extra], this.tools) > this.budget) {
      if (!conversation.dropOldestTurn()) return undefined;
    }
    return [...conversation.messages, extra];
  }

  /** A tool-free turn that asks for the 1–2 sentence summary carried to the next instruction. */
  private async summarise(conversation: Conversation): Promise<string> {
    const messages = this.fitWith(conversation, user(this.input.prompts.control_unit_instruction_complete_summarize_output));
    let text = "";
    if (messages) {
      try {
        // The work is done: a budget reached by the last turn must not throw it away for want of a summary.
        const response = await this.call({ messages, tools: this.tools, toolChoice: "none", temperature: 0, purpose: "summary" }, false);
        text = (response.message.content ?? "").trim();
      } catch (e) {
        if (!(e instanceof LlmError && e.kind === "context-length")) throw e;
      }
    }
    return text ? firstSentences(text, 3, 600) : this.fallbackNote("Completed");
  }

  /** Context full: get a short progress note with tools disabled, then restart the instruction with it. */
  private async restart(conversation: Conversation): Promise<Conversation> {
    this.restarts++;
    if (this.restarts > this.input.budgets.maxContextRestarts) {
      throw new Stop(
        "failed",
        `instruction ${this.input.index} ran out of context ${this.input.budgets.maxContextRestarts} times without finishing; split it into smaller instructions`,
      );
    }
    this.emit({ type: "context-restart", index: this.input.index, restarts: this.restarts });
    const messages = this.fitWith(conversation, user(this.input.prompts.control_unit_exhaust_context_window));
    let note = "";
    if (messages) {
      try {
        const response = await this.call({ messages, tools: this.tools, toolChoice: "none", temperature: 0, purpose: "progress-note" });
        note = firstSentences(response.message.content ?? "", 2, 500);
      } catch (e) {
        if (!(e instanceof LlmError && e.kind === "context-length")) throw e;
        this.safety *= SAFETY_SHRINK;
      }
    }
    const fresh = await this.fresh(note || this.fallbackNote("Work so far"));
    if (countPrompt(fresh.messages, this.tools) > this.budget) {
      throw new Stop("failed", `the task and instruction ${this.input.index} alone do not fit the model's context window`);
    }
    this.contextTurns = 0;
    return fresh;
  }

  private fallbackNote(prefix: string): string {
    const files = [...this.touched].sort();
    return `${prefix}: ${firstSentences(this.input.instruction.text, 1, 200)}${files.length ? ` Files changed: ${files.slice(0, 20).join(", ")}.` : ""}`;
  }

  private emit(event: Parameters<RunEventListener>[0]): void {
    this.input.onEvent?.(event);
  }
}

/** Why the run was stopped: the abort reason when it is a sentence (e.g. "stopped by @alice"). */
const stopReason = (signal: AbortSignal | undefined): string => (typeof signal?.reason === "string" ? signal.reason : "stopped on request");

/** An empty reply still needs content to be valid history; stray non-function fields are dropped. */
function normaliseReply(message: AssistantMessage): AssistantMessage {
  const calls = message.tool_calls?.filter((c) => c.type === "function");
  return calls && calls.length > 0
    ? { role: "assistant", content: message.content ?? null, tool_calls: calls, ...(message.reasoning && { reasoning: message.reasoning }) }
    : { role: "assistant", content: message.content ?? "" };
}
