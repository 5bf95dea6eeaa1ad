/**
 * A fast local syntax checker: parses a file's text (never runs it) and reports where it is broken,
 * so an agent can fix its own typos before moving on. tree-sitter for code, jsonc-parser for JSON,
 * the yaml package for YAML.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";
import { Language, LANGUAGE_VERSION, MIN_COMPATIBLE_VERSION, Parser, type Node, type Tree } from "web-tree-sitter";
import { LineCounter, parseAllDocuments } from "yaml";
import { formatSyntaxProblem, type SyntaxProblem } from "../engine/syntax-checker.js";

const MAX_BYTES = 2 * 1024 * 1024;
const MAX_PROBLEMS = 10;
const SNIPPET_CHARS = 40;
// Error recovery in a few grammars can go quadratic on pathological input; a checker must stay fast.
const PARSE_TIMEOUT_MS = 5_000;

/**
 * Grammar (as named in tree-sitter-wasms/out) → file extensions.
 * Not here: json and yaml (own checkers, better messages); elm and ql, whose 2023 builds are
 * ABI 12 and 10, older than web-tree-sitter 0.25 accepts (13–15), and loading them can even
 * trap with "memory access out of bounds".
 */
const GRAMMAR_EXTENSIONS: Record<string, readonly string[]> = {
  bash: [".sh", ".bash"],
  c: [".c"],
  c_sharp: [".cs", ".csx"],
  // .h is more often C++ (or C that the C++ grammar reads fine) than strict C; the C grammar flags `class`.
  cpp: [".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".h", ".ipp", ".tpp"],
  css: [".css"],
  dart: [".dart"],
  elisp: [".el"],
  elixir: [".ex", ".exs"],
  embedded_template: [".erb", ".ejs", ".eex"],
  go: [".go"],
  html: [".html", ".htm"],
  java: [".java"],
  javascript: [".js", ".mjs", ".cjs", ".jsx"],
  kotlin: [".kt", ".kts"],
  lua: [".lua"],
  objc: [".m"],
  ocaml: [".ml"], // the ocaml_interface grammar for .mli is not shipped, and .mli `val` items fail here
  php: [".php", ".phtml"],
  python: [".py", ".pyi", ".pyw"],
  rescript: [".res", ".resi"],
  ruby: [".rb", ".rake", ".gemspec", ".ru"],
  rust: [".rs"],
  scala: [".scala", ".sc"],
  solidity: [".sol"],
  swift: [".swift"],
  systemrdl: [".rdl"],
  tlaplus: [".tla"],
  toml: [".toml"],
  tsx: [".tsx"],
  typescript: [".ts", ".mts", ".cts"],
  vue: [".vue"],
  zig: [".zig"],
};

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

/** Problems in one file's text; [] when fine or when no checker knows the file type. Never throws for bad input. */
export async function checkSyntax(path: string, contents: string): Promise<SyntaxProblem[]> {
  try {
    const checker = checkerFor(path);
    if (checker === undefined || typeof contents !== "string") return [];
    if (contents.includes("\0") || Buffer.byteLength(contents) > MAX_BYTES) return [];
    if (checker === "json" || checker === "jsonc") return checkJson(path, contents, checker === "jsonc");
    if (checker === "yaml") return checkYaml(path, contents);
    // An empty source file has nothing to fix (though the tlaplus grammar would call it an error).
    if (contents.trim() === "") return [];
    return await checkTreeSitter(checker, path, contents);
  } catch {
    return []; // a checker bug must never break a write
  }
}

// ---- JSON ----

function checkJson(path: string, text: string, jsonc: boolean): SyntaxProblem[] {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: !jsonc, allowTrailingComma: jsonc, allowEmptyContent: false });
  const lines = lineStarts(text);
  const problems = errors.map((e) => ({
    path,
    ...positionAt(lines, e.offset),
    message: `JSON syntax error: ${jsonMessage(printParseErrorCode(e.error), text, e.offset)}`,
  }));
  // Error recovery often reports the same token twice; once is enough.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(formatSyntaxProblem(p)) && seen.add(formatSyntaxProblem(p))).slice(0, MAX_PROBLEMS);
}

function jsonMessage(code: string, text: string, offset: number): string {
  if (code === "InvalidCommentToken") return "comments are not allowed in JSON";
  // Strict JSON reports a trailing comma as a missing value/property at the closing bracket; say what it is.
  if (/^[}\]]/.test(text.slice(offset)) && text.slice(0, offset).trimEnd().endsWith(",")) {
    return "trailing comma is not allowed in JSON";
  }
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase(); // "ValueExpected" → "value expected"
}

// ---- YAML ----

function checkYaml(path: string, text: string): SyntaxProblem[] {
  const lineCounter = new LineCounter();
  const problems: SyntaxProblem[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
    for (const e of doc.errors) {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      problems.push({ path, line, column: col, message: `YAML syntax error: ${e.message}` });
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}

// ---- tree-sitter ----

interface WasmInstance {
  exports: Record<string, unknown>;
}
type Calloc = (count: number, size: number) => number;
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance; module: unknown }>;
}
// es2023 + @types/node 20 carry no WebAssembly typings; this is the one call we need.
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The shared wasm runtime, plus its stack pointer so a grammar that throws mid-parse cannot leak stack. */
interface Runtime {
  stackPointer(): number | undefined;
  restoreStack(sp: number | undefined): void;
}

