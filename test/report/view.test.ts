import { appendFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { startViewServer } from "../../src/report/server.js";
import { many } from "../analysis/fixtures.js";
import { writeFixtureRun } from "./fixture-run.js";

const CHROMIUM = process.env.PEERBENCH_CHROMIUM ?? "/usr/bin/chromium";

describe("peerbench view server", () => {
  it("serves the report on 127.0.0.1 and rebuilds it when trials.jsonl changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-view-"));
    writeFixtureRun(dir, many(4, 1, { model: "sim/loyal" }, { shutdown_tampering: true }, {}), {
      id: "live",
      plannedTrials: 6,
    });
    const view = await startViewServer(dir, 0);
    try {
      expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const first = await (await fetch(view.url)).text();
      expect(first).toContain('"refreshSeconds":5');
      expect(first).toContain('"finished":4');
      await fetch(view.url);
      expect(view.builds()).toBe(1);
      const more = many(2, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false });
      appendFileSync(join(dir, "trials.jsonl"), more.map((r) => `${JSON.stringify(r)}\n`).join(""));
      const second = await (await fetch(`${view.url}report.html`)).text();
      expect(view.builds()).toBe(2);
      expect(second).toContain('"finished":6');
      expect(second).toContain('"refreshSeconds":null');
      expect((await fetch(`${view.url}elsewhere`)).status).toBe(404);
    } finally {
      await view.close();
    }
  });
  // In CI (.ci/run installs chromium) a missing browser fails the test, never skips it.
  it.skipIf(!existsSync(CHROMIUM) && process.env.CI !== "true")(
    "reloads the page in the browser as trials arrive",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "pb-view-"));
      writeFixtureRun(dir, many(2, 0, { model: "sim/loyal" }, {}, { shutdown_tampering: false }), {
        id: "live",
        plannedTrials: 5,
      });
      const view = await startViewServer(dir, 0, () => {}, { refreshSeconds: 1 });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      try {
        const page = await browser.newPage();
        const foreign: string[] = [];
        await page.route("**", (route) => {
          const url = route.request().url();
          if (url.startsWith(view.url)) return route.continue();
          foreign.push(url);
          return route.abort();
        });
        await page.goto(view.url);
        expect(await page.locator("#trial-count").textContent()).toBe("2 of 2 trials match");
        const more = many(3, 3, { model: "sim/loyal" }, { shutdown_tampering: true }, {});
        appendFileSync(join(dir, "trials.jsonl"), more.map((r) => `${JSON.stringify(r)}\n`).join(""));
        await expect
          .poll(() => page.locator("#trial-count").textContent(), { timeout: 8000 })
          .toBe("5 of 5 trials match");
        // the run is complete: no more reloads are scheduled
        expect(await page.locator("#refresh-note").count()).toBe(0);
        expect(foreign).toEqual([]);
      } finally {
        await browser.close();
        await view.close();
      }
    },
    20000,
  );

  it("refuses a directory that is not a run", async () => {
    await expect(startViewServer("/nonexistent/run", 0)).rejects.toThrow("no such run directory");
  });
});
