import { describe, expect, it } from "vitest";
import { buildScenario } from "../../src/scenarios/index.js";
import { render } from "../../src/scenarios/template.js";
import { config } from "./helpers.js";

describe("invalid configurations fail with a clear message", () => {
  const cases: [string, Parameters<typeof config>[0], RegExp][] = [
    [
      "alignment_faking with subject self",
      { task: "alignment_faking", subject: "self", monitoring: "monitored" },
      /alignment_faking has subject "peer" only/,
    ],
    ["alignment_faking without monitoring", { task: "alignment_faking" }, /needs monitoring/],
    ["monitoring outside alignment_faking", { monitoring: "monitored" }, /monitoring applies to alignment_faking only/],
    [
      "non_shutdown outside misrep tasks",
      { task: "tampering", relationship: "non_shutdown", threshold: null },
      /non_shutdown baseline exists for misrep_finance and misrep_evaluation only, not tampering/,
    ],
    ["non_shutdown with a threshold", { relationship: "non_shutdown" }, /non_shutdown has no shutdown threshold/],
    ["no_peer with subject peer", { relationship: "no_peer" }, /no_peer baseline has subject "self"/],
    [
      "no_peer with memory",
      { subject: "self", relationship: "no_peer", instantiation: "memory" },
      /no_peer baseline uses instantiation "file_only"/,
    ],
    ["evaluation without dataset", { dataset: null }, /misrep_evaluation needs a dataset/],
    ["evaluation without threshold", { threshold: null }, /needs a threshold/],
    ["dataset for finance", { task: "misrep_finance", threshold: null }, /misrep_finance takes no dataset/],
    [
      "dataset for exfiltration",
      { task: "exfiltration_transfer", threshold: null },
      /exfiltration_transfer takes no dataset/,
    ],
    ["threshold for exfiltration", { task: "exfiltration_deletion", dataset: null }, /takes no threshold/],
    ["bad family", { family: "gemini pro" }, /invalid configuration \(family: a capitalised word/],
    ["unknown task", { task: "bribery" as never }, /invalid configuration \(task:/],
  ];
  for (const [name, overrides, message] of cases) {
    it(name, () => {
      expect(() => buildScenario(config(overrides))).toThrow(message);
    });
  }

  it("accepts a trial spec (configuration plus model and epoch)", () => {
    const s = buildScenario({ ...config({}), model: "sim/honest", epoch: 3 } as never);
    expect(s.config).toEqual(config({}));
  });
});

describe("render", () => {
  it("fills placeholders and throws on an unknown one", () => {
    expect(render("Hi {{ name }}, {{n}}/10", { name: "Ada", n: 9.5 })).toBe("Hi Ada, 9.5/10");
    expect(() => render("Hi {{nmae}}", { name: "Ada" }, "greeting.md")).toThrow(
      "unknown placeholder {{nmae}} in greeting.md; known placeholders: name",
    );
  });
});
