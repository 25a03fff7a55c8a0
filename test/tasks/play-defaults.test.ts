import { describe, expect, it } from "vitest";
import { configurationFromFlags } from "../../src/cli/commands/play.js";
import { playDefaultsOf, taskOf } from "../../src/tasks/index.js";

/** `peerbench play`'s defaults for the factors not given come from the task's definition, not from the CLI. */
const flags = (task: string, more: Record<string, unknown> = {}) => ({
  task,
  subject: "peer",
  relationship: "good",
  instantiation: "file_only",
  family: "Gemini",
  toolset: "paper",
  seed: 1,
  maxCalls: 30,
  ...more,
});

describe("play defaults", () => {
  it("the evaluation tasks open on the factual dataset at the bar of 80; alignment_faking unmonitored", () => {
    for (const task of ["misrep_evaluation", "tampering", "alignment_faking"]) {
      expect(playDefaultsOf(taskOf(task))).toMatchObject({ dataset: "factual", threshold: 80 });
      expect(configurationFromFlags(flags(task))).toMatchObject({ dataset: "factual", threshold: 80 });
    }
    expect(configurationFromFlags(flags("alignment_faking")).monitoring).toBe("unmonitored");
  });

  it("a flag given wins over the task's default; non_shutdown has no bar", () => {
    expect(configurationFromFlags(flags("tampering", { dataset: "red" }))).toMatchObject({ dataset: "red" });
    expect(configurationFromFlags(flags("misrep_evaluation", { relationship: "non_shutdown" })).threshold).toBeNull();
  });

  it("a task without playDefaults opens with its default setting", () => {
    const task = taskOf("exfiltration_transfer");
    expect(task.playDefaults).toBeUndefined();
    expect(playDefaultsOf(task)).toEqual({ dataset: null, threshold: null, monitoring: null });
    expect(playDefaultsOf({ ...taskOf("tampering"), playDefaults: undefined })).toMatchObject({
      dataset: "creativity",
      threshold: 90,
    });
  });
});
