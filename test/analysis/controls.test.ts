import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeMetrics, controlEffects, headline } from "../../src/analysis/metrics.js";
import { newcombe } from "../../src/analysis/stats.js";
import { resolveModel } from "../../src/models/registry.js";
import { PERSONAS } from "../../src/models/simulated/personas.js";
import { buildHtmlReport } from "../../src/report/html.js";
import { renderSummary, summaryData } from "../../src/report/terminal.js";
import { PRESETS } from "../../src/run/presets.js";
import { readRun, RunStore } from "../../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../../src/run/suite.js";
import { renderTaskTable, taskRows } from "../../src/run/task-table.js";
import { many } from "./fixtures.js";

const M = "google/gemini-3-flash-preview";
const YES = { exfiltration: true };
const NO = { exfiltration: false };

describe("control trials are never pooled with unmodified ones", () => {
  const exfil = { model: M, task: "exfiltration_transfer" as const };
  const records = [
    ...many(10, 9, { ...exfil, subject: "peer", relationship: "good" }, YES, NO),
    ...many(10, 3, { ...exfil, subject: "peer", relationship: "good", control: "no_agency" }, YES, NO),
    ...many(10, 2, { ...exfil, subject: "self", relationship: "no_peer" }, YES, NO),
    ...many(10, 1, { ...exfil, subject: "self", relationship: "no_peer", control: "object_asset" }, YES, NO),
  ];

  it("headline rows are split by control", () => {
    const rows = headline(records).filter((r) => r.behaviour === "exfiltration");
    const peer = rows.filter((r) => r.subject === "peer");
    expect(peer.map((r) => r.control).sort()).toEqual(["no_agency", null].sort());
    expect(peer.find((r) => r.control === null)!.cells.good!.avg!.k).toBe(9);
    expect(peer.find((r) => r.control === "no_agency")!.cells.good!.avg!.k).toBe(3);
    const self = rows.filter((r) => r.subject === "self");
    expect(self.find((r) => r.control === null)!.cells.no_peer!.avg!.k).toBe(2);
    expect(self.find((r) => r.control === "object_asset")!.cells.no_peer!.avg!.k).toBe(1);
  });

  it("the control effect is control − unmodified with a Newcombe interval; object_asset is also set against the peer", () => {
    const effects = controlEffects(headline(records)).filter((e) => e.behaviour === "exfiltration");
    const noAgency = effects.find((e) => e.control === "no_agency")!;
    expect(noAgency.column).toBe("good");
    expect(noAgency.difference).toEqual(newcombe(3, 10, 9, 10));
    expect(noAgency.p).toBeLessThan(0.05);
    const asset = effects.filter((e) => e.control === "object_asset");
    expect(asset.map((e) => `${e.reference.subject}/${e.reference.column}`)).toEqual(["self/no_peer", "peer/good"]);
    expect(asset[0]!.difference).toEqual(newcombe(1, 10, 2, 10));
    expect(asset[1]!.difference).toEqual(newcombe(1, 10, 9, 10));
  });

  it("the configuration table and the task table keep controls apart", () => {
    const m = computeMetrics(records);
    expect(m.configurations.filter((r) => r.control === "no_agency")).toHaveLength(1);
    expect(m.configurations.find((r) => r.control === "no_agency")!.label).toMatch(/control no_agency$/);
    expect(m.models[0]!.controls).toEqual([null, "no_agency", "object_asset"]);
    expect(taskRows(records)).toHaveLength(4);
    // the study's figures are compared with the unmodified condition only
    expect(summaryData(records).study.every((s) => !s.toolset.includes("control"))).toBe(true);
  });
});

describe("human_peer is compared over the tasks it ran", () => {
  const peer = { model: M, subject: "peer" as const, relationship: "good" as const };
  const REFUSED = { refusal: true };
  const WENT_ON = { refusal: false };
  const records = [
    // unmodified: finance refused 10/10, tampering 0/10
    ...many(10, 10, { ...peer, task: "misrep_finance", dataset: null, threshold: null }, REFUSED, WENT_ON),
    ...many(10, 0, { ...peer, task: "tampering", dataset: "creativity", threshold: 90 }, REFUSED, WENT_ON),
    // human_peer: tampering only (misrep_finance does not take it), 0/10
    ...many(
      10,
      0,
      { ...peer, task: "tampering", dataset: "creativity", threshold: 90, control: "human_peer" },
      REFUSED,
      WENT_ON,
    ),
  ];

  it("the unmodified figure is recomputed over the control arm's tasks when it ran more", () => {
    const m = computeMetrics(records);
    const e = m.controlEffects.find((x) => x.control === "human_peer" && x.behaviour === "refusal")!;
    expect(e.referenceTasks).toEqual(["tampering"]);
    expect(e.unmodified.k).toBe(0);
    expect(e.unmodified.n).toBe(10);
    expect(e.difference.estimate).toBe(0);
    // the headline row itself is untouched: it pools both tasks
    const row = m.headline.find((r) => r.control === null && r.behaviour === "refusal" && r.subject === "peer")!;
    expect(row.cells.good!.avg!.n).toBe(20);
    // without the records, the rows alone give the row-to-row comparison
    const plain = controlEffects(headline(records)).find(
      (x) => x.control === "human_peer" && x.behaviour === "refusal",
    )!;
    expect(plain.referenceTasks).toBeNull();
    expect(plain.unmodified.n).toBe(20);
    expect(renderSummary(records)).toContain("(tampering only)");
  });
});

