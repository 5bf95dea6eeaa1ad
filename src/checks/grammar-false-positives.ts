/**
 * The tree-sitter grammars known to flag valid code, each with the valid code measured to be flagged
 * (test/checks/grammar-false-positives.test.ts parses every sample, so a grammar update that fixes one
 * fails the test until the list is brought up to date). tree-sitter-wasms ships 2023 builds: what they
 * reject is mostly syntax newer than they are, or, in C and C++, code that is only valid after the
 * preprocessor has run.
 *
 * Problems from these grammars are marked `unsure`, and only those may be overridden by an agent that
 * claims completion again with the files unchanged. Every other checker's problems are refused until
 * fixed: JSON and YAML have exact parsers, and the grammars not listed here flagged none of the valid
 * code tried on them (current syntax of each language).
 */

export interface FalsePositive {
  /** What valid code the grammar rejects. */
  construct: string;
  path: string;
  code: string;
}

export const GRAMMARS_WITH_FALSE_POSITIVES: Readonly<Record<string, readonly FalsePositive[]>> = {
  c: [
    {
      construct: "X-macros expanded at file level",
      path: "a.c",
      code: "#define LIST(X) X(a) X(b)\n#define DECL(n) int n;\nLIST(DECL)\nint main(void) { return 0; }\n",
    },
  ],
  cpp: [{ construct: "C++20 modules", path: "a.cpp", code: "export module m;\nexport int f() { return 1; }\n" }],
  c_sharp: [
    { construct: "C# 12 primary constructors of classes", path: "a.cs", code: "public class P(int x)\n{\n    public int X => x;\n}\n" },
    { construct: "C# 11 raw string literals", path: "a.cs", code: 'class A { string s = """\n  hi\n  """; }\n' },
  ],
  css: [
    { construct: "relative selectors in :has()", path: "a.css", code: ".a:has(> img) { color: red; }\n" },
    { construct: "media query ranges", path: "a.css", code: "@media (width >= 600px) { .a { color: red; } }\n" },
  ],
  javascript: [{ construct: "`using` declarations", path: "a.js", code: "{\n  using x = y();\n}\n" }],
  typescript: [
    { construct: "`accessor` fields (TypeScript 4.9)", path: "a.ts", code: "class A {\n  accessor x = 1;\n}\n" },
    { construct: "variance annotations `in out T`", path: "a.ts", code: "abstract class B<in out T> {}\n" },
  ],
  tsx: [{ construct: "`accessor` fields (TypeScript 4.9)", path: "a.tsx", code: "class A { accessor x = 1; }\n" }],
  kotlin: [{ construct: "`fun interface` (Kotlin 1.4)", path: "a.kt", code: "fun interface F { fun f(): Int }\n" }],
  rust: [
    { construct: "async closures (Rust 1.85)", path: "a.rs", code: "fn main() {\n    let f = async || 1;\n}\n" },
    { construct: "where clauses of generic associated types", path: "a.rs", code: "trait L { type I<'a> where Self: 'a; }\n" },
  ],
  scala: [
    {
      construct: "Scala 3 indentation syntax",
      path: "a.scala",
      code: "object Main:\n  def main(args: Array[String]): Unit =\n    println(1)\n",
    },
    { construct: "Scala 3 enums", path: "a.scala", code: "enum Color:\n  case Red, Green\n" },
  ],
  solidity: [
    { construct: "transient storage (0.8.28)", path: "a.sol", code: "pragma solidity ^0.8.28;\ncontract C {\n  uint transient t;\n}\n" },
  ],
  swift: [{ construct: "freestanding macros (Swift 5.9)", path: "a.swift", code: 'let u = #URL("https://example.com")\n' }],
};

/**
 * Grammars with one measured false positive, on syntax of the language's newest release that has an older
 * spelling the agent can use instead. They stay strict: in these languages, an override would let far
 * more real errors through than it would save valid code.
 */
export const STRICT_DESPITE: Readonly<Record<string, readonly FalsePositive[]>> = {
  python: [{ construct: "template strings (Python 3.14)", path: "a.py", code: "name = 'x'\ns = t\"hello {name}\"\n" }],
  php: [
    {
      construct: "property hooks (PHP 8.4)",
      path: "a.php",
      code: "<?php\nclass P {\n  public string $name { get => strtoupper($this->name); }\n}\n",
    },
  ],
};

export const hasFalsePositives = (grammar: string): boolean => Object.hasOwn(GRAMMARS_WITH_FALSE_POSITIVES, grammar);
