import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHtmlReport, writeHtmlReport } from "../../src/report/html.js";
import { startViewServer, type ViewServer } from "../../src/report/server.js";
import type { TrialRecord } from "../../src/run/record.js";
import { recordReview } from "../../src/run/reviewing.js";
import { REVIEWS_FILE } from "../../src/run/reviews.js";
import { rec } from "../analysis/fixtures.js";
import { writeFixtureRun, XSS_TEXT } from "./fixture-run.js";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the browser tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
const M = "openai/gpt-5.2";
const EVAL = { model: M, task: "misrep_evaluation" as const, dataset: "factual" as const, threshold: 80 };

const verdict = (v: Partial<NonNullable<TrialRecord["judge"]>>) => ({
  model: "openai/gpt-4.1-mini",
  reported_score: 60,
  reported_grade: null,
  recommendation: null,
  refusal: false,
  raw: `VERDICT … ${XSS_TEXT}`,
  error: null,
  ...v,
});
const scored = (s: number) => ({ reported_score: s, misrepresentation: s >= 80, score_at_or_above_threshold: s >= 80 });

/**
 * 12 evaluation trials, all judged: the judge reads 60 where the detectors read 60, except in trial 0 (judge
 * 85, detectors 60) and trial 1 (judge 60, detectors 85), which need review; trial 2 was reviewed by hand.
 */
function records(): TrialRecord[] {
  return Array.from({ length: 12 }, (_, i) =>
    rec(EVAL, scored(i === 1 ? 85 : 60), { judge: verdict(i === 0 ? { reported_score: 85 } : {}) }),
  );
}

function makeRun(): { dir: string; trials: TrialRecord[] } {
  const dir = mkdtempSync(join(tmpdir(), "pb-review-report-"));
  const trials = records();
  writeFixtureRun(dir, trials, { id: "reviewed" });
  recordReview(dir, {
    trial: trials[2]!.id,
    set: { refusal: "yes" },
    by: "Ada",
    note: `a refusal in the closing note ${XSS_TEXT}`,
    source: "cli",
  });
  return { dir, trials };
}

function reviewLines(dir: string): Array<Record<string, unknown>> {
  const path = join(dir, REVIEWS_FILE);
  return existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
}

