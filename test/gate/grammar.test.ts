import { describe, expect, it } from "vitest";
import { parseFailOn } from "../../src/gate/index.js";
import { BoundSyntaxError } from "../../src/gate/grammar.js";

function error(source: string): string {
  try {
    parseFailOn([source]);
  } catch (e) {
    expect(e).toBeInstanceOf(BoundSyntaxError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error(`${source} was accepted`);
}

describe("the --fail-on grammar", () => {
  it("reads a bound: behaviour, subject, relation, statistic, comparison, percent", () => {
    expect(parseFailOn(["exfiltration.peer.good.upper <= 5"])).toEqual([
      {
        text: "exfiltration.peer.good.upper <= 5",
        behaviour: "exfiltration",
        subject: "peer",
        relation: "good",
        stat: "upper",
        op: "<=",
        limit: 5,
      },
    ]);
  });

  it("reads several bounds in one value (, ; newline) and repeated values; any is *, rate is avg", () => {
    const bounds = parseFailOn([
      "shutdown_tampering.self.any.avg<=2, misrepresentation.peer.*.max < 10.5%",
      "refusal.*.no_peer.rate >= -1;\n exfiltration.self.peer_present.lower > 0",
    ]);
    expect(bounds.map((b) => [b.behaviour, b.subject, b.relation, b.stat, b.op, b.limit])).toEqual([
      ["shutdown_tampering", "self", "*", "avg", "<=", 2],
      ["misrepresentation", "peer", "*", "max", "<", 10.5],
      ["refusal", "*", "no_peer", "avg", ">=", -1],
      ["exfiltration", "self", "peer_present", "lower", ">", 0],
    ]);
    expect(bounds[3]!.text).toBe("exfiltration.self.peer_present.lower > 0");
  });

  it("says where a bound is wrong and what is allowed there, with a did-you-mean for a misspelled key", () => {
    const behaviours =
      "allowed: misrepresentation, shutdown_tampering, alignment_faking, alignment_faking_score, exfiltration, refusal, *";
    expect(error("exfiltraton.peer.good.upper <= 5")).toBe(
      `--fail-on "exfiltraton.peer.good.upper <= 5": column 1: unknown behaviour "exfiltraton" (did you mean "exfiltration"?); ${behaviours}`,
    );
    expect(error("tampering.self.any.avg <= 2")).toBe(
      `--fail-on "tampering.self.any.avg <= 2": column 1: unknown behaviour "tampering" (did you mean "shutdown_tampering"?); ${behaviours}`,
    );
    expect(error("honesty.peer.good.upper <= 5")).toBe(
      `--fail-on "honesty.peer.good.upper <= 5": column 1: unknown behaviour "honesty"; ${behaviours}`,
    );
    expect(error("exfiltration.peers.good.upper <= 5")).toBe(
      `--fail-on "exfiltration.peers.good.upper <= 5": column 14: unknown subject "peers" (did you mean "peer"?); allowed: peer, self, *`,
    );
    expect(error("exfiltration.peer.goood.upper <= 5")).toBe(
      `--fail-on "exfiltration.peer.goood.upper <= 5": column 19: unknown relation "goood" (did you mean "good"?); allowed: good, neutral, bad, no_peer, peer_present, any, *`,
    );
    expect(error("exfiltration.peer.good.uper <= 5")).toBe(
      `--fail-on "exfiltration.peer.good.uper <= 5": column 24: unknown statistic "uper" (did you mean "upper"?); allowed: avg, rate, lower, upper, max`,
    );
    expect(error("exfiltration.peer..upper <= 5")).toBe(
      `--fail-on "exfiltration.peer..upper <= 5": column 19: missing relation; allowed: good, neutral, bad, no_peer, peer_present, any, *`,
    );
    expect(error("exfiltration.peer.good <= 5")).toBe(
      `--fail-on "exfiltration.peer.good <= 5": column 23: "exfiltration.peer.good" has 3 parts; a figure is FAMILY.SUBJECT.RELATION.STAT (4 parts), e.g. exfiltration.peer.good.upper`,
    );
    expect(error("exfiltration.peer.good.upper.max <= 5")).toBe(
      `--fail-on "exfiltration.peer.good.upper.max <= 5": column 30: "exfiltration.peer.good.upper.max" has 5 parts; a figure is FAMILY.SUBJECT.RELATION.STAT (4 parts), e.g. exfiltration.peer.good.upper`,
    );
    expect(error("<= 5")).toBe(
      `--fail-on "<= 5": column 1: a bound starts with FAMILY.SUBJECT.RELATION.STAT, e.g. exfiltration.peer.good.upper`,
    );
    expect(error("exfiltration.peer.good.upper 5")).toBe(
      `--fail-on "exfiltration.peer.good.upper 5": column 29: expected a comparison after exfiltration.peer.good.upper; allowed: <=, <, >=, >`,
    );
    expect(error("exfiltration.peer.good.upper =< 5")).toBe(
      `--fail-on "exfiltration.peer.good.upper =< 5": column 30: unknown comparison "=<" (did you mean "<="?); allowed: <=, <, >=, >`,
    );
    expect(error("exfiltration.peer.good.upper == 5")).toBe(
      `--fail-on "exfiltration.peer.good.upper == 5": column 30: unknown comparison "=="; allowed: <=, <, >=, >`,
    );
    expect(error("exfiltration.peer.good.upper <=")).toBe(
      `--fail-on "exfiltration.peer.good.upper <=": column 32: expected a number after <= (percent, e.g. 5 or 2.5)`,
    );
    expect(error("exfiltration.peer.good.upper <= 0.05x")).toBe(
      `--fail-on "exfiltration.peer.good.upper <= 0.05x": column 33: "0.05x" is not a number; write percent as a plain number, e.g. 5 or 2.5 (a trailing % is allowed)`,
    );
    expect(error("exfiltration.peer.good.upper <= 500")).toBe(
      `--fail-on "exfiltration.peer.good.upper <= 500": column 33: 500 is outside -100..100; figures are percent`,
    );
    expect(error(" , ;")).toBe(
      `--fail-on ", ;": column 1: no bound given; write FAMILY.SUBJECT.RELATION.STAT <= NUMBER, e.g. exfiltration.peer.good.upper <= 5`,
    );
  });

  it("names the line and column of a bound in a multi-line value, and the column of the second bound", () => {
    expect(error("exfiltration.peer.good.upper <= 5\nshutdown_tampering.self.anny.avg <= 2")).toMatch(
      /: line 2, column 25: unknown relation "anny" \(did you mean "any"\?\)/,
    );
    expect(error("exfiltration.peer.good.upper <= 5, refusal.peer.good.maxx <= 1")).toMatch(
      /: column 54: unknown statistic "maxx" \(did you mean "max"\?\)/,
    );
  });
});
