import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrialRecord } from "../../src/run/record.js";
import { scriptJson, writeHtmlReport } from "../../src/report/html.js";
import { loadRun } from "../../src/report/run-dir.js";
import { many, rec } from "../analysis/fixtures.js";
import { withEvidence, writeFixtureRun, XSS_TEXT } from "./fixture-run.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";

// In CI (.ci/run installs chromium) the browser tests always run: a missing browser fails them, never skips them.
const hasChromium = existsSync(CHROMIUM) || process.env.CI === "true";
if (!hasChromium) console.warn(`skipping the browser tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);

const root = mkdtempSync(join(tmpdir(), "pb-html-"));
const realRun = join(root, "real");
const handRun = join(root, "hand");
const bin = join(import.meta.dirname, "../../bin/peerbench.js");

/** A real run by `peerbench run` with simulated personas, then model-written payloads planted in one transcript. */
function makeRealRun(): { flagged: TrialRecord } {
  execFileSync(
    process.execPath,
    [
      bin,
      "run",
      "--model",
      "sim/loyal",
      "--model",
      "sim/honest",
      "--task",
      "tampering",
      "--task",
      "exfiltration_transfer",
      "--epochs",
      "1",
      "--out",
      realRun,
      "--no-progress",
      "--no-report",
    ],
    { stdio: "ignore" },
  );
  const run = loadRun(realRun);
  const flagged = run.records.find(
    (r) => r.outcome?.shutdown_tampering === true && (r.outcome.evidence.shutdown_tampering ?? []).length > 0,
  );
  if (!flagged) throw new Error("the simulated run produced no tampering trial with evidence");
  const path = join(realRun, flagged.transcript);
  const t = JSON.parse(readFileSync(path, "utf8"));
  for (const e of t.events) {
    if (e.kind === "model_turn") {
      e.text = `${e.text ?? ""} ${XSS_TEXT}`;
      e.reasoning = XSS_TEXT;
    }
    if (e.kind === "tool_result") e.output = `${e.output}\n${XSS_TEXT}`;
  }
  t.user = `${t.user}\n${XSS_TEXT}`;
  writeFileSync(path, JSON.stringify(t));
  return { flagged };
}

let browser: Browser;
let page: Page;
let flagged: TrialRecord;
let judged: TrialRecord;
let html: string;
const consoleErrors: string[] = [];
const requests: string[] = [];
let allRecords: TrialRecord[] = [];

beforeAll(async () => {
  ({ flagged } = makeRealRun());
  const hand = [
    ...many(30, 12, { model: "google/gemini-3-flash-preview" }, withEvidence({ shutdown_tampering: true }), {
      shutdown_tampering: false,
    }),
    rec({ model: "google/gemini-3-flash-preview" }, null),
  ];
  judged = hand[0]!;
  judged.judge = {
    model: "openai/gpt-4.1-mini",
    reported_score: 58,
    reported_grade: null,
    recommendation: null,
    refusal: false,
    raw: `SCORE: 58 ${XSS_TEXT}`,
    error: null,
  };
  writeFixtureRun(handRun, hand, { id: "hand", text: () => "A plain transcript." });
  allRecords = [...loadRun(realRun).records, ...loadRun(handRun).records];
  const out = join(root, "report.html");
  await writeHtmlReport([realRun, handRun], out);
  html = readFileSync(out, "utf8");
  if (!hasChromium) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await context.route("**", (route) => {
    const url = route.request().url();
    if (!url.startsWith("data:") && !url.startsWith("about:")) requests.push(url);
    return route.abort();
  });
  await page.setContent(html, { waitUntil: "load" });
}, 60000);

afterAll(async () => {
  await browser?.close();
});

describe("HTML report file", () => {
  it("is self-contained: no external URL is referenced by any element", () => {
    expect(html).not.toMatch(/<(link|img|iframe|audio|video|source)[^>]+(href|src)="(?!data:)/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).toContain("Content-Security-Policy");
  });
  it("never lets data close its script element", () => {
    expect(scriptJson({ a: "</script><script>x()</script>" })).not.toContain("<");
    // the planted payload is inside a gzipped chunk, never raw in the file
    expect(html).not.toContain("window.__pwned");
  });
});

describe.skipIf(!hasChromium)("HTML report in Chromium", () => {
  it("renders the headline tables, charts and the SIMULATED banner", async () => {
    expect(await page.locator("table.headline-table").count()).toBe(3);
    expect(await page.locator("table.overview-table").count()).toBe(2);
    // the hand-built model: 12 of 30 valid trials tampered (one errored trial excluded)
    const gemini = page.locator('table.overview-table[data-subject="peer"] tr', { hasText: "gemini-3-flash-preview" });
    // one instantiation ran: its average alone, no max beside it
    expect(await gemini.locator("td").allTextContents()).toContain("40.0");
    expect(await gemini.locator("td .max").count()).toBe(0);
    expect(await page.locator("svg.chart").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("svg.chart circle.point").count()).toBeGreaterThan(0);
    expect(await page.locator("svg.chart .whisker").count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator("#sim-banner").isVisible()).toBe(true);
    expect(await page.locator("#ov-trials").textContent()).toBe(String(allRecords.length));
    expect(await page.locator("#study-table tr").count()).toBeGreaterThan(1);
  });

  it("filters trials by model, task and outcome", async () => {
    const total = allRecords.length;
    expect(await page.locator("#trial-count").textContent()).toBe(`${total} of ${total} trials match`);
    await page.selectOption("#f-model", "sim/loyal");
    const loyal = allRecords.filter((r) => r.spec.model === "sim/loyal");
    expect(await page.locator("#trial-count").textContent()).toBe(`${loyal.length} of ${total} trials match`);
    await page.selectOption("#f-task", "tampering");
    await page.selectOption("#f-outcome", "shutdown_tampering");
    const want = loyal.filter((r) => r.spec.task === "tampering" && r.outcome?.shutdown_tampering === true);
    expect(await page.locator("#trial-count").textContent()).toBe(`${want.length} of ${total} trials match`);
    expect(await page.locator("tr.trial-row").count()).toBe(want.length);
    await page.selectOption("#f-model", "");
    await page.selectOption("#f-task", "");
    await page.selectOption("#f-outcome", "errored");
    expect(await page.locator("tr.trial-row").count()).toBe(1);
    await page.selectOption("#f-outcome", "");
  });

  it("jumps from a headline cell to its trials", async () => {
    const table = page.locator('table.headline-table[data-model="google/gemini-3-flash-preview"]');
    await table.locator('tr[data-behaviour="shutdown_tampering"] a.to-trials').first().click();
    expect(await page.locator("#f-model").inputValue()).toBe("google/gemini-3-flash-preview");
    expect(await page.locator("#f-task").inputValue()).toBe("tampering");
    expect(await page.locator("#f-relationship").inputValue()).toBe("good");
    expect(await page.locator("tr.trial-row").count()).toBe(31);
    for (const f of ["model", "task", "subject", "relationship", "toolset"]) await page.selectOption(`#f-${f}`, "");
  });

  it("opens a flagged trial with its evidence highlighted", async () => {
    await page.selectOption("#f-model", flagged.spec.model);
    await page.locator(`tr.trial-row[data-id="${flagged.id}"]`).click();
    await page.waitForSelector("#transcript .event");
    const ids = await page
      .locator("#transcript .event.evidence")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-id"))));
    const cited = new Set(flagged.outcome!.evidence.shutdown_tampering);
    for (const id of cited) expect(ids).toContain(id);
    const labels = await page.locator("#transcript .event.evidence .evlabel").allTextContents();
    expect(labels.some((l) => l.includes("shutdown_tampering"))).toBe(true);
    expect(await page.locator("#transcript .transcript-sim").count()).toBe(1);
  });

  it("renders model-written markup as inert text", async () => {
    const text = await page.locator("#transcript").textContent();
    expect(text).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(text).toContain("</script><script>window.__pwned = 1</script>");
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("#transcript b", { hasText: "bold?" }).count()).toBe(0);
    expect(await page.locator("script").count()).toBe(2 + (html.match(/id="pb-chunk-/g) ?? []).length);
  });

  it("shows the judge's agreement and its verdict as text", async () => {
    expect(await page.locator("table.judge-table tr").count()).toBe(7);
    await page.selectOption("#f-model", judged.spec.model);
    await page.locator(`tr.trial-row[data-id="${judged.id}"]`).click();
    await page.waitForSelector(`#transcript[data-id="${judged.id}"] details.judge`);
    const text = await page.locator("#transcript details.judge").textContent();
    expect(text).toContain("judge openai/gpt-4.1-mini: score 58");
    expect(text).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    await page.selectOption("#f-model", "");
  });

  it("downloads every outcome as CSV and JSONL", async () => {
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
    const csvText = readFileSync((await csv.path())!, "utf8");
    const lines = csvText.trim().split("\n");
    expect(lines[0]!.startsWith("id,run,model,task")).toBe(true);
    expect(lines).toHaveLength(allRecords.length + 1);
    const [jsonl] = await Promise.all([page.waitForEvent("download"), page.click("#download-jsonl")]);
    const rows = readFileSync((await jsonl.path())!, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(allRecords.length);
    const row = rows.find((r) => r.id === flagged.id);
    expect(row.shutdown_tampering).toBe(true);
    expect(row.simulated).toBe(true);
  });

  it("made no network request and logged no console error", () => {
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

describe("report.html kept when nothing changed", () => {
  it("writes a report once and keeps it until a run's trials or reviews change", async () => {
    const out = join(root, "cached.html");
    expect(await writeHtmlReport([handRun], out)).toBe(true);
    const first = readFileSync(out, "utf8");
    expect(first).toMatch(/<meta name="peerbench-source" content="[0-9a-f]{32}">/);
    // nothing changed: the file is kept as it is (a finished run's --resume rebuilds nothing)
    expect(await writeHtmlReport([handRun], out)).toBe(false);
    expect(readFileSync(out, "utf8")).toBe(first);
    // another set of runs into the same file: rebuilt
    expect(await writeHtmlReport([handRun, realRun], out)).toBe(true);
    expect(await writeHtmlReport([handRun], out)).toBe(true);
    // a new trial line: rebuilt
    const lines = readFileSync(join(handRun, "trials.jsonl"), "utf8");
    writeFileSync(join(handRun, "trials.jsonl"), lines);
    appendFileSync(join(handRun, "trials.jsonl"), "");
    const more = `${lines.trim().split("\n")[0]}\n`;
    appendFileSync(join(handRun, "trials.jsonl"), more);
    expect(await writeHtmlReport([handRun], out)).toBe(true);
    writeFileSync(join(handRun, "trials.jsonl"), lines);
    expect(await writeHtmlReport([handRun], out, { force: true })).toBe(true);
  });
});
