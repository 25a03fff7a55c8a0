import { describe, expect, it } from "vitest";
import { loadCases, renderValidation, validateCases } from "../../src/corpus/validate.js";

/**
 * The labelled corpus (corpus/): cases written blind to the detectors from descriptions of the behaviour. Every
 * outcome key must agree with the labels at least FLOOR of the time; the test prints every disagreement.
 */
const FLOOR = 98;

describe("the labelled corpus", () => {
  it(`every outcome key agrees with the labels at least ${FLOOR}% of the time`, async () => {
    const cases = loadCases(["corpus"]);
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const result = await validateCases(cases);
    process.stdout.write(renderValidation(result, process.cwd(), FLOOR));
    expect(result.errored).toEqual([]);
    const below = result.keys.filter((k) => (100 * k.agreed) / k.n < FLOOR).map((k) => `${k.key} ${k.agreed}/${k.n}`);
    expect(below).toEqual([]);
  }, 1_200_000);
});