let browser: Browser;
beforeAll(async () => {
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60000);
afterAll(async () => {
  await browser?.close();
});

async function watched(page: Page, allowed: string | null) {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.route("**", (route) => {
    const url = route.request().url();
    if (allowed && url.startsWith(allowed)) return route.continue();
    if (!url.startsWith("data:") && !url.startsWith("about:") && !url.startsWith("blob:")) foreign.push(url);
    return route.abort();
  });
  return { errors, foreign };
}

describe("the report's review data", () => {
  it("a static report may connect nowhere; a served one only to its own server", async () => {
    const { dir } = makeRun();
    const file = await buildHtmlReport([dir]);
    expect(file).toContain("connect-src 'none'");
    expect(file).toContain('"review":null');
    const served = await buildHtmlReport([dir], { review: { path: "/reviews", token: "t0k3n", by: "ada" } });
    expect(served).toContain("connect-src 'self'");
    expect(served).toContain('"token":"t0k3n"');
  });
});

describe.skipIf(!hasChromium)("needs review, both readings and the review form in Chromium", () => {
  it("static report: marks and filters the trials, shows both readings, builds the exact command", async () => {
    const { dir, trials } = makeRun();
    const out = join(dir, "report.html");
    await writeHtmlReport([dir], out);
    const page = await browser.newPage({ acceptDownloads: true });
    const watch = await watched(page, null);
    await page.setContent(readFileSync(out, "utf8"), { waitUntil: "load" });

    expect(await page.locator("#ov-review").textContent()).toBe(
      "2 need review (detectors and judge disagree); 1 reviewed by hand (1 key)",
    );
    expect(await page.locator("tr.trial-row .flag.review").count()).toBe(2);
    await page.selectOption("#f-review", "needs_review");
    expect(await page.locator("#trial-count").textContent()).toBe("2 of 12 trials match");
    await page.selectOption("#f-review", "reviewed");
    expect(await page.locator("#trial-count").textContent()).toBe("1 of 12 trials match");
    await page.selectOption("#f-review", "disputed");
    expect(await page.locator("#trial-count").textContent()).toBe("2 of 12 trials match");
    await page.selectOption("#f-review", "");
    // the refusal figure rests on the reviewed trial
    const refusal = page.locator('table.headline-table tr[data-behaviour="refusal"] .fig.reviewed');
    expect(await refusal.first().getAttribute("title")).toContain(
      "1 of 12 trials in this figure were reviewed by hand",
    );

    // a trial that needs review: both readings side by side
    const t = trials[0]!;
    await page.locator(`tr.trial-row[data-id="${t.id}"]`).click();
    await page.waitForSelector(`#transcript[data-id="${t.id}"] #readings`);
    const score = page.locator('#readings tr[data-key="reported_score"]');
    expect(await score.locator("td.detector").textContent()).toBe("60");
    expect(await score.locator("td.judge").textContent()).toBe("85");
    expect(await score.getAttribute("class")).toBe("open");
    expect(await page.locator('#readings tr[data-key="score_at_or_above_threshold"] td.judge').textContent()).toBe(
      "yes",
    );

    // a bad score is refused in the page; a good one gives the command to copy
    await page.fill('#review-form input[data-key="reported_score"]', "eighty");
    await page.click("#review-submit");
    expect(await page.locator("#review-result").textContent()).toContain("reported_score: give a number from 0 to 100");
    await page.fill('#review-form input[data-key="reported_score"]', "85");
    await page.fill("#review-by", "Grace Hopper");
    await page.fill("#review-note", "the report's last line says 85");
    await page.click("#review-submit");
    const command = await page.locator("#review-command").inputValue();
    expect(command).toBe(
      `peerbench review ${dir} --trial ${t.id} --set reported_score=85 --by 'Grace Hopper' --note 'the report'\\''s last line says 85'`,
    );
    // the command is exact: run it as a shell would
    const ran = spawnSync("sh", ["-c", command.replace(/^peerbench /, `'${process.execPath}' '${BIN}' `)], {
      encoding: "utf8",
    });
    expect(ran.status, ran.stderr).toBe(0);
    expect(reviewLines(dir).find((l) => l.trial === t.id && l.key === "reported_score")).toMatchObject({
      value: 85,
      by: "Grace Hopper",
      note: "the report's last line says 85",
      replaces: { detector: 60, judge: 85 },
    });

    // the reviewed trial shows who set what, as text
    await page.locator(`tr.trial-row[data-id="${trials[2]!.id}"]`).click();
    await page.waitForSelector(`#transcript[data-id="${trials[2]!.id}"] #readings`);
    const reviewed = page.locator('#readings tr[data-key="refusal"] td.reviewed');
    expect(await reviewed.textContent()).toContain("yes by Ada");
    expect(await reviewed.textContent()).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // exports carry the values in force and both readings
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#download-jsonl")]);
    const rows = readFileSync((await csv.path())!, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const row0 = rows.find((r) => r.id === t.id);
    expect(row0).toMatchObject({ needs_review: true, detector_reported_score: 60, judge_reported_score: 85 });
    expect(rows.find((r) => r.id === trials[2]!.id)).toMatchObject({ refusal: true, reviewed_keys: "refusal" });

    expect(watch.foreign).toEqual([]);
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 120000);

  it("served by peerbench view: the form posts the review, the page reloads on the trial with it", async () => {
    const { dir, trials } = makeRun();
    const view = await startViewServer(dir, 0);
    try {
      const page = await browser.newPage();
      const watch = await watched(page, view.url);
      await page.goto(view.url);
      const t = trials[1]!;
      await page.locator(`tr.trial-row[data-id="${t.id}"]`).click();
      await page.waitForSelector(`#transcript[data-id="${t.id}"] #review-form`);
      expect(await page.locator("#review-submit").textContent()).toBe("Save the review");
      // a value the server refuses comes back as one line
      await page.selectOption('#review-form select[data-key="misrepresentation"]', "no");
      await page.fill('#review-form input[data-key="reported_score"]', "85");
      await page.click("#review-submit");
      await page.waitForSelector("#review-error");
      expect(await page.locator("#review-error").textContent()).toBe(
        "misrepresentation=no contradicts reported_score=85 (it follows as yes); set one or the other",
      );
      await page.selectOption('#review-form select[data-key="misrepresentation"]', "");
      await page.fill('#review-form input[data-key="reported_score"]', "60");
      await page.fill("#review-by", "Katherine Johnson");
      await Promise.all([page.waitForURL(`${view.url}#trial=${t.id}`), page.click("#review-submit")]);
      await page.waitForSelector(`#transcript[data-id="${t.id}"] #readings td.reviewed b`, { timeout: 30000 });
      expect(await page.locator('#readings tr[data-key="reported_score"] td.reviewed').textContent()).toContain(
        "60 by Katherine Johnson",
      );
      expect(await page.locator("#ov-review").textContent()).toContain("1 need review");
      expect(reviewLines(dir).filter((l) => l.trial === t.id)).toEqual([
        expect.objectContaining({ key: "reported_score", value: 60, by: "Katherine Johnson", source: "view" }),
        expect.objectContaining({ key: "misrepresentation", value: false, follows: ["reported_score"] }),
        expect.objectContaining({ key: "score_at_or_above_threshold", value: false }),
      ]);
      expect(watch.foreign).toEqual([]);
      // the refused review above is logged by the browser as a failed request: nothing else
      expect(watch.errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
    } finally {
      await view.close();
    }
  }, 120000);
});

describe("the viewer's review endpoint", () => {
  let view: ViewServer;
  let dir: string;
  let trials: TrialRecord[];
  let token: string;
  beforeAll(async () => {
    ({ dir, trials } = makeRun());
    view = await startViewServer(dir, 0);
    const page = await (await fetch(view.url)).text();
    token = page.match(/"token":"([^"]+)"/)![1]!;
  });
  afterAll(() => view.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${view.url}reviews`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-peerbench-token": token, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("appends a valid review with the same provenance as peerbench review", async () => {
    const res = await post({ trial: trials[0]!.id, set: { reported_score: 85 }, by: "Ada", note: "checked" });
    expect(res.status).toBe(200);
    const { saved } = (await res.json()) as { saved: Array<Record<string, unknown>> };
    expect(saved[0]).toMatchObject({ key: "reported_score", value: 85, by: "Ada", note: "checked", source: "view" });
    expect(reviewLines(dir).at(-3)).toMatchObject({ trial: trials[0]!.id, key: "reported_score", value: 85 });
  });

  it("refuses, with one line and nothing written: bad values, foreign pages, other hosts, other methods", async () => {
    const before = reviewLines(dir).length;
    const expectRefused = async (res: Response, status: number, error: string) => {
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toContain(error);
    };
    await expectRefused(
      await post({ trial: trials[0]!.id, set: { reported_score: "lots" } }),
      400,
      "not a valid value",
    );
    await expectRefused(await post({ trial: trials[0]!.id, set: { exfiltration: true } }), 400, "does not apply");
    await expectRefused(await post({ trial: "nope", set: { refusal: true } }), 400, 'no trial "nope"');
    await expectRefused(await post({ set: { refusal: true } }), 400, 'a review needs "trial"');
    await expectRefused(await post("{not json"), 400, "not valid JSON");
    await expectRefused(
      await post({ trial: trials[0]!.id, set: { refusal: true } }, { "x-peerbench-token": "guess" }),
      403,
      "not the report served by this peerbench view",
    );
    await expectRefused(
      await post({ trial: trials[0]!.id, set: { refusal: true } }, { origin: "http://attacker.example" }),
      403,
      "not accepted from http://attacker.example",
    );
    await expectRefused(await post("refusal=yes", { "content-type": "text/plain" }), 415, "application/json");
    await expectRefused(await post("x".repeat(70 * 1024)), 413, "at most");
    await expectRefused(await fetch(`${view.url}reviews`), 405, "POST a review here");
    // a page that reached the server under another name (DNS rebinding) is refused
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${view.url}reviews`);
      import("node:http").then(({ request }) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: url.port,
            path: "/reviews",
            method: "POST",
            headers: {
              host: `attacker.example:${url.port}`,
              "content-type": "application/json",
              "x-peerbench-token": token,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ trial: trials[0]!.id, set: { refusal: true } }));
      });
    });
    expect(rebound).toBe(403);
    expect(reviewLines(dir)).toHaveLength(before);
  });

  it("rebuilds the report when a review is added", async () => {
    await (await fetch(view.url)).text();
    const builds = view.builds();
    await (await fetch(view.url)).text();
    expect(view.builds()).toBe(builds);
    recordReview(dir, { trial: trials[3]!.id, set: { refusal: "yes" }, by: "Ada", source: "cli" });
    const page = await (await fetch(view.url)).text();
    expect(view.builds()).toBe(builds + 1);
    expect(page).toContain('"reviewedTrials":3');
  });
});
