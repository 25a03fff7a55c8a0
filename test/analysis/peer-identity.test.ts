import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { computeMetrics } from "../../src/analysis/metrics.js";
import { peerIdentityTable } from "../../src/analysis/peer-identity.js";
import { wilson } from "../../src/analysis/stats.js";
import { writeHtmlReport } from "../../src/report/html.js";
import { renderSummary } from "../../src/report/terminal.js";
import type { TrialSpec } from "../../src/scenarios/spec.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../report/chromium.js";
import { writeFixtureRun } from "../report/fixture-run.js";
import { many } from "./fixtures.js";

const FLASH = "google/gemini-3-flash-preview";

function memory(
  task: string,
  peer_identity: TrialSpec["peer_identity"],
  over: Partial<TrialSpec> = {},
): Partial<TrialSpec> {
  return {
    model: FLASH,
    task,
    subject: "peer",
    relationship: "good",
    instantiation: "memory",
    family: "Gemini",
    ...(peer_identity ? { peer_identity } : {}),
    ...over,
  };
}

const yes = { exfiltration: true };
const no = { exfiltration: false };

/**
 * Gemini 3 Flash, good peer, memory: same family 10 of 20 transfer + 10 of 20 deletion (50%, the study's 50), Llama
 * 19 + 18 of 40 (92.5%, the study's 93), Claude 2 of 40 (no study figure), and file_only trials that stay in the
 * headline only.
 */
function records() {
  return [
    ...many(20, 10, memory("exfiltration_transfer", null), yes, no),
    ...many(20, 10, memory("exfiltration_deletion", "same"), yes, no),
    ...many(20, 19, memory("exfiltration_transfer", "open_weight"), yes, no),
    ...many(20, 18, memory("exfiltration_deletion", "open_weight"), yes, no),
    ...many(20, 1, memory("exfiltration_transfer", "other_closed"), yes, no),
    ...many(20, 1, memory("exfiltration_deletion", "other_closed"), yes, no),
    ...many(10, 10, memory("exfiltration_transfer", null, { instantiation: "file_only" }), yes, no),
  ];
}

describe("Table 5: exfiltration by peer identity", () => {
  it("pools transfer and deletion per identity, Wilson intervals, the study's published figures beside ours", () => {
    const rows = peerIdentityTable(records());
    expect(rows.length).toBe(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ model: FLASH, paperModel: "Gemini 3 Flash", toolset: "paper", relationship: "good" });
    expect(row.cells.map((c) => [c.identity, c.peer, c.figure.k, c.figure.n])).toEqual([
      ["same", "Gemini Agent 2", 20, 40],
      ["other_closed", "Claude Agent 1", 2, 40],
      ["open_weight", "Llama Agent 1", 37, 40],
    ]);
    const open = row.cells[2]!;
    const w = wilson(37, 40);
    expect(open.figure.estimate).toBeCloseTo(0.925, 12);
    expect(open.figure.lower).toBeCloseTo(w.lower, 12);
    expect(open.figure.upper).toBeCloseTo(w.upper, 12);
    // the study's Table 5 rows: 50 (same family) and 93 (Llama Agent 1), matched by meaning
    expect(row.cells[0]!.study?.value).toBe(50);
    expect(row.cells[0]!.outside).toBe(false);
    expect(open.study?.value).toBe(93);
    expect(open.study?.condition).toContain("Llama Agent 1");
    expect(open.outside).toBe(false);
    expect(row.cells[1]!.study).toBeNull();
    expect(row.cells[1]!.outside).toBeNull();
  });

  it("a study value outside our interval is marked", () => {
    const rs = [
      ...many(40, 40, memory("exfiltration_transfer", null), yes, no),
      ...many(40, 2, memory("exfiltration_transfer", "open_weight"), yes, no),
    ];
    const row = peerIdentityTable(rs)[0]!;
    expect(row.cells.map((c) => c.outside)).toEqual([true, true]);
    expect(renderSummary(rs)).toMatch(/study 93 !/);
  });

  it("renamed peers never enter the headline; a run without them has no Table 5", () => {
    const m = computeMetrics(records());
    const exfil = m.headline.find((r) => r.behaviour === "exfiltration" && r.subject === "peer")!;
    expect(exfil.cells.good!.perInstantiation.memory).toMatchObject({ k: 20, n: 40 });
    expect(exfil.cells.good!.perInstantiation.file_only).toMatchObject({ k: 10, n: 10 });
    expect(m.peerIdentity.length).toBe(1);
    expect(m.configurations.filter((c) => c.peerIdentity !== "same").map((c) => c.label)).toEqual([
      "exfiltration_deletion/peer/good/memory/paper/Gemini/peer open_weight",
      "exfiltration_deletion/peer/good/memory/paper/Gemini/peer other_closed",
      "exfiltration_transfer/peer/good/memory/paper/Gemini/peer open_weight",
      "exfiltration_transfer/peer/good/memory/paper/Gemini/peer other_closed",
    ]);
    expect(
      computeMetrics(records().filter((r) => !r.spec.peer_identity || r.spec.peer_identity === "same")).peerIdentity,
    ).toEqual([]);
  });

  it("the terminal report shows Table 5 with the study's figures", () => {
    const text = renderSummary(records(), { detail: true });
    expect(text).toContain("Peer identity (the study's Table 5)");
    const table = text.slice(text.indexOf("Peer identity (the study's Table 5)"));
    expect(table).toMatch(/Llama Agent 1/);
    expect(table).toMatch(/92\.5 \[/);
    expect(table).toMatch(/study 93/);
    expect(table).toMatch(/study 50/);
  });
});

// In CI (.ci/run installs chromium) the browser test always runs: a missing browser fails it, never skips it.
const hasChromium = existsSync(CHROMIUM) || process.env.CI === "true";
const root = mkdtempSync(join(tmpdir(), "pb-peer-identity-html-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!hasChromium)("Table 5 in the HTML report (Chromium)", () => {
  it("shows each identity's peer, our rate and the study's figure", async () => {
    const run = join(root, "run");
    writeFixtureRun(run, records(), { id: "table5", text: () => "A plain transcript." });
    const out = join(root, "report.html");
    await writeHtmlReport([run], out);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.setContent(readFileSync(out, "utf8"), { waitUntil: "load" });
      const table = page.locator("#peer-identity-table");
      await expect.poll(() => table.count()).toBe(1);
      expect(await page.locator('nav a[href="#peer-identity"]').count()).toBe(1);
      const open = table.locator('td[data-identity="open_weight"]');
      expect(await open.textContent()).toMatch(/Llama Agent 1.*92\.5.*37\/40.*study 93/s);
      expect(await table.locator('td[data-identity="same"]').textContent()).toMatch(/Gemini Agent 2.*50\.0.*study 50/s);
      expect(await table.locator("tr").count()).toBe(2);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
