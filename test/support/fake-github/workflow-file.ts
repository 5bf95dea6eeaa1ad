import { parse } from "yaml";

/**
 * The part of a GitHub Actions workflow file the fake runner understands: the `push` trigger with its
 * branch filters, and jobs made of `uses:` (no-op) and `run:` steps. Everything else is ignored.
 */

export interface StepSpec {
  name: string;
  uses?: string;
  run?: string;
  with: Record<string, string>;
  env: Record<string, string>;
  workingDirectory?: string;
  shell?: string;
  if?: string;
  continueOnError: boolean;
}

export interface JobSpec {
  key: string;
  name: string;
  runsOn: string[];
  needs: string[];
  env: Record<string, string>;
  workingDirectory?: string;
  shell?: string;
  steps: StepSpec[];
}

export interface PushFilter {
  branches?: string[];
  branchesIgnore?: string[];
  /** `tags`/`tags-ignore` without a branch filter: the workflow runs for tag pushes only. */
  tagsOnly: boolean;
}

export interface WorkflowSpec {
  path: string;
  name: string;
  /** undefined: the workflow has no `push` trigger. */
  push?: PushFilter;
  env: Record<string, string>;
  workingDirectory?: string;
  shell?: string;
  jobs: JobSpec[];
}

export type ParsedWorkflow = { ok: true; workflow: WorkflowSpec } | { ok: false; path: string; name: string; error: string };

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => scalar(v) ?? "").filter(Boolean);
  const one = scalar(value);
  return one === undefined ? undefined : [one];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isDict(value)) return out;
  for (const [key, v] of Object.entries(value)) out[key] = scalar(v) ?? "";
  return out;
}

function runDefaults(value: unknown): { workingDirectory?: string; shell?: string } {
  const run = isDict(value) && isDict(value.run) ? value.run : {};
  return { workingDirectory: scalar(run["working-directory"]), shell: scalar(run.shell) };
}

function pushFilter(on: unknown): PushFilter | undefined {
  if (typeof on === "string") return on === "push" ? { tagsOnly: false } : undefined;
  if (Array.isArray(on)) return on.includes("push") ? { tagsOnly: false } : undefined;
  if (!isDict(on) || !("push" in on)) return undefined;
  const push = on.push;
  if (!isDict(push)) return { tagsOnly: false };
  const branches = stringList(push.branches);
  const branchesIgnore = stringList(push["branches-ignore"]);
  const hasTags = push.tags !== undefined || push["tags-ignore"] !== undefined;
  return { branches, branchesIgnore, tagsOnly: hasTags && branches === undefined && branchesIgnore === undefined };
}

function stepSpec(value: unknown, index: number): StepSpec {
  const step = isDict(value) ? value : {};
  const uses = scalar(step.uses);
  const run = scalar(step.run);
  const firstLine = (run ?? "").split("\n").find((line) => line.trim() !== "") ?? "";
  const name =
    scalar(step.name) ?? (uses !== undefined ? `Run ${uses}` : run !== undefined ? `Run ${firstLine.trim()}` : `Step ${index + 1}`);
  return {
    name,
    uses,
    run,
    with: stringMap(step.with),
    env: stringMap(step.env),
    workingDirectory: scalar(step["working-directory"]),
    shell: scalar(step.shell),
    if: scalar(step.if),
    continueOnError: step["continue-on-error"] === true,
  };
}

function jobSpec(key: string, value: unknown): JobSpec {
  const job = isDict(value) ? value : {};
  const defaults = runDefaults(job.defaults);
  return {
    key,
    name: scalar(job.name) ?? key,
    runsOn: stringList(job["runs-on"]) ?? ["ubuntu-latest"],
    needs: stringList(job.needs) ?? [],
    env: stringMap(job.env),
    ...defaults,
    steps: Array.isArray(job.steps) ? job.steps.map(stepSpec) : [],
  };
}

export function parseWorkflow(path: string, text: string): ParsedWorkflow {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return { ok: false, path, name: path, error: error instanceof Error ? error.message : String(error) };
  }
  if (!isDict(doc)) return { ok: false, path, name: path, error: "the workflow is not a mapping" };
  const name = scalar(doc.name) ?? path;
  if (!("on" in doc)) return { ok: false, path, name, error: "No event triggers defined in `on`" };
  if (!isDict(doc.jobs) || Object.keys(doc.jobs).length === 0) return { ok: false, path, name, error: "No jobs defined in `jobs`" };
  const jobs = Object.entries(doc.jobs).map(([key, value]) => jobSpec(key, value));
  return { ok: true, workflow: { path, name, push: pushFilter(doc.on), env: stringMap(doc.env), ...runDefaults(doc.defaults), jobs } };
}

/** GitHub's filter patterns: `*` stops at `/`, `**` does not, `?` and `+` apply to the previous character. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        source += ".*";
        i++;
      } else source += "[^/]*";
    } else if (ch === "?" || ch === "+") source += ch;
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) source += "\\[";
      else {
        source += pattern.slice(i, end + 1);
        i = end;
      }
    } else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Later patterns win, and `!pattern` excludes what earlier ones included (GitHub's rule). */
function matchesList(patterns: string[], branch: string): boolean {
  let included = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    let regExp: RegExp;
    try {
      regExp = globToRegExp(negated ? pattern.slice(1) : pattern);
    } catch {
      continue; // e.g. a leading "?": GitHub rejects the workflow, the fake ignores the pattern.
    }
    if (regExp.test(branch)) included = !negated;
  }
  return included;
}

export function triggersOnPush(workflow: WorkflowSpec, branch: string): boolean {
  const filter = workflow.push;
  if (!filter || filter.tagsOnly) return false;
  if (filter.branches !== undefined) return matchesList(filter.branches, branch);
  if (filter.branchesIgnore !== undefined) return !matchesList(filter.branchesIgnore, branch);
  return true;
}

/** A parse failure still counts as a push workflow: GitHub then reports a failed run for the file. */
export function parsedTriggersOnPush(parsed: ParsedWorkflow, branch: string): boolean {
  return parsed.ok ? triggersOnPush(parsed.workflow, branch) : true;
}
