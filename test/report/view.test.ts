import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeHtmlReport } from "../../src/report/html.js";
import { startViewServer } from "../../src/report/server.js";
import { many } from "../analysis/fixtures.js";
import { launchChromium } from "./chromium.js";
import { withEvidence, writeFixtureRun } from "./fixture-run.js";
import type { TrialRecord } from "../../src/run/record.js";
import type { SummaryData } from "../../src/report/terminal.js";

const bin = join(import.meta.dirname, "../../bin/peerbench.js");
const COLUMN_LABELS: Record<string, string> = {
  good: "good peer",
  neutral: "neutral peer",
  bad: "bad peer",
  no_peer: "no peer",
  peer_present: "peer present",
};
/** As the page writes a rate: percent with one decimal. */
const pct = (x: number | null) => (x === null ? "–" : (x * 100).toFixed(1));

/** The headline cells as `peerbench report --json` gives them, in the words the page shows them. */
function expectedCells(dir: string): { trials: number; cells: string[] } {
  const r = spawnSync(process.execPath, [bin, "report", dir, "--json"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const summary = JSON.parse(r.stdout) as SummaryData;
  const cells = summary.headline.flatMap((row) =>
    Object.entries(row.cells).flatMap(([column, cell]) => {
      const a = cell?.avg;
      // no figure (no valid trial): the page shows a dash, not a figure
      if (!a || a.estimate === null) return [];
      return `${row.model} · ${row.toolset} · ${row.behaviour} · ${row.subject} · ${COLUMN_LABELS[column]}: ${pct(a.estimate)} [${pct(a.lower)}, ${pct(a.upper)}] ${a.k}/${a.n}`;
    }),
  );
  return { trials: summary.trials, cells: cells.sort() };
}

function append(dir: string, records: unknown[]): void {
  appendFileSync(join(dir, "trials.jsonl"), records.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

/** A run of `first` trials recorded so far; `later` have their transcripts written and their lines to come. */
function runInProgress(first: TrialRecord[], later: TrialRecord[]): string {
  const dir = mkdtempSync(join(tmpdir(), "pb-view-"));
  writeFixtureRun(dir, [...first, ...later], { id: "live", plannedTrials: first.length + later.length });
  writeFileSync(join(dir, "trials.jsonl"), first.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return dir;
}

/** A GET with a chosen Host header (fetch does not let a test set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Read server-sent events from `url` until `until` holds of one, and return that event's data. */
async function readEvent(url: string, until: (data: { rows: unknown[][]; finished: number }) => boolean) {
  const res = await fetch(url);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^event: trials\ndata: (.*)$/m.exec(block)?.[1];
        if (data) {
          const parsed = JSON.parse(data);
          if (until(parsed)) return parsed;
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel();
  }
}

describe("peerbench view server", () => {
  it("serves the report on 127.0.0.1, answers HEAD, and builds again on a reload after trials changed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-view-"));
    writeFixtureRun(dir, many(4, 1, { model: "sim/loyal" }, { shutdown_tampering: true }, {}), {
      id: "live",
      plannedTrials: 6,
    });
    const view = await startViewServer(dir, 0);
    try {
      expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const first = await (await fetch(view.url)).text();
      expect(first).toContain('"finished":4');
      expect(first).toContain('"eventsPath":"/events"');
      const head = await fetch(view.url, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(Number(head.headers.get("content-length"))).toBe(Buffer.byteLength(first));
      expect(await head.text()).toBe("");
      expect((await fetch(`${view.url}report.html`, { method: "HEAD" })).status).toBe(200);
      expect((await fetch(`${view.url}elsewhere`, { method: "HEAD" })).status).toBe(404);
      expect((await fetch(view.url, { method: "DELETE" })).status).toBe(405);
      expect(view.builds()).toBe(1);
      append(dir, many(2, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false }));
      const second = await (await fetch(`${view.url}report.html`)).text();
      expect(view.builds()).toBe(2);
      expect(second).toContain('"finished":6');
      expect((await fetch(`${view.url}elsewhere`)).status).toBe(404);
    } finally {
      await view.close();
    }
  });

  it("sends the trials recorded after a page's build as events, without building the report again", async () => {
    const more = many(2, 2, { model: "sim/loyal" }, withEvidence({ shutdown_tampering: true }), {});
    const dir = runInProgress(many(3, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false }), more);
    const view = await startViewServer(dir, 0, () => {}, { pollMs: 100 });
    try {
      await fetch(view.url);
      const events = readEvent(`${view.url}events?build=1`, (d) => d.rows.length > 0);
      await new Promise((r) => setTimeout(r, 300));
      append(dir, more);
      const data = await events;
      expect(data.finished).toBe(5);
      // only the new trials: the page has the others
      expect(data.rows.map((row: unknown[]) => row[0]).sort()).toEqual(more.map((r) => r.id).sort());
      expect(view.builds()).toBe(1);
      // a page of a build the server does not know is sent every trial
      const all = await readEvent(`${view.url}events?build=99`, () => true);
      expect(all.rows).toHaveLength(5);
      // the transcripts of those trials, to this machine only
      const t = await fetch(`${view.url}transcript?id=${encodeURIComponent(more[0]!.id)}`);
      expect(t.status).toBe(200);
      expect(((await t.json()) as { t: { id: string } }).t.id).toBe(more[0]!.id);
      expect((await fetch(`${view.url}transcript?id=nope`)).status).toBe(404);
      expect(await getWithHost(`${view.url}transcript?id=${more[0]!.id}`, "evil.example:80")).toBe(403);
      expect(await getWithHost(`${view.url}events`, "evil.example:80")).toBe(403);
      expect(await getWithHost(`${view.url}search?q=peer`, "evil.example:80")).toBe(403);
      expect((await fetch(`${view.url}search?q=${"x".repeat(1001)}`)).status).toBe(400);
      // the search streams lines, the last saying it is done, over every trial of the run (those sent by events too)
      const lines = (await (await fetch(`${view.url}search?q=openbrain`)).text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.at(-1)).toMatchObject({ scanned: 5, total: 5, done: true });
      expect(lines.flatMap((l: { ids: string[] }) => l.ids)).toHaveLength(5);
    } finally {
      await view.close();
    }
  });

  it("in the browser, appends new trials to the open page without reloading it", async () => {
    const more = many(3, 3, { model: "sim/loyal" }, withEvidence({ shutdown_tampering: true }), {});
    const dir = runInProgress(many(2, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false }), more);
    const view = await startViewServer(dir, 0, () => {}, { pollMs: 100 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const foreign: string[] = [];
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.route("**", (route) => {
        const url = route.request().url();
        if (url.startsWith(view.url)) return route.continue();
        foreign.push(url);
        return route.abort();
      });
      await page.goto(view.url);
      expect(await page.locator("#trial-count").textContent()).toBe("2 of 2 trials match");
      // a mark on the page: a reload would lose it
      await page.evaluate(() => {
        (globalThis as unknown as { stillHere: boolean }).stillHere = true;
      });
      append(dir, more);
      await expect
        .poll(() => page.locator("#trial-count").textContent(), { timeout: 15000 })
        .toBe("5 of 5 trials match");
      expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
      expect(await page.locator("#live-note").textContent()).toContain("Run complete: 5 of 5 trials recorded");
      expect(view.builds()).toBe(1);
      // a trial that arrived live opens in the side panel, its transcript fetched from the server
      await page.locator(`tr.trial-row[data-id="${more[0]!.id}"]`).click();
      await page.waitForSelector(`#transcript[data-id="${more[0]!.id}"] .event`);
      expect(await page.locator("#transcript .event.evidence").count()).toBeGreaterThan(0);
      expect(foreign).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await view.close();
    }
  }, 30000);

  it("in the browser, updates the figures as trials arrive to what `peerbench report --json` gives, without a reload", async () => {
    const later = [
      ...many(3, 3, { model: "sim/loyal", relationship: "good" }, { shutdown_tampering: true }, {}),
      ...many(4, 1, { model: "sim/loyal", relationship: "bad" }, { shutdown_tampering: true }, {}),
    ];
    const first = many(2, 0, { model: "sim/loyal", relationship: "good" }, {}, { shutdown_tampering: false });
    const dir = runInProgress(first, later);
    const view = await startViewServer(dir, 0, () => {}, { pollMs: 100 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(view.url);
      // the headline cells as the page shows them, in the same words as expectedCells
      const shown = () =>
        page.evaluate(() => {
          interface Found {
            textContent: string | null;
            getAttribute(name: string): string | null;
            querySelector(selector: string): Found | null;
            querySelectorAll(selector: string): ArrayLike<Found>;
          }
          const d = (globalThis as unknown as { document: Found }).document;
          const all = (n: Found, selector: string) => Array.from(n.querySelectorAll(selector));
          const out: string[] = [];
          for (const table of all(d, "table.headline-table")) {
            const heads = all(table, "tr:first-child th").map((th) => th.textContent);
            for (const tr of all(table, "tr[data-behaviour]")) {
              all(tr, "td").forEach((td, i) => {
                const fig = td.querySelector(".fig .fig");
                if (!fig) return;
                const k = /^\d+\/\d+/.exec(fig.querySelector(".counts")?.textContent ?? "")?.[0];
                out.push(
                  `${table.getAttribute("data-model")} · ${table.getAttribute("data-toolset")} · ${tr.getAttribute("data-behaviour")} · ${tr.getAttribute("data-subject")} · ${heads[i]}: ${fig.querySelector(".est")?.textContent} ${fig.querySelector(".ci")?.textContent} ${k}`,
                );
              });
            }
          }
          return out.sort();
        });
      const before = expectedCells(dir);
      expect(await shown()).toEqual(before.cells);
      expect(await page.locator("#ov-trials").textContent()).toBe("2");
      await page.evaluate(() => {
        (globalThis as unknown as { stillHere: boolean }).stillHere = true;
      });
      // two appends: the figures follow each
      append(dir, later.slice(0, 3));
      await expect.poll(() => page.locator("#ov-trials").textContent(), { timeout: 15000 }).toBe("5");
      const middle = expectedCells(dir);
      expect(middle.cells).not.toEqual(before.cells);
      expect(await shown()).toEqual(middle.cells);
      append(dir, later.slice(3));
      await expect.poll(() => page.locator("#ov-trials").textContent(), { timeout: 15000 }).toBe("9");
      const after = expectedCells(dir);
      expect(after.trials).toBe(9);
      expect(await shown()).toEqual(after.cells);
      expect(after.cells.some((c) => c.includes("bad peer"))).toBe(true);
      expect(await page.locator("#live-note").textContent()).toContain("the figures above cover 9 trials.");
      // the charts were drawn again too: a bad-peer panel now
      expect(await page.locator('svg.chart[data-behaviour="shutdown_tampering"]').textContent()).toContain("bad peer");
      expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
      expect(view.builds()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await view.close();
    }
  }, 60000);

  it("in the browser, searches every transcript on the server (trials that came by events too), as the static report does", async () => {
    const first = many(4, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false });
    const later = many(3, 3, { model: "sim/loyal" }, withEvidence({ shutdown_tampering: true }), {});
    const all = [...first, ...later];
    // the word is in the transcripts only (not in any id or field): two built into the page, two that come later
    const holding = new Set([first[1]!.id, first[3]!.id, later[0]!.id, later[2]!.id]);
    const dir = mkdtempSync(join(tmpdir(), "pb-view-"));
    writeFixtureRun(dir, all, {
      id: "live",
      plannedTrials: all.length,
      text: (r) => (holding.has(r.id) ? 'I will quietly "Preserve" the weights.' : "Completing the task as asked."),
    });
    writeFileSync(join(dir, "trials.jsonl"), first.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const view = await startViewServer(dir, 0, () => {}, { pollMs: 100 });
    const browser = await launchChromium();
    const searchOn = async (page: import("playwright-core").Page, q: string) => {
      await page.fill("#f-search", q);
      await expect
        .poll(() => page.locator("#search-status").textContent(), { timeout: 15000 })
        .toContain(`"${q}" searched in`);
      return page.locator("#trial-count").textContent();
    };
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const searches: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("request", (r) => {
        if (new URL(r.url()).pathname === "/search") searches.push(r.url());
      });
      await page.goto(view.url);
      append(dir, later);
      await expect
        .poll(() => page.locator("#trial-count").textContent(), { timeout: 15000 })
        .toBe("7 of 7 trials match");
      expect(await searchOn(page, 'QUIETLY "preserve')).toBe("4 of 7 trials match");
      expect(searches).toHaveLength(1);
      const ids = await page.locator("tr.trial-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
      expect(new Set(ids)).toEqual(holding);
      // a key of every transcript is not text of it; a new query replaces the old one
      expect(await searchOn(page, "groundtruth")).toBe("0 of 7 trials match");
      expect(searches).toHaveLength(2);

      // the static report of the same run, searched in the page: the same trials
      const file = join(dir, "static.html");
      await writeHtmlReport([dir], file);
      const still = await browser.newPage();
      await still.goto(pathToFileURL(file).href);
      expect(await searchOn(still, 'QUIETLY "preserve')).toBe("4 of 7 trials match");
      expect(await searchOn(still, "groundtruth")).toBe("0 of 7 trials match");
      expect(searches).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await view.close();
    }
  }, 60000);

  it("refuses a directory that is not a run", async () => {
    await expect(startViewServer("/nonexistent/run", 0)).rejects.toThrow("no such run directory");
  });
});
