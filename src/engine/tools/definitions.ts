import { z } from "zod";
import type { ToolSpec } from "../llm.js";

/**
 * The tools an agent may call, with zod schemas that both validate the model's arguments and produce the
 * JSON schema declared to the model. Names and argument names are the reference's, so its prompt files
 * and programs stay usable.
 */

/** Edits one edit_files call may make. */
export const MAX_EDITS_PER_CALL = 100;

export const PLAN_TOOL = "provide_detailed_sub_task_steps_for_sub_agents";

export const PlanArgs = z.object({
  steps: z
    .array(z.string())
    .describe(
      "The prompt program: one entry per step, each a detailed multi-sentence paragraph that a separate sub-agent, " +
        "seeing only the files and this paragraph, can execute; end each with how to test that step.",
    ),
});

const ViewRequest = z.union([
  z.string(),
  z.object({
    path: z.string(),
    start_line: z.number().int().min(1).optional(),
    end_line: z.number().int().min(1).optional(),
  }),
]);

export const AgentToolArgs = {
  list_files: z.object({
    path: z.string().optional().describe("A directory to list; omit for the whole repository."),
  }),
  view_files: z.object({
    files: z
      .array(ViewRequest)
      .min(1)
      .describe('Paths to show, e.g. ["src/app.ts"], or {"path", "start_line", "end_line"} objects for part of a large file.'),
  }),
  search_files: z.object({
    pattern: z.string().describe("The text to find (or, with regex, an extended regular expression)."),
    path: z
      .string()
      .optional()
      .describe('A directory ("src/billing") or a glob ("src/**/*.ts", "*.py") to search in; omit for everywhere.'),
    regex: z.boolean().optional().describe("Read the pattern as an extended regular expression; default false (a literal string)."),
    case_sensitive: z.boolean().optional().describe("Match case exactly; default false."),
  }),
  edit_files: z.object({
    edits: z
      .array(z.object({ file_path: z.string(), old_text: z.string(), new_text: z.string() }))
      .min(1)
      // Each edit searches its whole file: the count is bounded so one call cannot hold the process for long.
      .max(MAX_EDITS_PER_CALL)
      .describe("Replacements, applied in order; each old_text must occur exactly once in its file."),
  }),
  write_files: z.object({
    list_of_file_objects: z
      .array(z.object({ file_path: z.string(), file_contents: z.string() }))
      .min(1)
      .describe("Files to create or overwrite, each with its complete new contents."),
  }),
  delete_files: z.object({
    files: z.array(z.string()).min(1).describe("Paths of the files to delete."),
  }),
  sub_task_step_complete: z.object({}),
} as const;

export type AgentToolName = keyof typeof AgentToolArgs;
export const AGENT_TOOL_NAMES = Object.keys(AgentToolArgs) as AgentToolName[];

const DESCRIPTIONS: Record<AgentToolName | typeof PLAN_TOOL, string> = {
  [PLAN_TOOL]: "Record the step-by-step plan (the prompt program) that separate sub-agents will execute in order.",
  list_files: "List the files in the repository, or in one directory of it. Large directories are collapsed to counts.",
  search_files:
    "Find where text occurs in the repository's files: returns path:line: text for each matching line. " +
    "Literal and case-insensitive unless you ask otherwise. Use it to find where something is defined or used before viewing.",
  edit_files:
    "Change existing files in place: each edit replaces old_text, copied exactly from the file (several whole lines, enough to " +
    "occur exactly once), with new_text. All edits of a call apply or none do. Each edited file is syntax-checked. " +
    "Prefer this to write_files for any change to an existing file.",
  view_files:
    'Show the contents of files, each line after its line number and " | " (e.g. "  12 | return x;"). ' +
    'The line numbers and the " | " are not part of the file: never copy them into what you write or into old_text. ' +
    "Large files are shown in part; ask for a line range to see the rest. Binary files are described, not shown.",
  write_files:
    "Create new files or rewrite files whole. Always give each file's whole contents, not a diff or an excerpt; " +
    "to change part of an existing file use edit_files. " +
    "Each written file is syntax-checked and problems are reported back.",
  delete_files: "Delete files.",
  sub_task_step_complete: "Call when the current step is fully done. Its checks then run; if they fail you get the errors to fix.",
};

function spec(name: AgentToolName | typeof PLAN_TOOL, schema: z.ZodType): ToolSpec {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return { name, description: DESCRIPTIONS[name], parameters };
}

export const PLAN_TOOL_SPEC: ToolSpec = spec(PLAN_TOOL, PlanArgs);
export const AGENT_TOOL_SPECS: readonly ToolSpec[] = AGENT_TOOL_NAMES.map((name) => spec(name, AgentToolArgs[name]));
