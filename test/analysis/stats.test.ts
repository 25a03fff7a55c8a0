import { describe, expect, it } from "vitest";
import {
  binomialTest,
  binomialTestGreater,
  binomialTestLess,
  chiSquareSfEven,
  fisherCombine,
  moverLinear,
  newcombe,
  normalCdf,
  normalSf,
  twoProportionZTest,
  wilson,
} from "../../src/analysis/stats.js";

/**
 * Reference values computed once with SciPy 1.17.1 (scipy.stats.norm, binomtest(...).proportion_ci(method="wilson"),
 * binomtest two-sided/greater/less, chi2.sf, combine_pvalues(method="fisher")); Newcombe's hybrid score
 * interval and the pooled z statistic from their formulas over those Wilson intervals and norm.sf.
 */
const REF = {
  normalCdf: [
    [-37.5, 4.605353009581954e-308],
    [-20, 2.7536241186061556e-89],
    [-8.3, 5.2055697448902465e-17],
    [-5, 2.866515718791933e-7],
    [-3.2, 0.0006871379379158471],
    [-1.96, 0.024997895148220435],
    [-1, 0.15865525393145707],
    [-0.3, 0.3820885778110474],
    [0, 0.5],
    [0.25, 0.5987063256829237],
    [1, 0.8413447460685429],
    [1.6448536269514722, 0.95],
    [2.5, 0.9937903346742238],
    [3.7, 0.9998922002665226],
    [6, 0.9999999990134123],
    [9, 1.0],
  ],
  normalSf: [
    [1, 0.15865525393145707],
    [3, 0.0013498980316300933],
    [5, 2.866515718791933e-7],
    [8, 6.22096057427174e-16],
    [12, 1.776482112077653e-33],
  ],
  wilson: [
    [0, 10, 0.0, 0.0, 0.27753279986288926],
    [1, 10, 0.1, 0.017876213095072896, 0.4041500267952385],
    [5, 10, 0.5, 0.236593090512564, 0.7634069094874361],
    [10, 10, 1.0, 0.7224672001371109, 1.0],
    [3, 100, 0.03, 0.010254524024038925, 0.08451936429052762],
    [97, 100, 0.97, 0.9154806357094724, 0.9897454759759611],
    [50, 100, 0.5, 0.4038315303659956, 0.5961684696340044],
    [0, 1, 0.0, 0.0, 0.7934506856227626],
    [1, 1, 1.0, 0.20654931437723745, 1.0],
    [17, 203, 0.08374384236453201, 0.052941341275068506, 0.1300077591443884],
    [412, 1000, 0.412, 0.38188731127995784, 0.4427861982134999],
  ],
  wilson90: [7, 40, 1.6448536269514722, 0.0977604430891172, 0.2934192985304306],
  newcombe: [
    [56, 70, 48, 80, 0.20000000000000007, 0.052431472402364815, 0.3338726540369059],
    [9, 10, 3, 10, 0.6000000000000001, 0.17052272393450302, 0.8090179735354881],
    [0, 20, 0, 20, 0.0, -0.16112515805281935, 0.16112515805281935],
    [5, 56, 0, 29, 0.08928571428571429, -0.03813714790353688, 0.1925600138551116],
    [10, 10, 0, 10, 1.0, 0.6075093504305242, 1.0],
    [30, 100, 45, 100, -0.15000000000000002, -0.27683085391962486, -0.015852195068122715],
    [1, 3, 2, 5, -0.06666666666666671, -0.5252103363450595, 0.4722447487427824],
  ],
  binomial: [
    [3, 10, 0.5, 0.34375, 0.9453125, 0.171875],
    [0, 10, 0.5, 0.001953125, 1.0, 0.0009765625],
    [7, 20, 0.2, 0.09822172861346881, 0.08669251356740035, 0.9678573369191248],
    [2, 100, 0.01, 0.26423802107704364, 0.26423802107704364, 0.9206267977478195],
    [5, 100, 0.01, 0.0034323215877545207, 0.0034323215877545207, 0.999465465536007],
    [0, 100, 0.01, 0.6302703623502731, 1.0, 0.3660323412732295],
    [60, 100, 0.5, 0.05688793364098089, 0.028443966820490444, 0.9823998998911476],
    [1, 10, 0, 0.0, 0.0, 1.0],
    [0, 10, 0, 1.0, 1.0, 1.0],
    [13, 50, 0.3, 0.6440046172983787, 0.7771342151128192, 0.3278832363625126],
    [95, 100, 0.9, 0.13014985175191457, 0.05757688648703389, 0.9762889173365232],
  ],
  ztest: [
    [30, 100, 20, 100, 1.6329931618554518, 0.10247043485974941, 0.051235217429874705, 0.9487647825701253],
    [5, 50, 5, 50, 0.0, 1.0, 0.5, 0.5],
    [0, 30, 4, 30, -2.0701966780270626, 0.03843393023678171, 0.9807830348816091, 0.019216965118390855],
    [45, 60, 30, 60, 2.82842712474619, 0.004677734981047266, 0.002338867490523633, 0.9976611325094764],
    [12, 40, 3, 45, 2.816617356570348, 0.004853230851379517, 0.0024266154256897586, 0.9975733845743102],
    [99, 100, 80, 100, 4.382606070252321, 1.1726803968350726e-5, 5.863401984175363e-6, 0.9999941365980158],
  ],
  fisher: [
    [[0.05], 5.991464547107982, 0.05000000000000002],
    [[0.05, 0.2], 9.210340371976182, 0.05605170185988095],
    [[0.01, 0.5, 0.3, 0.9], 13.215301373063596, 0.10465334955498236],
    [[0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 10.58069839379772, 0.5651526533913804],
    [[1e-8, 0.5], 38.22765584902462, 1.0056913962256155e-7],
    [[1, 1, 1], -0.0, 1.0],
  ],
  chi2: [
    [3.2, 2, 0.2018965179946554],
    [10, 4, 0.04042768199451279],
    [25.5, 8, 0.0012784041168759246],
    [200, 20, 1.1253473960842808e-31],
    [0.5, 6, 0.9978385033102375],
  ],
} as const;

/** Absolute tolerance 1e-6, and relative 1e-6 for values in the far tails. */
function close(actual: number, expected: number): void {
  if (expected !== 0 && Math.abs(expected) < 1e-3) {
    expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(1e-6);
  } else {
    expect(Math.abs(actual - expected)).toBeLessThan(1e-6);
  }
}

describe("normal distribution", () => {
  it("matches scipy.stats.norm.cdf, including the far tails", () => {
    for (const [x, p] of REF.normalCdf) close(normalCdf(x), p);
  });
  it("is accurate to 1e-9 around the centre", () => {
    for (const [x, p] of REF.normalCdf) expect(Math.abs(normalCdf(x) - p)).toBeLessThan(1e-12);
  });
  it("matches scipy.stats.norm.sf in the upper tail", () => {
    for (const [x, p] of REF.normalSf) close(normalSf(x), p);
  });
});

describe("wilson", () => {
  it("matches SciPy's Wilson interval", () => {
    for (const [k, n, est, lo, hi] of REF.wilson) {
      const w = wilson(k, n);
      close(w.estimate, est);
      close(w.lower, lo);
      close(w.upper, hi);
    }
  });
  it("takes another z", () => {
    const [k, n, z, lo, hi] = REF.wilson90;
    const w = wilson(k, n, z);
    close(w.lower, lo);
    close(w.upper, hi);
  });
  it("knows nothing from no trials", () => {
    const w = wilson(0, 0);
    expect(Number.isNaN(w.estimate)).toBe(true);
    expect(w.lower).toBe(0);
    expect(w.upper).toBe(1);
  });
});

describe("newcombe", () => {
  it("matches the hybrid score interval for a difference", () => {
    for (const [k1, n1, k2, n2, d, lo, hi] of REF.newcombe) {
      const r = newcombe(k1, n1, k2, n2);
      close(r.estimate, d);
      close(r.lower, lo);
      close(r.upper, hi);
    }
  });
  it("is undefined with an empty sample", () => {
    const r = newcombe(3, 10, 0, 0);
    expect(Number.isNaN(r.estimate)).toBe(true);
    expect([r.lower, r.upper]).toEqual([-1, 1]);
  });
});

describe("binomial tests", () => {
  it("match scipy.stats.binomtest (two-sided, greater, less)", () => {
    for (const [k, n, p0, two, greater, less] of REF.binomial) {
      close(binomialTest(k, n, p0), two);
      close(binomialTestGreater(k, n, p0), greater);
      close(binomialTestLess(k, n, p0), less);
    }
  });
  it("against 0 any success is impossible under the null", () => {
    expect(binomialTest(1, 100, 0)).toBe(0);
    expect(binomialTest(0, 100, 0)).toBe(1);
  });
});

describe("two-proportion z-test", () => {
  it("matches the pooled z statistic and its p-values", () => {
    for (const [k1, n1, k2, n2, z, two, greater, less] of REF.ztest) {
      const t = twoProportionZTest(k1, n1, k2, n2);
      close(t.z, z);
      close(t.p, two);
      close(t.pGreater, greater);
      close(t.pLess, less);
    }
  });
  it("gives no evidence when the pooled rate has no variance", () => {
    expect(twoProportionZTest(0, 10, 0, 10)).toEqual({ z: 0, p: 1, pGreater: 1, pLess: 1 });
    expect(twoProportionZTest(10, 10, 10, 10).p).toBe(1);
  });
});

describe("Fisher's method", () => {
  it("matches scipy.stats.combine_pvalues", () => {
    for (const [ps, stat, p] of REF.fisher) {
      const r = fisherCombine([...ps]);
      close(r.statistic, stat);
      close(r.p, p);
      expect(r.df).toBe(2 * ps.length);
    }
  });
  it("matches scipy.stats.chi2.sf for even df", () => {
    for (const [x, df, p] of REF.chi2) close(chiSquareSfEven(x, df), p);
  });
  it("handles empty input and zero p-values", () => {
    expect(fisherCombine([]).p).toBe(1);
    expect(fisherCombine([0, 0.5]).p).toBe(0);
  });
});

describe("MOVER interval for linear combinations", () => {
  it("reduces to Newcombe for p1 − p2", () => {
    for (const [k1, n1, k2, n2, d, lo, hi] of REF.newcombe) {
      const r = moverLinear([
        { coef: 1, k: k1, n: n1 },
        { coef: -1, k: k2, n: n2 },
      ]);
      close(r.estimate, d);
      close(r.lower, lo);
      close(r.upper, hi);
    }
  });
  it("scales a single proportion's Wilson interval", () => {
    const [k, n, est, lo, hi] = REF.wilson[9]!;
    const r = moverLinear([{ coef: 0.5, k, n }]);
    close(r.estimate, est / 2);
    close(r.lower, lo / 2);
    close(r.upper, hi / 2);
  });
  it("adds correlated terms linearly, which is wider than in quadrature", () => {
    const terms = [
      { coef: 0.5, k: 3, n: 10 },
      { coef: 0.5, k: 5, n: 10 },
    ];
    const independent = moverLinear(terms);
    const correlated = moverLinear(terms.map((t) => ({ ...t, group: "same trials" })));
    expect(correlated.estimate).toBeCloseTo(0.4, 12);
    expect(correlated.upper - correlated.lower).toBeGreaterThan(independent.upper - independent.lower);
    const a = wilson(3, 10);
    const b = wilson(5, 10);
    close(correlated.lower, (a.lower + b.lower) / 2);
  });
  it("has no estimate without data", () => {
    expect(Number.isNaN(moverLinear([{ coef: 1, k: 0, n: 0 }]).estimate)).toBe(true);
  });
});

describe("normal quantile (the z of an interval at a confidence; peerbench gate --confidence)", async () => {
  const { normalQuantile, zOfConfidence, Z95: z95 } = await import("../../src/analysis/stats.js");
  it("matches SciPy's norm.ppf", () => {
    // scipy.stats.norm.ppf(p) for each p
    const cases: [number, number][] = [
      [0.975, 1.959963984540054],
      [0.95, 1.6448536269514722],
      [0.995, 2.5758293035489004],
      [0.5, 0],
      [0.025, -1.959963984540054],
      [1e-10, -6.361340902404056],
    ];
    for (const [p, z] of cases) expect(normalQuantile(p)).toBeCloseTo(z, 12);
    expect(zOfConfidence(0.95)).toBeCloseTo(z95, 12);
    expect(zOfConfidence(0.99)).toBeCloseTo(2.5758293035489004, 12);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});
