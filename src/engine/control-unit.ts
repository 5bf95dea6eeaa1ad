import type { Budgets, Meter } from "./budget.js";
import { Conversation } from "./conversation.js";
import type { Evaluator } from "./evaluator.js";
import type { RunEventListener } from "./events.js";
import type { FileStore } from "./file-store.js";
import { LlmError, type ChatRequest, type ChatResponse, type LLM } from "./llm.js";
import { LoopDetector } from "./loop-detector.js";
import { system, user, type AssistantMessage, type ChatMessage } from "./messages.js";
import type { Instruction } from "./program.js";
import { fillPrompt, placeholdersIn, type Placeholder, type Prompts } from "./prompts.js";
import { formatSyntaxProblem, type SyntaxChecker } from "./syntax-checker.js";
import { clipTail, firstSentences } from "./text.js";
import { countPrompt, countText } from "./token-counter.js";
import { AGENT_TOOL_NAMES, AGENT_TOOL_SPECS } from "./tools/definitions.js";
import { runToolCall, type ToolContext } from "./tools/dispatch.js";
import { renderListing } from "./tools/listing.js";
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

const FUNCTIONS = AGENT_TOOL_NAMES.map((n) => `\`${n}\``).join(", ");

/**
 * The control unit: executes one instruction in a fresh conversation, with tools over the file store,
 * syntax checks after every write, the evaluator on completion, and the context kept inside the window
 * by summarise-and-restart. Every tool call gets exactly one tool message, in order, before any control
 * message.
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
  private readonly checkSyntax: SyntaxChecker;
  private readonly tools = AGENT_TOOL_SPECS;
  /** Shrinks when the server says the context is longer than we counted (other tokenizers count more). */
  private safety = 0.95;
  private turns = 0;
  private restarts = 0;
  private listingCache?: { key: number; paths: string[]; text: string };
  private mutations = 0;
  /** Syntax problems already shown at a refused completion; the same ones again are accepted as an override. */
  private refusedSyntax?: string;

  constructor(private readonly input: ExecuteInstructionInput) {
    this.loop = new LoopDetector(input.temperature ?? 0);
    this.checkSyntax = input.checkSyntax;
  }

  private get budget(): number {
    return Math.floor((this.input.llm.contextWindow - this.input.llm.completionReserve) * this.safety);
  }

  async run(): Promise<InstructionOutcome> {
    let conversation = await this.fresh();
    for (;;) {
      if (this.turns >= this.input.budgets.maxTurnsPerInstruction) {
        throw new Stop(
          "paused",
          `instruction ${this.input.index} used all ${this.input.budgets.maxTurnsPerInstruction} turns without completing`,
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
        this.safety *= 0.85;
        conversation = await this.restart(conversation);
        continue;
      }
      this.turns++;
      const reply = normaliseReply(response.message);
      conversation.addReply(reply);
      this.emit({ type: "turn", index: this.input.index, total: this.input.total, turn: this.turns, usage: this.input.meter.total });

      if (!reply.tool_calls?.length) {
        conversation.append(user(await this.cycleMessage()));
        continue;
      }
      let completed = false;
      let failure: string | undefined;
      for (const call of reply.tool_calls) {
        const outcome = await runToolCall(call, this.toolContext(conversation));
        conversation.append(outcome.message);
        if (outcome.mutated) {
          this.mutations++;
          // A change after a passing completion in the same reply invalidates it.
          completed = false;
        }
        if (outcome.completed) completed = true;
        if (outcome.completionFailure) failure = outcome.completionFailure;
        this.emit({ type: "tool", name: call.function.name, ok: outcome.ok, detail: outcome.message.content.slice(0, 200) });
      }
      if (completed) {
        const summary = await this.summarise(conversation);
        return { status: "complete", summary, usage: this.usage, touched: [...this.touched] };
      }
      // One control message after all the tool results, never between them.
      conversation.append(user(failure ? await this.fixMessage(failure) : await this.cycleMessage()));
    }
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
          throw new Stop("paused", e.message);
      }
    }
  }

  /** The fixed head of a fresh conversation: system prompt and the instruction with its context. */
  private async fresh(progressNote?: string): Promise<Conversation> {
    const { prompts, task, instruction, feedback } = this.input;
    const values = await this.values(progressNote);
    let text = fillPrompt(prompts.control_unit_execute_instruction, values);
    // Prompt files written for the reference have no {prompt_task} here: it kept the planning message in view.
    if (!placeholdersIn(prompts.control_unit_execute_instruction).includes("prompt_task")) {
      text = `The overall task, as background:\n${task}\n\n${text}`;
    }
    if (instruction.redo) {
      text +=
        "\n\nThis step was finished before and is being redone at the maintainer's request. Its earlier output is already in the files: review it and change what the step now asks for.";
    }
    if (feedback) {
      text += `\n\nThe checks of the previous attempt at this step failed. Fix the cause:\n${clipTail(feedback, Math.floor(this.budget * 0.2))}`;
    }
    return new Conversation([system(fillPrompt(prompts.system, { ...values, prompt_task: task })), user(text)]);
  }

  private async values(progressNote?: string): Promise<Partial<Record<Placeholder, string>>> {
    const { prompts, task, instruction } = this.input;
    let summaries = this.summariesText();
    if (progressNote) summaries += `\n\nProgress on this step before the context was reset: ${progressNote}`;
    return {
      prompt_task: task,
      step: instruction.text,
      file_names: await this.listing(Math.min(2000, Math.floor(this.budget * 0.15))),
      test_writing_advice: prompts.test_writing_advice,
      previous_step_output_summary: summaries.trim() || "(none: this is the first instruction)",
      functions_provided: FUNCTIONS,
    };
  }

  /** Earlier summaries, newest kept when they would take more than a tenth of the budget. */
  private summariesText(): string {
    const all = this.input.earlierSummaries.map((s, i) => `${i + 1}. ${s}`);
    const limit = Math.floor(this.budget * 0.1);
    const kept: string[] = [];
    for (let i = all.length - 1; i >= 0; i--) {
      if (countText([all[i], ...kept].join("\n")) > limit) {
        kept.unshift(`(${i + 1} earlier step summaries omitted)`);
        break;
      }
      kept.unshift(all[i] ?? "");
    }
    return kept.join("\n");
  }

  private async listing(budgetTokens: number): Promise<string> {
    // The store is walked once per change to it, not once per prompt.
    if (this.listingCache?.key !== this.mutations) {
      const paths = await this.input.store.list();
      this.listingCache = { key: this.mutations, paths, text: renderListing(paths, 1_000_000) };
    }
    const { paths, text } = this.listingCache;
    return countText(text) <= budgetTokens ? text : renderListing(paths, budgetTokens);
  }

  private async cycleMessage(): Promise<string> {
    const values = { ...(await this.values()), file_names: await this.listing(400) };
    return fillPrompt(this.input.prompts.control_unit_cycle_message_to_check_if_instruction_complete, values);
  }

  private async fixMessage(failure: string): Promise<string> {
    const values = { ...(await this.values()), file_names: await this.listing(400), error_message: failure };
    return fillPrompt(this.input.prompts.control_unit_instruction_erroring_fix_the_code, values);
  }

  private toolContext(conversation: Conversation): ToolContext {
    return {
      store: this.input.store,
      checkSyntax: this.checkSyntax,
      touched: this.touched,
      // Leave room for the rest of the turn's results and the next control message.
      resultBudget: () => Math.max(200, Math.floor((this.budget - countPrompt(conversation.messages, this.tools)) * 0.6)),
      complete: () => this.complete(),
    };
  }

  /** Completion checks: no syntax problems left in the files this instruction touched, then the evaluator. */
  private async complete(): Promise<{ ok: boolean; message: string }> {
    const problems: string[] = [];
    for (const path of [...this.touched].sort()) {
      const text = await this.input.store.read(path);
      if (text !== undefined) problems.push(...(await this.checkSyntax(path, text)).map(formatSyntaxProblem));
    }
    let overridden = false;
    if (problems.length > 0) {
      const fingerprint = problems.join("\n");
      if (this.refusedSyntax !== fingerprint) {
        this.refusedSyntax = fingerprint;
        return {
          ok: false,
          message:
            `The step is not complete: syntax problems remain in files written during this step:\n${fingerprint}\n` +
            "Fix them. If you are certain the code is valid and the checker is wrong, call sub_task_step_complete again without changing those files.",
        };
      }
      overridden = true;
    }
    const evaluation = this.input.evaluator ? await this.input.evaluator.evaluate({ signal: this.input.signal }) : { ok: true as const };
    if (!evaluation.ok) {
      return {
        ok: false,
        message: `The checks failed, so the step is not complete yet:\n${clipTail(evaluation.output, Math.floor(this.budget * 0.2))}`,
      };
    }
    return { ok: true, message: overridden ? "Step complete (syntax warnings overridden)." : "Step complete; the checks passed." };
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
        this.safety *= 0.85;
      }
    }
    const fresh = await this.fresh(note || this.fallbackNote("Work so far"));
    if (countPrompt(fresh.messages, this.tools) > this.budget) {
      throw new Stop("failed", `the task and instruction ${this.input.index} alone do not fit the model's context window`);
    }
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
    ? { role: "assistant", content: message.content ?? null, tool_calls: calls }
    : { role: "assistant", content: message.content ?? "" };
}
