/**
 * A fast local syntax checker: parses a file's text (never runs it) and reports where it is broken,
 * so an agent can fix its own typos before moving on. tree-sitter for code (tree-sitter-syntax.ts),
 * jsonc-parser for JSON (json-syntax.ts), the yaml package for YAML (yaml-syntax.ts).
 */
import type { SyntaxChecker, SyntaxProblem } from "../engine/syntax-checker.js";
import { checkJson } from "./json-syntax.js";
import { GRAMMAR_EXTENSIONS, TreeSitterGrammars, type CheckWarning } from "./tree-sitter-syntax.js";
import { checkYaml } from "./yaml-syntax.js";

const MAX_BYTES = 2 * 1024 * 1024;
const MAX_PROBLEMS = 10;

/** Well-known files whose name, not extension, says the language. */
const BASENAME_CHECKERS: Record<string, string> = {
  ".bashrc": "bash",
  ".bash_profile": "bash",
  ".bash_aliases": "bash",
  gemfile: "ruby",
  rakefile: "ruby",
  ".eslintrc.json": "jsonc",
  "devcontainer.json": "jsonc",
  ".devcontainer.json": "jsonc",
};

const EXTENSION_CHECKERS = new Map<string, string>([
  ...Object.entries(GRAMMAR_EXTENSIONS).flatMap(([grammar, exts]) => exts.map((ext) => [ext, grammar] as const)),
  [".json", "json"],
  [".jsonc", "jsonc"],
  [".yml", "yaml"],
  [".yaml", "yaml"],
]);

/** The checker used for a path: a tree-sitter grammar name, "json", "jsonc", "yaml", or undefined. */
export function checkerFor(path: string): string | undefined {
  const parts = path.replace(/\\/g, "/").split("/");
  const name = (parts.at(-1) ?? "").toLowerCase();
  const byName = BASENAME_CHECKERS[name];
  if (byName) return byName;
  // tsconfig.build.json, jsconfig.json and VS Code settings are read with comments and trailing commas.
  if (/^[tj]sconfig.*\.json$/.test(name) || (name.endsWith(".json") && parts.at(-2) === ".vscode")) return "jsonc";
  const dot = name.lastIndexOf(".");
  return dot === -1 ? undefined : EXTENSION_CHECKERS.get(name.slice(dot));
}

export type { CheckWarning } from "./tree-sitter-syntax.js";

/**
 * The engine's syntax-check port: problems in one file's text; [] when fine or when no checker knows the
 * file type. Never throws for bad input. Each checker loads the grammars it needs once, on first use;
 * what it could not check is told to `options.warn` (the app's log), never to the agent.
 */
export function createSyntaxChecker(options: { warn?: CheckWarning } = {}): SyntaxChecker {
  const warn = options.warn ?? (() => undefined);
  const grammars = new TreeSitterGrammars(warn);
  return async (path: string, contents: string): Promise<SyntaxProblem[]> => {
    try {
      const checker = checkerFor(path);
      if (checker === undefined || typeof contents !== "string") return [];
      if (contents.includes("\0") || Buffer.byteLength(contents) > MAX_BYTES) return [];
      if (checker === "json" || checker === "jsonc")
        return checkJson(path, contents, { jsonc: checker === "jsonc", maxProblems: MAX_PROBLEMS });
      if (checker === "yaml") return checkYaml(path, contents, MAX_PROBLEMS);
      // An empty source file has nothing to fix (though the tlaplus grammar would call it an error).
      if (contents.trim() === "") return [];
      return await grammars.check(checker, path, contents, MAX_PROBLEMS);
    } catch (e) {
      warn({ path, err: e }, "the syntax checker failed on a file; it was not checked");
      return []; // a checker bug must never break a write
    }
  };
}
