/**
 * GitHub Actions job logs and workflow commands: every line starts with a 7-digit-fraction timestamp,
 * `::error file=F,line=L::msg` in a step's output becomes `##[error]msg` in the log and an annotation.
 */

export type AnnotationLevel = "failure" | "warning" | "notice";

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column: number | null;
  end_column: number | null;
  annotation_level: AnnotationLevel;
  title: string;
  message: string;
  raw_details: null;
}

/** Per step and level, then per job (actions/toolkit's documented limits). */
export const ANNOTATIONS_PER_STEP_AND_LEVEL = 10;
export const ANNOTATIONS_PER_JOB = 50;

// Wall clock at load plus the monotonic clock since: 100 ns ticks that never go backwards.
const BASE_TICKS = BigInt(Date.now()) * 10_000n;
const BASE_HR = process.hrtime.bigint();
let lastTicks = 0n;

/** `2026-11-22T10:00:00.1234567Z`, strictly increasing from one call to the next. */
export function logTimestamp(): string {
  let ticks = BASE_TICKS + (process.hrtime.bigint() - BASE_HR) / 100n;
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  lastTicks = ticks;
  const ms = Number(ticks / 10_000n);
  const sub = String(ticks % 10_000n).padStart(4, "0");
  return `${new Date(ms).toISOString().slice(0, 23)}${sub}Z`;
}

/** GitHub-style second-resolution time. */
export function isoSeconds(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class JobLog {
  private readonly lines: string[] = [];
  private readonly masks: string[] = [];

  add(text: string): void {
    for (const line of text.split("\n")) {
      let masked = line;
      for (const secret of this.masks) masked = masked.split(secret).join("***");
      this.lines.push(`${logTimestamp()} ${masked}`);
    }
  }

  mask(secret: string): void {
    if (secret.trim() !== "") this.masks.push(secret);
  }

  /** GitHub's downloaded job logs start with a UTF-8 byte order mark. */
  text(): string {
    return `\uFEFF${this.lines.join("\n")}\n`;
  }
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

function unescapeData(value: string): string {
  return value.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
}

function unescapeProperty(value: string): string {
  return value.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%3A/gi, ":").replace(/%2C/gi, ",").replace(/%25/g, "%");
}

/** `::name k=v,k2=v2::message`, as the runner parses it (leading whitespace allowed). */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const match = /^::([A-Za-z][\w-]*)(?:\s+([^]*?))?::([^]*)$/.exec(line.trimStart());
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
  }
  return { command: match[1]!.toLowerCase(), properties, message: unescapeData(match[3] ?? "") };
}

const LEVELS: Record<string, AnnotationLevel> = { error: "failure", warning: "warning", notice: "notice" };

function positive(value: string | undefined): number | undefined {
  const n = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function annotationFromCommand(command: WorkflowCommand): FakeAnnotation | undefined {
  const level = LEVELS[command.command];
  if (!level) return undefined;
  const { properties: p } = command;
  const startLine = positive(p.line) ?? 1;
  const endLine = positive(p.endLine) ?? startLine;
  const startColumn = positive(p.col) ?? null;
  // Columns only make sense on a single line.
  const sameLine = startLine === endLine;
  return {
    path: p.file || ".github",
    start_line: startLine,
    end_line: endLine,
    start_column: sameLine ? startColumn : null,
    end_column: sameLine ? (positive(p.endColumn) ?? startColumn) : null,
    annotation_level: level,
    title: p.title ?? "",
    message: command.message,
    raw_details: null,
  };
}

/** The annotation GitHub adds to every failed step, which says nothing about the code. */
export function exitCodeAnnotation(message: string): FakeAnnotation {
  return {
    path: ".github",
    start_line: 1,
    end_line: 1,
    start_column: null,
    end_column: null,
    annotation_level: "failure",
    title: "",
    message,
    raw_details: null,
  };
}

const HIDDEN_COMMANDS = new Set([
  "debug",
  "add-mask",
  "set-output",
  "save-state",
  "set-env",
  "add-path",
  "add-matcher",
  "remove-matcher",
  "echo",
  "stop-commands",
]);

/** How one output line of a step appears in the log; `undefined` hides it (debug, add-mask, set-output...). */
export function renderOutputLine(line: string, command: WorkflowCommand | undefined): string | undefined {
  if (!command) return line;
  switch (command.command) {
    case "error":
    case "warning":
    case "notice":
    case "group":
      return `##[${command.command}]${command.message}`;
    case "endgroup":
      return "##[endgroup]";
    default:
      // Known commands are consumed by the runner; anything else is ordinary output.
      return HIDDEN_COMMANDS.has(command.command) ? undefined : line;
  }
}