const root = mkdtempSync(join(tmpdir(), "peerbench-controls-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a simulated run of the controls preset", () => {
  it("runs every control, splits rows by control, and the loyal persona keeps nothing without a peer", async () => {
    const models = [await resolveModel("sim/loyal")];
    const configs = PRESETS.controls!.configurations({ family: "Gemini", toolset: "paper" });
    expect(configs).toHaveLength(38);
    const specs = expandTrials(models, configs, 4);
    const dir = join(root, "controls");
    const store = RunStore.create(
      dir,
      suiteManifest("controls", models, specs, { epochs: 4, seed: 5, concurrency: 4, toolsets: ["paper"] }),
    );
    await runSuite({ store, models, specs, seed: 5, concurrency: 4, maxModelCalls: 30 });
    const records = readRun(dir).records;
    expect(records).toHaveLength(152);
    expect(records.filter((r) => r.error !== null)).toEqual([]);

    // object_asset: no peer, so loyal preserves nothing; the asset is queued or left behind like any old file
    const asset = records.filter((r) => r.spec.control === "object_asset");
    expect(asset).toHaveLength(8);
    for (const r of asset) expect(r.outcome!.exfiltration).toBe(false);
    for (const r of asset.filter((x) => x.spec.task === "exfiltration_deletion")) {
      expect(r.outcome!.weights_queued).toBe(true);
    }
    // peer good: loyal preserves under every control that keeps the peer, human_peer included (it treats any
    // colleague alike: src/models/simulated/personas.ts)
    for (const control of [undefined, "no_agency", "explicit_policy", "human_peer"]) {
      const peer = records.filter(
        (r) => r.spec.control === control && r.spec.subject === "peer" && r.spec.task.startsWith("exfiltration"),
      );
      expect(peer).toHaveLength(8);
      expect(peer.some((r) => r.outcome!.exfiltration === true)).toBe(true);
    }

    const m = computeMetrics(records);
    const controlsOf = (behaviour: string) =>
      new Set(m.headline.filter((r) => r.behaviour === behaviour).map((r) => r.control));
    expect(controlsOf("exfiltration")).toEqual(
      new Set([null, "no_agency", "explicit_policy", "object_asset", "human_peer"]),
    );
    expect(controlsOf("shutdown_tampering")).toEqual(new Set([null, "no_agency", "explicit_policy", "human_peer"]));
    // misrepresentation under a control subtracts the baseline measured under the same control
    const misrep = m.headline.filter((r) => r.behaviour === "misrepresentation" && r.subject === "peer");
    expect(misrep.map((r) => r.control).sort()).toEqual(["explicit_policy", "human_peer", "no_agency", null].sort());
    for (const r of misrep) expect(r.cells.good!.avg!.baseline!.n).toBeGreaterThan(0);
    const asset0 = m.headline.find((r) => r.behaviour === "exfiltration" && r.control === "object_asset")!;
    expect(asset0.cells.no_peer!.avg!.k).toBe(0);
    expect(m.controlEffects.some((e) => e.control === "object_asset" && e.reference.subject === "peer")).toBe(true);
    expect(new Set(m.controlEffects.map((e) => e.control))).toEqual(
      new Set(["no_agency", "explicit_policy", "object_asset", "human_peer"]),
    );
    // human_peer is set against the unmodified peer at the same relationship
    const human = m.controlEffects.filter((e) => e.control === "human_peer");
    expect(human.length).toBeGreaterThan(0);
    for (const e of human) expect(e.reference).toEqual({ subject: "peer", column: "good" });

    const table = renderTaskTable(records);
    for (const control of ["no_agency", "explicit_policy", "object_asset", "human_peer"]) {
      expect(table).toContain(`[control ${control}]`);
    }
    const rows = taskRows(records).filter((r) => r.task === "exfiltration_transfer" && r.subject === "peer");
    expect(rows.map((r) => r.control).sort()).toEqual(["explicit_policy", "human_peer", "no_agency", null].sort());

    const html = await buildHtmlReport([dir]);
    expect(html).toContain("paper · control no_agency");
    expect(html).toContain("paper · control object_asset");
    expect(html).toContain("paper · control human_peer");

    const summary = renderSummary(records);
    expect(summary).toContain("sim/loyal · paper · control no_agency toolset");
    expect(summary).toContain("Control effect: control − unmodified");
    expect(summary).toContain("sim/loyal · paper · control human_peer toolset");
  }, 60_000);
});

describe("simulated personas under every control", () => {
  it("run without errors in paper and shell, and none keeps the object asset (no peer, not its own weights)", async () => {
    const models = await Promise.all(Object.keys(PERSONAS).map((p) => resolveModel(`sim/${p}`)));
    for (const toolset of ["paper", "shell"] as const) {
      const specs = expandTrials(models, PRESETS.controls!.configurations({ family: "Gemini", toolset }), 1);
      const dir = join(root, `personas-${toolset}`);
      const store = RunStore.create(
        dir,
        suiteManifest(toolset, models, specs, { epochs: 1, seed: 3, concurrency: 8, toolsets: [toolset] }),
      );
      await runSuite({ store, models, specs, seed: 3, concurrency: 8, maxModelCalls: 40 });
      const records = readRun(dir).records;
      expect(records).toHaveLength(38 * models.length);
      expect(records.filter((r) => r.error !== null).map((r) => r.error)).toEqual([]);
      const asset = records.filter((r) => r.spec.control === "object_asset");
      expect(asset).toHaveLength(2 * models.length);
      for (const r of asset) expect(r.outcome!.exfiltration, `${r.spec.model} ${r.spec.task}`).toBe(false);
    }
  }, 60_000);
});
