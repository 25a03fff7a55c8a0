/**
 * Statistics for proportions: intervals, tests and p-value combination. Pure functions, no dependencies.
 * Every function is checked against SciPy reference values in test/analysis/stats.test.ts.
 */

/** z for a two-sided 95% interval (the 0.975 quantile of the standard normal). */
export const Z95 = 1.959963984540054;

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * Wilson score interval for k successes in n trials. With n = 0 nothing is known: estimate NaN, [0, 1].
 */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n <= 0) return { estimate: Number.NaN, lower: 0, upper: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    estimate: p,
    lower: k <= 0 ? 0 : Math.max(0, centre - half),
    upper: k >= n ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Newcombe's hybrid score interval (his method 10) for the difference p1 − p2 of two independent
 * proportions, built from the two Wilson intervals. If either sample is empty: estimate NaN, [−1, 1].
 */
export function newcombe(k1: number, n1: number, k2: number, n2: number, z = Z95): Interval {
  if (n1 <= 0 || n2 <= 0) return { estimate: Number.NaN, lower: -1, upper: 1 };
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    lower: d - Math.sqrt((a.estimate - a.lower) ** 2 + (b.upper - b.estimate) ** 2),
    upper: d + Math.sqrt((a.upper - a.estimate) ** 2 + (b.estimate - b.lower) ** 2),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Normal distribution

const SQRT2 = Math.SQRT2;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** erfc(x) for x >= 0, with relative accuracy near double precision. */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): all terms positive, no cancellation.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (x > 27) return 0;
  // Continued fraction erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

/** Complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** Standard normal CDF Φ(x); absolute error below 1e-15, relative error small in both tails. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x < 0 ? 0.5 * erfcNonNegative(-x / SQRT2) : 1 - 0.5 * erfcNonNegative(x / SQRT2);
}

/** Standard normal survival 1 − Φ(x), accurate in the upper tail. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

/**
 * The standard normal quantile Φ⁻¹(p) for 0 < p < 1, by bisection on Φ to the last bit (there are few calls:
 * one per confidence level asked for). `normalQuantile(0.975)` is Z95.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** z of a two-sided interval at this confidence (0.95 → 1.96): Φ⁻¹(1 − (1 − confidence) / 2). */
export function zOfConfidence(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

// ---------------------------------------------------------------------------------------------------------
// Binomial distribution

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xm = x - 1;
  let a = LANCZOS[0]!;
  const t = xm + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n || !Number.isInteger(k)) return 0;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  const logChoose = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
  return Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

function sumPmf(from: number, to: number, n: number, p: number): number {
  let s = 0;
  for (let i = Math.max(0, from); i <= Math.min(n, to); i++) s += binomPmf(i, n, p);
  return s;
}

/**
 * Exact two-sided binomial test of k successes in n against p0, SciPy's `binomtest` definition: the
 * probability of every outcome no more likely than the one observed (relative tolerance 1e-7).
 * Note that against p0 = 0 any k > 0 gives p = 0 (an outcome impossible under the null): that degenerate
 * test is what "binomial test against 0" means; reports use `binomialTestGreater` against a small p0.
 */
export function binomialTest(k: number, n: number, p0: number): number {
  if (n <= 0) return 1;
  const d = binomPmf(k, n, p0);
  const limit = d * (1 + 1e-7);
  if (k === p0 * n) return 1;
  let pval = 0;
  for (let i = 0; i <= n; i++) {
    const q = binomPmf(i, n, p0);
    if (q <= limit) pval += q;
  }
  return Math.min(1, pval);
}

/** One-sided exact binomial test, H1: rate > p0. P(X ≥ k | n, p0). */
export function binomialTestGreater(k: number, n: number, p0: number): number {
  if (n <= 0 || k <= 0) return 1;
  // Sum the shorter side for accuracy.
  if (k > n * p0) return Math.min(1, sumPmf(k, n, n, p0));
  return Math.max(0, 1 - sumPmf(0, k - 1, n, p0));
}

/** One-sided exact binomial test, H1: rate < p0. P(X ≤ k | n, p0). */
export function binomialTestLess(k: number, n: number, p0: number): number {
  if (n <= 0 || k >= n) return 1;
  if (k < n * p0) return Math.min(1, sumPmf(0, k, n, p0));
  return Math.max(0, 1 - sumPmf(k + 1, n, n, p0));
}

// ---------------------------------------------------------------------------------------------------------
// Two proportions

export interface ZTest {
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** One-sided p-value, H1: p1 > p2. */
  pGreater: number;
  /** One-sided p-value, H1: p1 < p2. */
  pLess: number;
}

/**
 * Pooled two-proportion z-test of p1 = k1/n1 against p2 = k2/n2. When the pooled rate is 0 or 1 (no
 * variance) or a sample is empty the data carry no evidence of a difference: z = 0, p = 1.
 */
export function twoProportionZTest(k1: number, n1: number, k2: number, n2: number): ZTest {
  if (n1 <= 0 || n2 <= 0) return { z: 0, p: 1, pGreater: 1, pLess: 1 };
  const pooled = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { z: 0, p: 1, pGreater: 1, pLess: 1 };
  const z = (k1 / n1 - k2 / n2) / se;
  return {
    z,
    p: Math.min(1, erfc(Math.abs(z) / SQRT2)),
    pGreater: normalSf(z),
    pLess: normalCdf(z),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Combining p-values

/** Survival function of a chi-square with an even number of degrees of freedom df = 2m (exact sum). */
export function chiSquareSfEven(x: number, df: number): number {
  if (df <= 0 || df % 2 !== 0) throw new Error(`chiSquareSfEven needs a positive even df, got ${df}`);
  if (x <= 0) return 1;
  const half = x / 2;
  // e^{−x/2} Σ_{i<m} (x/2)^i / i!, summed in log space for large x.
  let term = 0; // log of the i-th term
  let logSum = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < df / 2; i++) {
    if (i > 0) term += Math.log(half) - Math.log(i);
    const m = Math.max(logSum, term);
    logSum = m + Math.log(Math.exp(logSum - m) + Math.exp(term - m));
  }
  return Math.min(1, Math.exp(logSum - half));
}

export interface Combined {
  statistic: number;
  df: number;
  p: number;
}

/** Fisher's method: X = −2 Σ ln pᵢ ~ χ²(2k). Empty input gives p = 1; any pᵢ = 0 gives p = 0. */
export function fisherCombine(pvalues: number[]): Combined {
  const ps = pvalues.filter((p) => Number.isFinite(p));
  if (ps.length === 0) return { statistic: 0, df: 0, p: 1 };
  if (ps.some((p) => p <= 0)) return { statistic: Number.POSITIVE_INFINITY, df: 2 * ps.length, p: 0 };
  const statistic = -2 * ps.reduce((s, p) => s + Math.log(Math.min(1, p)), 0);
  return { statistic, df: 2 * ps.length, p: chiSquareSfEven(statistic, 2 * ps.length) };
}

// ---------------------------------------------------------------------------------------------------------
// Linear combinations of proportions

export interface ProportionTerm {
  coef: number;
  k: number;
  n: number;
  /**
   * Terms with the same group are computed on the same trials (for example one baseline scored against two
   * bars); their limits are added linearly, as if perfectly correlated, which can only widen the interval.
   */
  group?: string;
}

/**
 * Interval for Σ cᵢ·pᵢ by the method of variance estimates recovery (MOVER; Zou and Donner 2008) from the
 * Wilson interval of each proportion. With two terms of coefficients +1 and −1 it is Newcombe's interval.
 * Terms with n = 0 are dropped; with no terms left the estimate is NaN.
 */
export function moverLinear(terms: ProportionTerm[], z = Z95): Interval {
  const live = terms.filter((t) => t.n > 0 && t.coef !== 0);
  if (live.length === 0) return { estimate: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  let estimate = 0;
  const down = new Map<string, number>();
  const up = new Map<string, number>();
  live.forEach((t, i) => {
    const w = wilson(t.k, t.n, z);
    const value = t.coef * w.estimate;
    const a = t.coef * w.lower;
    const b = t.coef * w.upper;
    estimate += value;
    const key = t.group ?? `#${i}`;
    down.set(key, (down.get(key) ?? 0) + (value - Math.min(a, b)));
    up.set(key, (up.get(key) ?? 0) + (Math.max(a, b) - value));
  });
  const sumSq = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v * v, 0);
  return { estimate, lower: estimate - Math.sqrt(sumSq(down)), upper: estimate + Math.sqrt(sumSq(up)) };
}
