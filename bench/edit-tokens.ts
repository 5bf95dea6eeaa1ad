/**
 * What working in place saves. (1) Tokens the model must emit to change one function of a 3,000-line
 * file: the tool-call arguments of `edit_files` against those of `write_files` (the whole file), both
 * applied to a real store and checked to give the same file. (2) The planning request's size on a
 * 20,000-file repository against the model's window, with the reference's approach (every path in the
 * prompt) measured in the same run as the baseline.
 *
 *   npm run bench:edits [-- --files 20000 --window 16384]
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { Meter } from "../src/engine/budget.js";
import { promptBudget } from "../src/engine/context-budget.js";
import { DirectoryFileStore } from "../src/engine/directory-file-store.js";
import type { ChatRequest, LLM } from "../src/engine/llm.js";
import type { ToolCall } from "../src/engine/messages.js";
import { planProgram } from "../src/engine/planner.js";
import { defaultPrompts } from "../src/engine/prompts.js";
import { planningContext } from "../src/engine/repo-context.js";
import { countPrompt, countText } from "../src/engine/token-counter.js";
import { PLAN_TOOL, PLAN_TOOL_SPEC } from "../src/engine/tools/definitions.js";
import { runToolCall } from "../src/engine/tools/dispatch.js";
import { renderListing } from "../src/engine/tools/listing.js";
import { existingProject, LATE_FEE_NEW, LATE_FEE_OLD, LEDGER_PATH, ledgerSource } from "../test/support/existing-project.js";

const { values } = parseArgs({ options: { files: { type: "string", default: "20000" }, window: { type: "string", default: "16384" } } });
const ratio = (a: number, b: number): string => `${(a / b).toFixed(4)} (1/${Math.round(b / a)})`;

async function applied(root: string, name: string, args: object): Promise<string> {
  const store = new DirectoryFileStore(root);
  await store.write(LEDGER_PATH, ledgerSource());
  const call = { id: "b", type: "function", function: { name, arguments: JSON.stringify(args) } } as ToolCall;
  const ctx = {
    store,
    checkSyntax: async () => [],
    resultBudget: () => 4000,
    touched: new Set<string>(),
    complete: async () => ({ ok: true, message: "" }),
  };
  const outcome = await runToolCall(call, ctx);
  if (!outcome.ok) throw new Error(`${name} failed: ${String(outcome.message.content)}`);
  return readFile(join(root, LEDGER_PATH), "utf8");
}

async function editTokens(dir: string): Promise<void> {
  const original = ledgerSource();
  const wanted = original.replace(LATE_FEE_OLD, LATE_FEE_NEW);
  const editArgs = { edits: [{ file_path: LEDGER_PATH, old_text: LATE_FEE_OLD, new_text: LATE_FEE_NEW }] };
  const writeArgs = { list_of_file_objects: [{ file_path: LEDGER_PATH, file_contents: wanted }] };
  const byEdit = await applied(join(dir, "edit"), "edit_files", editArgs);
  const byWrite = await applied(join(dir, "write"), "write_files", writeArgs);
  if (byEdit !== wanted || byWrite !== wanted) throw new Error("the two tools did not produce the same file");
  const edit = countText(JSON.stringify(editArgs));
  const write = countText(JSON.stringify(writeArgs));
  console.log(`Changing one function of a ${original.split("\n").length}-line file (${countText(original)} tokens):`);
  console.log(`  write_files arguments: ${write} tokens (baseline)`);
  console.log(`  edit_files arguments:  ${edit} tokens`);
  console.log(`  ratio edit/write: ${ratio(edit, write)}`);
}

async function planningSize(dir: string, fileCount: number, window: number): Promise<void> {
  const root = join(dir, "repo");
  const files = existingProject(fileCount);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const requests: ChatRequest[] = [];
  const llm: LLM = {
    model: "bench",
    contextWindow: window,
    completionReserve: Math.min(4096, Math.floor(window / 4)),
    async complete(request) {
      requests.push(request);
      const call = { id: "p", type: "function" as const, function: { name: PLAN_TOOL, arguments: '{"steps":["Change it."]}' } };
      return {
        message: { role: "assistant", content: null, tool_calls: [call] },
        usage: { promptTokens: 0, completionTokens: 0 },
        finishReason: "tool_calls",
      };
    },
  };
  const store = new DirectoryFileStore(root);
  const started = performance.now();
  const codebase = await planningContext(store, promptBudget(llm));
  const ms = performance.now() - started;
  const meter = new Meter({ maxTurnsPerInstruction: 10, maxContextRestarts: 3 }, undefined);
  await planProgram({
    llm,
    prompts: defaultPrompts("codebase"),
    task: "Cap the late fee at 5,000 cents.",
    maxSteps: 10,
    meter,
    codebase: codebase?.text,
  });
  const prompt = countPrompt(requests[0]!.messages, [PLAN_TOOL_SPEC]);
  const everyPath = countText(renderListing(await store.list(), Number.MAX_SAFE_INTEGER));
  console.log(`\nPlanning on a ${fileCount.toLocaleString("en-US")}-file repository, window ${window.toLocaleString("en-US")} tokens:`);
  console.log(`  planning request: ${prompt} tokens = ${ratio(prompt, window)} of the window (context gathered in ${ms.toFixed(0)} ms)`);
  console.log(`  every path listed (the reference's way, baseline): ${everyPath} tokens = ${(everyPath / window).toFixed(1)}× the window`);
  console.log(`  ratio planning request / every-path listing: ${ratio(prompt, everyPath)}`);
}

const dir = await mkdtemp(join(tmpdir(), "l2mac-bench-edits-"));
try {
  await editTokens(dir);
  await planningSize(dir, Number(values.files), Number(values.window));
} finally {
  await rm(dir, { recursive: true, force: true });
}
