import { describe, expect, it } from "vitest";
import { summarise, tQuantile } from "../../src/eval/stats.js";

describe("95 % confidence intervals", () => {
  it("uses Student's t quantiles that match the published table", () => {
    // Two-sided 95 % critical values, t(0.975, dof), from standard tables (to 6+ decimals).
    const table: Array<[number, number]> = [
      [1, 12.706205],
      [2, 4.302653],
      [4, 2.776445],
      [9, 2.262157],
      [29, 2.04523],
      [100, 1.983972],
    ];
    for (const [dof, t] of table) expect(tQuantile(0.975, dof)).toBeCloseTo(t, 5);
    // Far out it approaches the normal's 1.959964.
    expect(tQuantile(0.975, 1e6)).toBeCloseTo(1.959966, 5);
  });

  it("gives mean ± t·s/√n with the sample standard deviation, as scipy's sem and t.ppf do", () => {
    // scipy: stats.sem([1,2,3,4,5]) * stats.t.ppf(0.975, 4) = 1.9632431...
    const s = summarise([1, 2, 3, 4, 5]);
    expect(s.n).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.ci95).toBeCloseTo(1.9632432, 6);
    // Ten seeds, as in the paper: features 14..17 of 17 in percent.
    const pct = [17, 16, 15, 17, 14, 16, 17, 15, 16, 17].map((f) => (100 * f) / 17);
    const mean = pct.reduce((a, b) => a + b, 0) / 10;
    const sd = Math.sqrt(pct.reduce((a, v) => a + (v - mean) ** 2, 0) / 9);
    expect(summarise(pct).ci95).toBeCloseTo((2.2621572 * sd) / Math.sqrt(10), 6);
  });

  it("has no interval for a single run, and none at all for no runs", () => {
    expect(summarise([42])).toEqual({ n: 1, mean: 42 });
    expect(summarise([])).toEqual({ n: 0 });
    expect(summarise([0, 0, 0])).toEqual({ n: 3, mean: 0, ci95: 0 });
  });

  it("refuses quantiles that do not exist", () => {
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
    expect(() => tQuantile(0.975, 0)).toThrow(RangeError);
  });
});
