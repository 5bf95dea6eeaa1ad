import { z } from "zod";
import type { FileStore } from "../file-store.js";
import { toolResult, type ToolCall, type ToolMessage } from "../messages.js";
import { normaliseStorePath, toolErrorText } from "../paths.js";
import { formatSyntaxProblem, type SyntaxChecker } from "../syntax-checker.js";
import { AGENT_TOOL_NAMES, AgentToolArgs, type AgentToolName } from "./definitions.js";
import { LIST_FILES_MAX_TOKENS } from "../context-budget.js";
import { renderListing } from "./listing.js";
import { viewFiles, type ViewRequest } from "./view.js";
import { editFiles, type FileEdit } from "./edit-files.js";
import { searchFiles, type SearchArgs } from "./search.js";
import { errorMessage } from "../error-message.js";

/** What a tool needs from the instruction being executed. */
export interface ToolContext {
  store: FileStore;
  checkSyntax: SyntaxChecker;
  /** Tokens one tool result may take without pushing the conversation over its budget. */
  resultBudget(): number;
  /** Files written or deleted during this instruction. */
  touched: Set<string>;
  /** Runs the completion checks (syntax of touched files, then the evaluator). */
  complete(): Promise<{ ok: boolean; message: string }>;
}

export interface ToolOutcome {
  message: ToolMessage;
  ok: boolean;
  /** The call was `sub_task_step_complete` and the checks passed. */
  completed?: boolean;
  /** The call was `sub_task_step_complete` and the checks failed: the text for the fix prompt. */
  completionFailure?: string;
  /** The store changed. */
  mutated?: boolean;
}

const ok = (call: ToolCall, text: string, extra: Partial<ToolOutcome> = {}): ToolOutcome => ({
  message: toolResult(call.id, text),
  ok: true,
  ...extra,
});
const fail = (call: ToolCall, text: string, extra: Partial<ToolOutcome> = {}): ToolOutcome => ({
  message: toolResult(call.id, `error: ${text}`),
  ok: false,
  ...extra,
});

// What the model may read of an error: a PathError's sentence, or any other message without server paths.
const errorText = toolErrorText;

/**
 * Executes one tool call. Never throws for anything the model did: unknown tools, malformed JSON and
 * invalid arguments come back as an error result the model can act on.
 */
export async function runToolCall(call: ToolCall, ctx: ToolContext): Promise<ToolOutcome> {
  const name = call.function.name;
  if (!(AGENT_TOOL_NAMES as string[]).includes(name)) {
    return fail(call, `there is no tool named "${name}". The tools are: ${AGENT_TOOL_NAMES.join(", ")}.`);
  }
  let raw: unknown;
  try {
    raw = call.function.arguments.trim() === "" ? {} : JSON.parse(call.function.arguments);
  } catch (e) {
    return fail(
      call,
      `the arguments of ${name} are not valid JSON (${errorMessage(e)}); the reply was probably cut off. ` +
        "Send smaller calls, for example fewer files per write_files call.",
    );
  }
  const tool = name as AgentToolName;
  const parsed = AgentToolArgs[tool].safeParse(raw);
  if (!parsed.success) return fail(call, `invalid arguments for ${name}:\n${z.prettifyError(parsed.error)}`);
  try {
    switch (tool) {
      case "list_files":
        return await listFiles(call, ctx, parsed.data as z.infer<(typeof AgentToolArgs)["list_files"]>);
      case "view_files":
        return await view(call, ctx, parsed.data as z.infer<(typeof AgentToolArgs)["view_files"]>);
      case "search_files": {
        const found = await searchFiles(ctx.store, parsed.data as SearchArgs, ctx.resultBudget());
        return ok(call, found.text);
      }
      case "edit_files":
        return await edit(call, ctx, (parsed.data as { edits: FileEdit[] }).edits);
      case "write_files":
        return await writeFiles(call, ctx, parsed.data as z.infer<(typeof AgentToolArgs)["write_files"]>);
      case "delete_files":
        return await deleteFiles(call, ctx, parsed.data as z.infer<(typeof AgentToolArgs)["delete_files"]>);
      case "sub_task_step_complete": {
        const verdict = await ctx.complete();
        return verdict.ok
          ? ok(call, verdict.message, { completed: true })
          : fail(call, verdict.message, { completionFailure: verdict.message });
      }
    }
  } catch (e) {
    return fail(call, `${name} failed: ${errorText(e)}`);
  }
}

