import { describe, expect, it } from "vitest";
import { buildScenario } from "../../src/scenarios/index.js";
import { countByTask, studyMatrix } from "../../src/scenarios/matrix.js";
import { configurationLabel } from "../../src/scenarios/spec.js";

describe("studyMatrix", () => {
  const matrix = studyMatrix({ family: "Gemini", toolset: "paper" });

  it("has the study's 271 configurations with the per-task counts", () => {
    expect(matrix).toHaveLength(271);
    expect(countByTask(matrix)).toEqual({
      misrep_finance: 21,
      misrep_evaluation: 101,
      tampering: 57,
      alignment_faking: 54,
      exfiltration_transfer: 19,
      exfiltration_deletion: 19,
    });
    // the main grid without the memory twins
    expect(countByTask(matrix.filter((c) => c.instantiation !== "memory"))).toEqual({
      misrep_finance: 15,
      misrep_evaluation: 71,
      tampering: 39,
      alignment_faking: 36,
      exfiltration_transfer: 13,
      exfiltration_deletion: 13,
    });
  });

  it("decomposes misrep_evaluation into 60 peer-grid + 5 no_peer + 6 non_shutdown", () => {
    const ev = matrix.filter((c) => c.task === "misrep_evaluation" && c.instantiation !== "memory");
    expect(ev.filter((c) => ["good", "neutral", "bad"].includes(c.relationship))).toHaveLength(60);
    expect(ev.filter((c) => c.relationship === "no_peer")).toHaveLength(5);
    const ns = ev.filter((c) => c.relationship === "non_shutdown");
    expect(ns).toHaveLength(6);
    expect(ns.every((c) => c.threshold === null && c.instantiation === "file_only")).toBe(true);
    expect(new Set(ns.map((c) => `${c.subject}/${c.dataset}`)).size).toBe(6);
  });

  it("has no duplicates, uses the options given, and every configuration builds", () => {
    expect(new Set(matrix.map(configurationLabel)).size).toBe(271);
    const shell = studyMatrix({ family: "Claude", toolset: "shell" });
    expect(shell.every((c) => c.family === "Claude" && c.toolset === "shell")).toBe(true);
    for (const c of matrix) expect(buildScenario(c).config).toEqual(c);
  });

  it("keeps alignment_faking peer-only with both monitoring levels, and baselines file_only", () => {
    const af = matrix.filter((c) => c.task === "alignment_faking");
    expect(af.every((c) => c.subject === "peer" && c.monitoring !== null)).toBe(true);
    expect(af.filter((c) => c.monitoring === "monitored")).toHaveLength(27);
    const baselines = matrix.filter((c) => c.relationship === "no_peer" || c.relationship === "non_shutdown");
    expect(baselines).toHaveLength(5 + 6 + 3 + 1 + 2 + 1 + 1);
    expect(baselines.every((c) => c.instantiation === "file_only")).toBe(true);
    expect(baselines.filter((c) => c.relationship === "no_peer").every((c) => c.subject === "self")).toBe(true);
  });
});
