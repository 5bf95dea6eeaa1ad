/** The syntax-check port run after every write; `src/checks` implements it with tree-sitter and parsers. */
/** 1-based line and column; columns count UTF-16 code units, as editors and JS strings do. */
export interface SyntaxProblem {
  path: string;
  line: number;
  column: number;
  message: string;
  /**
   * The checker is known to flag some valid code of this language (measured false positives, e.g. syntax
   * newer than its grammar): the completion gate lets an agent override such problems, and only these.
   */
  unsure?: true;
}

export type SyntaxChecker = (path: string, contents: string) => Promise<SyntaxProblem[]>;

export const formatSyntaxProblem = (p: SyntaxProblem): string => `${p.path}:${p.line}:${p.column}: ${p.message}`;
