import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Language, LANGUAGE_VERSION, MIN_COMPATIBLE_VERSION, Parser, type Node, type Tree } from "web-tree-sitter";
import type { SyntaxProblem } from "../engine/syntax-checker.js";
import { hasFalsePositives } from "./grammar-false-positives.js";

/** Code by tree-sitter (the grammars of tree-sitter-wasms, in web-tree-sitter's wasm runtime). */

const SNIPPET_CHARS = 40;
// Error recovery in a few grammars can go quadratic on pathological input; a checker must stay fast.
const PARSE_TIMEOUT_MS = 5_000;

/**
 * Grammar (as named in tree-sitter-wasms/out) → file extensions.
 * Not here: json and yaml (own checkers, better messages); elm and ql, whose 2023 builds are
 * ABI 12 and 10, older than web-tree-sitter 0.25 accepts (13–15), and loading them can even
 * trap with "memory access out of bounds".
 */
export const GRAMMAR_EXTENSIONS: Record<string, readonly string[]> = {
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
// house: web-tree-sitter's runtime is its own process-wide state (Parser.init runs once per process), so it is loaded once here.
let runtime: Promise<Runtime | Error> | undefined;

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

function loadRuntime(): Promise<Runtime | Error> {
  // A failure is final: never retried per call (each checker says so once).
  runtime ??= initRuntime().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
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

/** Where a checker says what it could not check: a failure to check is not a problem in the file. */
export type CheckWarning = (what: { grammar?: string; path?: string; err: unknown }, message: string) => void;

/** The grammars one checker has loaded (each once, on first use); a grammar that fails to load checks nothing. */
export class TreeSitterGrammars {
  private readonly languages = new Map<string, Promise<Language | undefined>>();
  private runtimeWarned = false;

  constructor(private readonly warn: CheckWarning = () => undefined) {}

  /** Outermost ERROR and MISSING nodes of `contents` parsed with `grammar`, at most `maxProblems`. */
  async check(grammar: string, path: string, contents: string, maxProblems: number): Promise<SyntaxProblem[]> {
    const [rt, lang] = await Promise.all([loadRuntime(), this.load(grammar)]);
    if (rt instanceof Error) {
      if (!this.runtimeWarned) this.warn({ err: rt }, "tree-sitter could not start: code files get no syntax checks");
      this.runtimeWarned = true;
      return [];
    }
    if (!lang) return [];
    // One parser per call: nothing is shared between concurrent checks but the immutable Language.
    const parser = new Parser();
    let tree: Tree | null = null;
    const sp = rt.stackPointer();
    try {
      parser.setLanguage(lang);
      const deadline = Date.now() + PARSE_TIMEOUT_MS;
      tree = parser.parse(contents, null, { progressCallback: () => Date.now() > deadline });
    } catch (e) {
      // A grammar threw inside wasm: the parser's state is suspect, so leak it rather than free it.
      rt.restoreStack(sp);
      this.warn({ grammar, path, err: e }, "a tree-sitter grammar failed on a file; it was not checked");
      return [];
    }
    try {
      const problems = tree ? collectProblems(path, tree.rootNode, maxProblems) : [];
      return hasFalsePositives(grammar) ? problems.map((p) => ({ ...p, unsure: true as const })) : problems;
    } finally {
      tree?.delete();
      parser.delete();
    }
  }

  private load(grammar: string): Promise<Language | undefined> {
    let language = this.languages.get(grammar);
    if (!language) {
      language = (async () => {
        if ((await loadRuntime()) instanceof Error) return undefined;
        const dir = join(dirname(require.resolve("tree-sitter-wasms/package.json")), "out");
        const lang = await Language.load(await readFile(join(dir, `tree-sitter-${grammar}.wasm`)));
        const abi = lang.abiVersion;
        return abi >= MIN_COMPATIBLE_VERSION && abi <= LANGUAGE_VERSION ? lang : undefined;
      })().catch((e: unknown) => {
        this.warn({ grammar, err: e }, "a tree-sitter grammar could not be loaded; its files get no syntax checks");
        return undefined;
      });
      this.languages.set(grammar, language);
    }
    return language;
  }
}

/** Outermost ERROR nodes and MISSING nodes, in document order; what lies inside an ERROR is noise. */
function collectProblems(path: string, root: Node, maxProblems: number): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0 && problems.length < maxProblems) {
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
