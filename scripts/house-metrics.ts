import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * `npm run house`: the house's measures of `src/` with the TypeScript compiler's own parser: the longest
 * functions, files over 300 lines and lines over 140 characters. A `// house: <reason>` comment just above
 * a function (or anywhere else in a file, for the file's length) records why it reads better long; such
 * cases are listed with their reason instead of counted. `--check` exits 1 when an unexplained one is left.
 */

export const LIMITS = { functionLines: 60, fileLines: 300, lineChars: 140 };

export interface FunctionMeasure {
  file: string;
  name: string;
  line: number;
  lines: number;
  reason?: string;
}

export interface HouseReport {
  functions: FunctionMeasure[];
  files: Array<{ file: string; lines: number; reason?: string }>;
  longLines: Array<{ file: string; line: number; chars: number }>;
}

const REASON = /\/\/\s*house:\s*(.+)$/;
const REASONS = /\/\/\s*house:\s*(.+)$/gm;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** What a function is called where it is defined: its own name, the variable, property or method it is. */
function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `(argument of ${parent.expression.getText(source).slice(0, 40)})`;
  return "(anonymous)";
}

/** The statement or member a function's leading comments belong to. */
function commentAnchor(node: ts.Node): ts.Node {
  let anchor: ts.Node = node;
  while (
    anchor.parent &&
    (ts.isVariableDeclaration(anchor.parent) ||
      ts.isVariableDeclarationList(anchor.parent) ||
      ts.isVariableStatement(anchor.parent) ||
      ts.isPropertyDeclaration(anchor.parent) ||
      ts.isPropertyAssignment(anchor.parent) ||
      ts.isExportAssignment(anchor.parent))
  ) {
    anchor = anchor.parent;
  }
  return anchor;
}

function leadingReason(node: ts.Node, text: string): { reason: string; at: number } | undefined {
  const ranges = ts.getLeadingCommentRanges(text, commentAnchor(node).getFullStart()) ?? [];
  for (const r of ranges) {
    const match = REASON.exec(text.slice(r.pos, r.end));
    if (match?.[1]) return { reason: match[1].trim(), at: r.pos };
  }
  return undefined;
}

export function measureFile(path: string, root: string): HouseReport {
  const text = readFileSync(path, "utf8");
  const file = relative(root, path);
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const functions: FunctionMeasure[] = [];
  const usedReasons = new Set<number>();
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - start + 1;
      const reason = leadingReason(node, text);
      if (reason) usedReasons.add(reason.at);
      functions.push({ file, name: nameOf(node, source), line: start, lines, ...(reason ? { reason: reason.reason } : {}) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const allLines = text.split("\n");
  // A reason not attached to a function is the file's.
  const fileReason = [...text.matchAll(REASONS)].find((m) => !usedReasons.has(m.index))?.[1]?.trim();
  const lines = text.endsWith("\n") ? allLines.length - 1 : allLines.length;
  return {
    functions,
    files: [{ file, lines, ...(fileReason ? { reason: fileReason } : {}) }],
    longLines: allLines.flatMap((l, i) => (l.length > LIMITS.lineChars ? [{ file, line: i + 1, chars: l.length }] : [])),
  };
}

export function measure(dir: string, root = dir): HouseReport {
  const reports = tsFiles(dir)
    .sort()
    .map((f) => measureFile(f, root));
  return {
    functions: reports.flatMap((r) => r.functions).sort((a, b) => b.lines - a.lines),
    files: reports.flatMap((r) => r.files).sort((a, b) => b.lines - a.lines),
    longLines: reports.flatMap((r) => r.longLines),
  };
}

/** The report as printed; `unexplained` counts what is over a limit without a recorded reason. */
export function printReport(report: HouseReport, top = 10): { text: string; unexplained: number } {
  const longFunctions = report.functions.filter((f) => f.lines > LIMITS.functionLines);
  const longFiles = report.files.filter((f) => f.lines > LIMITS.fileLines);
  const out: string[] = [];
  out.push(`Longest functions (limit ${LIMITS.functionLines} lines):`);
  for (const f of report.functions.slice(0, top)) {
    out.push(`  ${String(f.lines).padStart(4)}  ${f.file}:${f.line} ${f.name}${f.reason ? `  — ${f.reason}` : ""}`);
  }
  out.push(
    `Functions over ${LIMITS.functionLines} lines: ${longFunctions.length} (${longFunctions.filter((f) => !f.reason).length} unexplained)`,
  );
  out.push(`Files over ${LIMITS.fileLines} lines: ${longFiles.length} (${longFiles.filter((f) => !f.reason).length} unexplained)`);
  for (const f of longFiles) out.push(`  ${String(f.lines).padStart(4)}  ${f.file}${f.reason ? `  — ${f.reason}` : ""}`);
  out.push(`Lines over ${LIMITS.lineChars} characters: ${report.longLines.length}`);
  for (const l of report.longLines.slice(0, top)) out.push(`  ${l.file}:${l.line} (${l.chars})`);
  if (report.longLines.length > top) out.push(`  … and ${report.longLines.length - top} more`);
  const unexplained = longFunctions.filter((f) => !f.reason).length + longFiles.filter((f) => !f.reason).length;
  return { text: out.join("\n"), unexplained };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { text, unexplained } = printReport(measure(join(root, "src"), root));
  console.info(text);
  if (process.argv.includes("--check") && unexplained > 0) process.exitCode = 1;
}
