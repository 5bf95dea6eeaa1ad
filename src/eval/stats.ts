import jstat from "jstat";

/** A metric over the runs that have it: the mean and the 95 % confidence half-width, as the paper reports. */
export interface MetricSummary {
  n: number;
  mean?: number;
  /** Half-width of the 95 % confidence interval of the mean; undefined with fewer than 2 values. */
  ci95?: number;
}

/** Student's t quantile, e.g. tQuantile(0.975, 9) ≈ 2.262. */
export function tQuantile(p: number, dof: number): number {
  if (!(p > 0 && p < 1) || !(dof > 0)) throw new RangeError(`tQuantile needs 0 < p < 1 and dof > 0 (got p=${p}, dof=${dof})`);
  return jstat.jStat.studentt.inv(p, dof);
}

/**
 * Mean ± t(0.975, n−1) · s/√n with the sample standard deviation s (n − 1 in the denominator): the
 * interval the paper's tables give (its results code uses scipy's sem and t.ppf the same way).
 */
export function summarise(values: readonly number[]): MetricSummary {
  const n = values.length;
  if (n === 0) return { n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  const ci95 = variance === 0 ? 0 : tQuantile(0.975, n - 1) * Math.sqrt(variance / n);
  return { n, mean, ci95 };
}
