/** The syntax-check port run after every write; `src/checks` implements it with tree-sitter and parsers. */
export interface SyntaxProblem {
  path: string;
  line: number;
  column: number;
  message: string;
}

export type SyntaxChecker = (path: string, contents: string) => Promise<SyntaxProblem[]>;

export const formatSyntaxProblem = (p: SyntaxProblem): string => `${p.path}:${p.line}:${p.column}: ${p.message}`;