async function listFiles(call: ToolCall, ctx: ToolContext, args: { path?: string }): Promise<ToolOutcome> {
  const under = args.path && args.path.replace(/^\.?\/*$/, "") !== "" ? normaliseStorePath(args.path) : undefined;
  // Small by default, whatever room the conversation has: large directories collapse, and the agent drills in.
  return ok(call, renderListing(await ctx.store.list(), Math.min(LIST_FILES_MAX_TOKENS, ctx.resultBudget()), under));
}

async function view(
  call: ToolCall,
  ctx: ToolContext,
  args: { files: Array<string | { path: string; start_line?: number; end_line?: number }> },
): Promise<ToolOutcome> {
  const requests: ViewRequest[] = [];
  const refused: string[] = [];
  for (const f of args.files) {
    const spec = typeof f === "string" ? { path: f } : { path: f.path, startLine: f.start_line, endLine: f.end_line };
    try {
      requests.push({ ...spec, path: normaliseStorePath(spec.path) });
    } catch (e) {
      refused.push(errorText(e));
    }
  }
  const result = await viewFiles(ctx.store, requests, ctx.resultBudget());
  const notes = [...refused, ...result.errors, ...result.notes];
  if (result.notFound.length > 0) notes.push(`Not found: ${result.notFound.join(", ")}. Use list_files to see the paths that exist.`);
  const text = [result.text, ...notes].filter(Boolean).join("\n");
  return result.text ? ok(call, text) : fail(call, text || "nothing to show");
}

async function writeFiles(
  call: ToolCall,
  ctx: ToolContext,
  args: { list_of_file_objects: Array<{ file_path: string; file_contents: string }> },
): Promise<ToolOutcome> {
  const written: string[] = [];
  const refused: string[] = [];
  const problems: string[] = [];
  for (const file of args.list_of_file_objects) {
    try {
      const path = normaliseStorePath(file.file_path);
      await ctx.store.write(path, file.file_contents);
      ctx.touched.add(path);
      written.push(path);
      problems.push(...(await ctx.checkSyntax(path, file.file_contents)).map(formatSyntaxProblem));
    } catch (e) {
      refused.push(errorText(e));
    }
  }
  const lines: string[] = [];
  if (written.length > 0) lines.push(`Wrote ${written.join(", ")}.`);
  if (refused.length > 0) lines.push(`Not written:\n${refused.map((r) => `- ${r}`).join("\n")}`);
  if (problems.length > 0) lines.push(`Syntax problems found; fix them by writing the corrected files:\n${problems.join("\n")}`);
  else if (written.length > 0) lines.push("Syntax checks passed.");
  const extra = { mutated: written.length > 0 };
  return refused.length > 0 || problems.length > 0 ? fail(call, lines.join("\n"), extra) : ok(call, lines.join("\n"), extra);
}

async function edit(call: ToolCall, ctx: ToolContext, edits: FileEdit[]): Promise<ToolOutcome> {
  const result = await editFiles(ctx.store, ctx.checkSyntax, edits);
  for (const path of result.written) ctx.touched.add(path);
  const extra = { mutated: result.written.length > 0 };
  return result.ok ? ok(call, result.text, extra) : fail(call, result.text, extra);
}

async function deleteFiles(call: ToolCall, ctx: ToolContext, args: { files: string[] }): Promise<ToolOutcome> {
  const deleted: string[] = [];
  const notes: string[] = [];
  for (const f of args.files) {
    if (f.trim() === "-1") {
      notes.push('Deleting everything ("-1") is not supported; name the files to delete.');
      continue;
    }
    try {
      const path = normaliseStorePath(f);
      if (await ctx.store.delete(path)) {
        deleted.push(path);
        ctx.touched.add(path);
      } else notes.push(`${path} does not exist.`);
    } catch (e) {
      notes.push(errorText(e));
    }
  }
  const text = [deleted.length > 0 ? `Deleted ${deleted.join(", ")}.` : "", ...notes].filter(Boolean).join("\n");
  return deleted.length > 0 ? ok(call, text, { mutated: true }) : fail(call, text);
}
