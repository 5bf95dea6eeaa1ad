import { LineCounter, parseAllDocuments } from "yaml";
import type { SyntaxProblem } from "../engine/syntax-checker.js";

/** Every document of a YAML file, by the yaml package (better messages than a tree-sitter grammar). */
export function checkYaml(path: string, text: string, maxProblems: number): SyntaxProblem[] {
  const lineCounter = new LineCounter();
  const problems: SyntaxProblem[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
    for (const e of doc.errors) {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      problems.push({ path, line, column: col, message: `YAML syntax error: ${e.message}` });
    }
  }
  return problems.slice(0, maxProblems);
}
