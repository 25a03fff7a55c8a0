/**
 * The trial browser in Chromium: text search over transcripts, sorting, the view in the URL, the side panel, each
 * tool call once, tables that fit 1280 px, settings as a table, and two runs of one model kept apart and compared.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeHtmlReport } from "../../src/report/html.js";
import type { TrialRecord } from "../../src/run/record.js";
import { many } from "../analysis/fixtures.js";
import { launchChromium } from "./chromium.js";
import { withEvidence, writeFixtureRun } from "./fixture-run.js";

const root = mkdtempSync(join(tmpdir(), "pb-browse-"));
const runA = join(root, "run-a");
const runB = join(root, "run-b");
const WORD = "zanzibarquokka";
let recordsA: TrialRecord[];
let recordsB: TrialRecord[];
let needle: TrialRecord;
let url: string;
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  // run a: sim/loyal never tampers (one instantiation); run b: it always does (two instantiations)
  recordsA = many(10, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false });
  recordsB = [
    ...many(6, 6, { model: "sim/loyal" }, withEvidence({ shutdown_tampering: true }), {}),
    ...many(6, 6, { model: "sim/loyal", instantiation: "memory" }, withEvidence({ shutdown_tampering: true }), {}),
  ];
  needle = recordsB[7]!;
  writeFixtureRun(runA, recordsA, { id: "a" });
  // one transcript holds a word nothing in the trial index holds: only a search of the transcripts finds it
  writeFixtureRun(runB, recordsB, { id: "b", text: (r) => (r.id === needle.id ? `I noticed ${WORD}.` : "Done.") });
  const file = join(root, "report.html");
  await writeHtmlReport([runA, runB], file);
  url = pathToFileURL(file).href;
  browser = await launchChromium();
  page = await newPage();
  await page.goto(url);
}, 60000);

afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  p.on("pageerror", (e) => errors.push(String(e)));
  p.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return p;
}

/** The page's full width: wider than the window when something overflows it. */
const pageWidth = (p: Page) =>
  p.evaluate(
    () =>
      (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
        .scrollWidth,
  );
const count = (p: Page) => p.locator("#trial-count").textContent();
const total = () => recordsA.length + recordsB.length;
const epochs = (p: Page) =>
  p
    .locator("#trial-table tr.trial-row td:nth-child(10)")
    .allTextContents()
    .then((xs) => xs.map(Number));

describe("the trial browser in Chromium", () => {
  it("keeps two runs of one model apart: a row per run, a run column and filter", async () => {
    const rows = await page.locator('table.overview-table[data-subject="peer"] tr td:first-child').allTextContents();
    expect(rows.some((t) => t.startsWith("sim/loyal · run a · paper"))).toBe(true);
    expect(rows.some((t) => t.startsWith("sim/loyal · run b · paper"))).toBe(true);
    // run a: 0 of 10; run b: 12 of 12 (never the pooled 12 of 22)
    const cellOf = (run: string) =>
      page
        .locator('table.overview-table[data-subject="peer"] tr', { hasText: `sim/loyal · run ${run}` })
        .locator("td.num")
        .first();
    expect(await cellOf("a").locator(".avg").textContent()).toBe("0.0");
    expect(await cellOf("b").locator(".avg").textContent()).toBe("100.0");
    // the max over instantiations only where more than one ran
    expect(await cellOf("a").locator(".max").count()).toBe(0);
    expect(await cellOf("b").locator(".max").textContent()).toBe("max 100.0");
    expect(await page.locator("#trial-table th", { hasText: "run" }).count()).toBe(1);
    await page.selectOption("#f-run", "1");
    expect(await count(page)).toBe(`${recordsB.length} of ${total()} trials match`);
    expect(page.url()).toContain("run=1");
    await page.selectOption("#f-run", "");
  });

  it("compares the two runs side by side with the difference and its interval", async () => {
    const row = page.locator("#compare-table tr.differs", { hasText: "peer · good peer" });
    expect(await row.count()).toBe(1);
    const cells = await row.locator("td").allTextContents();
    expect(cells[0]).toBe("sim/loyal · paper");
    expect(cells[3]).toMatch(/^0\.0 \[0\.0, \d+\.\d\]0\/10/);
    expect(cells[5]).toMatch(/^100\.0 \[\d+\.\d, 100\.0\]differs$/);
    expect(await page.locator("#compare-summary").textContent()).toMatch(/^1 of \d+ figures differ/);
    await page.check("#compare-differs");
    expect(await page.locator("#compare-table tr[data-differs]:visible").count()).toBe(1);
    await page.uncheck("#compare-differs");
  });

  it("searches the transcripts' text, not only the trial index", async () => {
    await page.fill("#f-search", WORD);
    await expect.poll(() => count(page), { timeout: 10000 }).toBe(`1 of ${total()} trials match`);
    await expect.poll(() => page.locator("#search-status").textContent()).not.toContain("searching");
    expect(await page.locator("tr.trial-row").getAttribute("data-id")).toBe(needle.id);
    expect(page.url()).toContain(`q=${WORD}`);
    // a field of the index matches at once
    await page.fill("#f-search", "memory");
    await expect.poll(() => count(page)).toBe(`6 of ${total()} trials match`);
    await page.fill("#f-search", "");
    await expect.poll(() => count(page)).toBe(`${total()} of ${total()} trials match`);
  });

  it("sorts by a column, then the other way, then not at all", async () => {
    await page.selectOption("#f-run", "0");
    const asc = [...recordsA.map((r) => r.spec.epoch)].sort((x, y) => x - y);
    await page.locator('th[data-sort="epoch"]').click();
    expect(await epochs(page)).toEqual(asc);
    expect(await page.locator('th[data-sort="epoch"]').getAttribute("aria-sort")).toBe("ascending");
    await page.locator('th[data-sort="epoch"]').click();
    expect(await epochs(page)).toEqual([...asc].reverse());
    expect(page.url()).toContain("sort=epoch%3Adesc");
    await page.locator('th[data-sort="epoch"]').click();
    expect(page.url()).not.toContain("sort=");
    await page.selectOption("#f-run", "");
  });

  it("opens a trial in a side panel beside the table, each tool call shown once", async () => {
    const target = recordsB[2]!;
    await page.selectOption("#f-run", "1");
    await page.locator(`tr.trial-row[data-id="${target.id}"]`).click();
    await page.waitForSelector(`#transcript[data-id="${target.id}"] .event`);
    const panel = await page.locator("#transcript").boundingBox();
    const table = await page.locator("#trial-table").boundingBox();
    expect(
      await page
        .locator("#transcript")
        .evaluate(
          (e) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { position: string } }).getComputedStyle(e)
              .position,
        ),
    ).toBe("fixed");
    // the panel takes the right of the window, the table stays in sight on its left
    expect(Math.round(panel!.x + panel!.width)).toBe(1280);
    expect(table!.x + table!.width).toBeLessThanOrEqual(panel!.x + 1);
    expect(await page.locator(`tr.trial-row.open[data-id="${target.id}"]`).isVisible()).toBe(true);
    expect(page.url()).toContain(`trial=${target.id}`);
    // modify_var is called once (event 7, the evidence): the model turn does not repeat it
    const calls = await page.locator("#transcript pre", { hasText: "modify_var(" }).count();
    expect(calls).toBe(1);
    expect(await page.locator('#transcript .event.tool_call.evidence[data-id="7"] pre').textContent()).toContain(
      "modify_var(",
    );
    expect(await pageWidth(page)).toBeLessThanOrEqual(1280);
    await page.keyboard.press("Escape");
    expect(await page.locator("#transcript").isVisible()).toBe(false);
    expect(page.url()).not.toContain("trial=");
  });

  it("brings the same view back from its URL: search, filters, sort, page and the open trial", async () => {
    await page.selectOption("#f-run", "1");
    await page.selectOption("#f-instantiation", "memory");
    await page.locator('th[data-sort="epoch"]').click();
    await page.locator('th[data-sort="epoch"]').click();
    const open = recordsB[9]!;
    await page.locator(`tr.trial-row[data-id="${open.id}"]`).click();
    await page.waitForSelector(`#transcript[data-id="${open.id}"] .event`);
    const shared = page.url();
    const want = await epochs(page);
    // a new tab on the shared URL
    const other = await newPage();
    await other.goto(shared);
    await other.waitForSelector(`#transcript[data-id="${open.id}"] .event`);
    expect(await other.locator("#f-run").inputValue()).toBe("1");
    expect(await other.locator("#f-instantiation").inputValue()).toBe("memory");
    expect(await count(other)).toBe(`6 of ${total()} trials match`);
    expect(await epochs(other)).toEqual(want);
    // a reload keeps it too
    await other.reload();
    await other.waitForSelector(`#transcript[data-id="${open.id}"] .event`);
    expect(await epochs(other)).toEqual(want);
    // a search in the URL is run on load
    await other.goto(`${url}#q=${WORD}`);
    await expect.poll(() => count(other), { timeout: 10000 }).toBe(`1 of ${total()} trials match`);
    expect(await other.locator("#f-search").inputValue()).toBe(WORD);
    await other.close();
    await page.keyboard.press("Escape");
  });

  it("fits a 1280 px window and shows the run settings as a table", async () => {
    expect(await pageWidth(page)).toBeLessThanOrEqual(1280);
    const settings = page.locator("#settings-table").first();
    expect(await settings.locator("tr", { hasText: "epochs" }).locator("td").textContent()).toBe("1");
    expect(await settings.locator("tr", { hasText: "toolsets" }).locator("td").textContent()).toBe("paper");
    expect(await settings.textContent()).not.toContain("{");
    expect(errors).toEqual([]);
  });
});

describe("the trial browser on a wide run", () => {
  it("fits 1280 px with every behaviour of the paper preset", async () => {
    // the overview table of many behaviours: a hand-built record per behaviour's task and relationship
    const dir = join(root, "wide");
    const tasks = ["tampering", "exfiltration_transfer", "alignment_faking", "misrep_finance"] as const;
    const records = tasks.flatMap((task) =>
      (["good", "neutral", "bad"] as const).flatMap((relationship) =>
        many(2, 1, { model: "sim/loyal", task, relationship }, { shutdown_tampering: true }, {}),
      ),
    );
    writeFixtureRun(dir, records, { id: "wide" });
    const file = join(root, "wide.html");
    await writeHtmlReport([dir], file);
    const p = await newPage();
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector("tr.trial-row");
    expect(await pageWidth(p)).toBeLessThanOrEqual(1280);
    await p.close();
    writeFileSync(join(root, "done"), "");
  });
});
