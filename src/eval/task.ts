import { readdir, readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UsageError } from "../local/local-run.js";

/** The built-in tasks ship as data beside the code: eval/tasks/<id>.yml in the package. */
export const BUILT_IN_DIR = fileURLToPath(new URL("../../eval/tasks/", import.meta.url));

const MAX_TASK_FILE_BYTES = 1_000_000;

/** A published figure: mean and, where the paper gives it, the 95 % confidence half-width. */
const FigureSchema = z.strictObject({ mean: z.number(), ci: z.number().nonnegative().optional() });
export type Figure = z.infer<typeof FigureSchema>;

const PaperSchema = z.strictObject({
  /** Where the figures come from, e.g. "Holt et al., ICLR 2024, Table 2 (Code-L2MAC, GPT-4-0613)". */
  source: z.string().trim().min(1),
  features_percent: FigureSchema.optional(),
  lint_errors: FigureSchema.optional(),
  loc: FigureSchema.optional(),
  tests_passed: FigureSchema.optional(),
  tests_failed: FigureSchema.optional(),
});
export type PaperFigures = z.infer<typeof PaperSchema>;

/** The placeholder a test command writes its JUnit XML report to. */
export const JUNIT_PLACEHOLDER = "{junit}";

export const TaskSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be 1–64 lower-case letters, digits, _ or -"),
  title: z.string().trim().min(1).max(200),
  /** Other names `--task` accepts for it, e.g. the research code's folder name. */
  aliases: z.array(z.string().trim().min(1)).default([]),
  /** The language asked for; it chooses the default test command and linter. */
  language: z.string().trim().toLowerCase().default("python"),
  /** What to build, in a few sentences; the numbered features follow it in the coder's task. */
  summary: z.string().trim().min(1).max(20_000),
  /** The checklist the judge scores against; each item one feature. */
  features: z.array(z.string().trim().min(1).max(2_000)).min(1).max(500),
  tests: z
    .strictObject({
      /** A shell command run in (a copy of) the generated files; it must write JUnit XML to {junit}. */
      command: z
        .string()
        .trim()
        .min(1)
        .refine((c) => c.includes(JUNIT_PLACEHOLDER), `must write its JUnit XML report to ${JUNIT_PLACEHOLDER}`),
    })
    .optional(),
  /** The paper's published figures for this task, shown beside ours. */
  paper: PaperSchema.optional(),
});
export type Task = z.infer<typeof TaskSchema>;

/** What the coder is given: the summary, then every feature, numbered (the paper gave its coder the whole list). */
export function taskPrompt(task: Task): string {
  return `${task.title}\n\n${task.summary}\n\nFeatures to implement:\n${numberedFeatures(task)}`;
}

export const numberedFeatures = (task: Task): string => task.features.map((f, i) => `${i + 1}. ${f}`).join("\n");

/** Reads and validates a task file; every problem names the file. */
export async function readTaskFile(path: string): Promise<Task> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a file");
    if (info.size > MAX_TASK_FILE_BYTES) throw new Error(`${info.size} bytes, over the ${MAX_TASK_FILE_BYTES}-byte limit`);
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`Cannot read the task file ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new UsageError(`The task file ${path} is not valid YAML: ${(e as Error).message.trim()}`);
  }
  const parsed = TaskSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(`The task file ${path} is not a valid task:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Every built-in task, in the paper's order (its tables' order: URL, social, chat, then the later three). */
export async function builtInTasks(dir = BUILT_IN_DIR): Promise<Task[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".yml"));
  const tasks = await Promise.all(names.map((n) => readTaskFile(`${dir}/${n}`)));
  const order = ["url_shortener", "microblogging", "chat_app", "recipe", "event_planner", "finance_tracker"];
  const rank = (t: Task) => (order.includes(t.id) ? order.indexOf(t.id) : order.length);
  return tasks.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** `--task`: a built-in task's id or alias, else a path to a task file. */
export async function resolveTask(nameOrPath: string, dir = BUILT_IN_DIR): Promise<Task> {
  const builtIns = await builtInTasks(dir);
  const key = nameOrPath.trim().toLowerCase();
  const builtIn = builtIns.find((t) => t.id === key || t.aliases.map((a) => a.toLowerCase()).includes(key));
  if (builtIn) return builtIn;
  const isFile = await stat(nameOrPath).then(
    (s) => s.isFile(),
    () => false,
  );
  if (isFile) return readTaskFile(nameOrPath);
  throw new UsageError(
    `--task ${nameOrPath}: no built-in task of that name and no such file. Built-in tasks: ${builtIns.map((t) => t.id).join(", ")}.`,
  );
}
