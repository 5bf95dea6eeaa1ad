import { describe, expect, it } from "vitest";
import { GRAMMARS_WITH_FALSE_POSITIVES, STRICT_DESPITE } from "../../src/checks/grammar-false-positives.js";
import { checkerFor, createSyntaxChecker } from "../../src/checks/syntax.js";

// The measurement behind the completion gate's override: each listed sample is valid code its grammar rejects.
const checkSyntax = createSyntaxChecker();

const samples = (table: typeof GRAMMARS_WITH_FALSE_POSITIVES) =>
  Object.entries(table).flatMap(([grammar, list]) => list.map((s) => [grammar, s.construct, s.path, s.code] as const));

describe("grammars with measured false positives", () => {
  it.each(samples(GRAMMARS_WITH_FALSE_POSITIVES))("%s flags valid code (%s), and marks it unsure", async (grammar, _c, path, code) => {
    expect(checkerFor(path)).toBe(grammar);
    const problems = await checkSyntax(path, code);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.unsure === true)).toBe(true);
  });

  it.each(samples(STRICT_DESPITE))(
    "%s flags one construct of its newest release (%s) but stays strict",
    async (grammar, _c, path, code) => {
      expect(checkerFor(path)).toBe(grammar);
      const problems = await checkSyntax(path, code);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.some((p) => p.unsure)).toBe(false);
    },
  );

  it.each([
    ["a.py", "def f(:\n    pass\n"],
    ["a.go", 'package main\n\nfunc main() {\n\tprintln("hi"\n}\n'],
    ["A.java", "class A { void f() { int x = ; } }\n"],
    ["a.rb", "x = [1, 2\n"],
    ["package.json", '{\n  "a": 1,\n}\n'],
    ["ci.yml", "a: [1, 2\n"],
  ])("marks a real error in %s, a checker without known false positives, as certain", async (path, code) => {
    const problems = await checkSyntax(path, code);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.unsure)).toBe(false);
  });
});