const require = createRequire(import.meta.url);
let runtime: Promise<Runtime | undefined> | undefined;
const languages = new Map<string, Promise<Language | undefined>>();

/**
 * Grammars built with 2023 toolchains import a few libc symbols that web-tree-sitter 0.25 no longer
 * provides; unresolved, bash throws "resolved is not a function" on any `case $x in`. Asserts and aborts
 * only fire on grammar bugs: throwing turns them into a caught parse failure.
 */
const LIBC_SHIMS: Record<string, (...args: number[]) => number> = {
  isalpha: (c) => ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0),
  __assert_fail: () => {
    throw new Error("tree-sitter grammar assertion failed");
  },
  abort: () => {
    throw new Error("tree-sitter grammar aborted");
  },
};

function loadRuntime(): Promise<Runtime | undefined> {
  runtime ??= initRuntime().catch(() => undefined); // a failure is final: never retried per call
  return runtime;
}

async function initRuntime(): Promise<Runtime> {
  const bytes = await readFile(require.resolve("web-tree-sitter/tree-sitter.wasm"));
  let exports: Record<string, unknown> | undefined;
  // Parser.init never settles if instantiateWasm fails, so the failure path rejects this promise itself.
  await new Promise<void>((resolve, reject) => {
    const instantiateWasm = (
      imports: { env: Record<string, unknown> },
      receive: (instance: WasmInstance, module: unknown) => void,
    ): object => {
      for (const [name, fn] of Object.entries(LIBC_SHIMS)) imports.env[name] ??= fn;
      wasm
        .instantiate(bytes, imports)
        .then(({ instance, module }) => {
          exports = instance.exports;
          receive(instance, module); // registers the runtime's exports, malloc among them, for grammars to import
          // Some 2023 scanners (lua's) never initialise the state they malloc; reused heap garbage then
          // breaks every parse after the first. Grammars get zeroed memory; the runtime keeps its own malloc.
          const calloc = instance.exports.calloc;
          if (typeof calloc === "function") imports.env.malloc = (size: number) => (calloc as Calloc)(size, 1);
        })
        .catch(reject);
      return {};
    };
    Parser.init({ instantiateWasm }).then(resolve, reject);
  });
  // Absent if someone else initialised web-tree-sitter first: then there is nothing to restore with.
  const getSp = exports?.emscripten_stack_get_current;
  const setSp = exports?._emscripten_stack_restore;
  return {
    stackPointer: () => (typeof getSp === "function" ? (getSp as () => number)() : undefined),
    restoreStack: (sp) => {
      if (sp !== undefined && typeof setSp === "function") (setSp as (sp: number) => void)(sp);
    },
  };
}

function loadLanguage(grammar: string): Promise<Language | undefined> {
  let language = languages.get(grammar);
  if (!language) {
    language = (async () => {
      if (!(await loadRuntime())) return undefined;
      const dir = join(dirname(require.resolve("tree-sitter-wasms/package.json")), "out");
      const lang = await Language.load(await readFile(join(dir, `tree-sitter-${grammar}.wasm`)));
      const abi = lang.abiVersion;
      return abi >= MIN_COMPATIBLE_VERSION && abi <= LANGUAGE_VERSION ? lang : undefined;
    })().catch(() => undefined);
    languages.set(grammar, language);
  }
  return language;
}

async function checkTreeSitter(grammar: string, path: string, contents: string): Promise<SyntaxProblem[]> {
  const [rt, lang] = await Promise.all([loadRuntime(), loadLanguage(grammar)]);
  if (!rt || !lang) return [];
  // One parser per call: nothing is shared between concurrent checks but the immutable Language.
  const parser = new Parser();
  let tree: Tree | null = null;
  const sp = rt.stackPointer();
  try {
    parser.setLanguage(lang);
    const deadline = Date.now() + PARSE_TIMEOUT_MS;
    tree = parser.parse(contents, null, { progressCallback: () => Date.now() > deadline });
  } catch {
    // A grammar threw inside wasm: the parser's state is suspect, so leak it rather than free it.
    rt.restoreStack(sp);
    return [];
  }
  try {
    return tree ? collectProblems(path, tree.rootNode) : [];
  } finally {
    tree?.delete();
    parser.delete();
  }
}

/** Outermost ERROR nodes and MISSING nodes, in document order; what lies inside an ERROR is noise. */
function collectProblems(path: string, root: Node): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const node = stack.pop()!;
    if (node.isError) {
      const snippet = node.text.replace(/\s+/g, " ").trim().slice(0, SNIPPET_CHARS).trimEnd();
      problems.push(nodeProblem(path, node, snippet ? `syntax error near "${snippet}"` : "syntax error"));
    } else if (node.isMissing) {
      problems.push(nodeProblem(path, node, `missing "${node.type}"`));
    } else if (node.hasError) {
      const children = node.children;
      for (let i = children.length - 1; i >= 0; i--) {
        const child = children[i];
        if (child) stack.push(child);
      }
    }
  }
  return problems;
}

function nodeProblem(path: string, node: Node, message: string): SyntaxProblem {
  return { path, line: node.startPosition.row + 1, column: node.startPosition.column + 1, message };
}

// ---- offsets ----

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

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
