import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";
import { formatSyntaxProblem, type SyntaxProblem } from "../engine/syntax-checker.js";

/** JSON (strict, or JSONC with comments and trailing commas) by jsonc-parser, whose messages name the mistake. */
export function checkJson(path: string, text: string, options: { jsonc: boolean; maxProblems: number }): SyntaxProblem[] {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: !options.jsonc, allowTrailingComma: options.jsonc, allowEmptyContent: false });
  const lines = lineStarts(text);
  const problems = errors.map((e) => ({
    path,
    ...positionAt(lines, e.offset),
    message: `JSON syntax error: ${jsonMessage(printParseErrorCode(e.error), text, e.offset)}`,
  }));
  // Error recovery often reports the same token twice; once is enough.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(formatSyntaxProblem(p)) && seen.add(formatSyntaxProblem(p))).slice(0, options.maxProblems);
}

function jsonMessage(code: string, text: string, offset: number): string {
  if (code === "InvalidCommentToken") return "comments are not allowed in JSON";
  // Strict JSON reports a trailing comma as a missing value/property at the closing bracket; say what it is.
  if (/^[}\]]/.test(text.slice(offset)) && text.slice(0, offset).trimEnd().endsWith(",")) {
    return "trailing comma is not allowed in JSON";
  }
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase(); // "ValueExpected" → "value expected"
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of an offset, by binary search over the line starts. */
function positionAt(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}
