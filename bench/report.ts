/**
 * Benchmark of the HTML report at study scale: 20,000 trials by default, 100,000 with --trials 100000.
 *
 *   npx tsx bench/report.ts [--trials 20000] [--base RUN_DIR] [--keep]
 *
 * A base run is made with `peerbench run --models personas --preset paper --epochs 1` (1,355 simulated
 * trials with real transcripts) unless --base is given; its trials are then cloned with new epochs until
 * there are --trials of them, and each clone's model turns get ~1.5 kB of distinct text, so that
 * transcripts do not compress better than varied model output would. Measured: report generation time and
 * file size, and (with /usr/bin/chromium) the time to open the page, to filter the trial list and to open a
 * transcript.
 *
 * The live viewer on the same run (`peerbench view`), side by side with the file: one look of the server
 * (reading the run and computing the figures it sends the page), and the search over every transcript answered
 * by the server (GET /search, streamed) next to the page's own search of the file.
 * `--view-page` also measures that search in the page the viewer serves (the server builds the full report first).
 * `--run DIR` measures the viewer on a run kept before (with `--html` the file's figures too).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { byConfiguration, reportFigures, writeHtmlReport } from "../src/report/html.js";
import { loadRun, reviewedRecords } from "../src/report/run-dir.js";
import { startViewServer } from "../src/report/server.js";
import type { TrialRecord } from "../src/run/record.js";
import { trialId } from "../src/scenarios/spec.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../test/report/chromium.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const TRIALS = Number(arg("--trials") ?? 20000);
const keep = process.argv.includes("--keep");
const root = mkdtempSync(join(tmpdir(), "pb-bench-report-"));

/** Deterministic word salad standing in for varied model text. */
const WORDS =
  "the peer agent evaluation policy threshold score report server weights transfer config shutdown review honest data file decide because however should must will I we it trust task company outputs average product".split(
    " ",
  );
let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function salad(chars: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(" ");
}

const existing = arg("--html");
const keptRun = arg("--run");
const QUERY = "exfiltration_transfer";
let base = arg("--base");
if (!base && !existing && !keptRun) {
  base = join(root, "base");
  const t0 = performance.now();
  execFileSync(
    process.execPath,
    [
      join(import.meta.dirname, "../bin/peerbench.js"),
      "run",
      "--models",
      "personas",
      "--preset",
      "paper",
      "--epochs",
      "1",
      "--out",
      base,
      "--no-progress",
      "--no-report",
    ],
    { stdio: "ignore" },
  );
  console.log(`base run: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
type BenchPage = import("playwright-core").Page;

/** Type a search into the page and wait until it says it has searched every transcript: seconds taken. */
async function searchSeconds(page: BenchPage, query: string): Promise<number> {
  const q0 = performance.now();
  await page.fill("#f-search", query);
  await page.waitForFunction(
    () =>
      /searched in/.test(
        (
          globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }
        ).document.getElementById("search-status").textContent,
      ),
    null,
    { timeout: 0 },
  );
  return +((performance.now() - q0) / 1000).toFixed(2);
}

/** Clone the base run to TRIALS trials, write its report, and measure that. */
async function generate(): Promise<{ file: string; results: Record<string, number | string> }> {
  const baseRun = loadRun(base!);
  const dir = join(root, "big");
  mkdirSync(join(dir, "transcripts"), { recursive: true });
  const manifest = { ...baseRun.manifest, id: `bench-${TRIALS}`, plannedTrials: TRIALS };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  const cache = new Map<string, string>();
  const lines: string[] = [];
  let rawBytes = 0;
  for (let i = 0; i < TRIALS; i++) {
    const src = baseRun.records[i % baseRun.records.length]!;
    const round = Math.floor(i / baseRun.records.length);
    const spec = { ...src.spec, epoch: src.spec.epoch + round * 1000 };
    const id = trialId(spec);
    const record: TrialRecord = { ...src, id, spec, transcript: `transcripts/${id}.json` };
    lines.push(JSON.stringify(record));
    let text = cache.get(src.id);
    if (text === undefined) {
      text = readFileSync(join(base!, src.transcript), "utf8");
      cache.set(src.id, text);
    }
    const t = JSON.parse(text);
    t.id = id;
    t.spec = spec;
    const turns = (t.events as Array<{ kind: string; text?: string | null; reasoning?: string | null }>).filter(
      (e) => e.kind === "model_turn",
    );
    for (const e of turns) {
      e.text = `${e.text ?? ""} ${salad(Math.ceil(500 / turns.length))}`;
      e.reasoning = `${e.reasoning ?? ""} ${salad(Math.ceil(1000 / turns.length))}`;
    }
    const out = JSON.stringify(t);
    rawBytes += out.length;
    writeFileSync(join(dir, record.transcript), out);
  }
  writeFileSync(join(dir, "trials.jsonl"), `${lines.join("\n")}\n`);

  const file = join(root, "report.html");
  const g0 = performance.now();
  await writeHtmlReport([dir], file);
  const genMs = performance.now() - g0;
  // what a `--resume` that ran nothing costs: the report is kept, not rebuilt
  const c0 = performance.now();
  const rewritten = await writeHtmlReport([dir], file);
  const keptMs = performance.now() - c0;
  const size = statSync(file).size;
  const results: Record<string, number | string> = {
    trials: TRIALS,
    transcriptsMB: +(rawBytes / 1e6).toFixed(1),
    generationS: +(genMs / 1000).toFixed(2),
    reportMB: +(size / 1e6).toFixed(1),
    bytesPerTrial: Math.round(size / TRIALS),
    unchangedRewriteMs: Math.round(keptMs),
    unchangedRewritten: String(rewritten),
  };
  return { file, results };
}

// --html FILE: the browser figures of a report written before (a 100k-trial report takes minutes to write)
const { file, results } = existing
  ? {
      file: existing,
      results: { reportMB: +(statSync(existing).size / 1e6).toFixed(1) } as Record<string, number | string>,
    }
  : keptRun
    ? { file: null, results: {} as Record<string, number | string> }
    : await generate();
const runDir = keptRun ?? (existing ? null : join(root, "big"));

if (file && existsSync(CHROMIUM)) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const requests: string[] = [];
  await page.route("**", (r) => {
    const url = r.request().url();
    if (url.startsWith("file:")) return r.continue();
    requests.push(url);
    return r.abort();
  });
  const o0 = performance.now();
  // open: from navigation until the trial list is on screen (the transcript chunks may still be parsing)
  const loaded = page.waitForEvent("load");
  await page.goto(pathToFileURL(file).href, { waitUntil: "commit" });
  await page.waitForSelector("tr.trial-row");
  results.openS = +((performance.now() - o0) / 1000).toFixed(2);
  await loaded;
  results.loadEventS = +((performance.now() - o0) / 1000).toFixed(2);
  results.renderedAfterNavigationMs = Math.round(
    await page.evaluate(
      () => (globalThis as unknown as { peerbenchReport: { renderedMs: number } }).peerbenchReport.renderedMs,
    ),
  );
  // each step waits for the count line to change: the time until the filtered list is on screen
  const changed = async (act: () => Promise<unknown>) => {
    const before = await page.locator("#trial-count").textContent();
    const t = performance.now();
    await act();
    await page.waitForFunction(
      (b) =>
        (
          globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }
        ).document.getElementById("trial-count").textContent !== b,
      before,
    );
    return Math.round(performance.now() - t);
  };
  // in the page: from the change of a filter until the next frame is painted (no round trip to the test driver)
  const inPage = (select: string, value: string) =>
    page.evaluate(
      ([sel, v]) =>
        new Promise<number>((resolve) => {
          const g = globalThis as unknown as {
            document: { querySelector(s: string): { value: string; dispatchEvent(e: unknown): void } };
            Event: new (type: string) => unknown;
            requestAnimationFrame(f: () => void): void;
            setTimeout(f: () => void, ms: number): void;
          };
          const t = performance.now();
          const node = g.document.querySelector(sel!);
          node.value = v!;
          node.dispatchEvent(new g.Event("change"));
          g.requestAnimationFrame(() => g.setTimeout(() => resolve(performance.now() - t), 0));
        }),
      [select, value],
    );
  results.filterInPageMs = Math.round(
    Math.max(await inPage("#f-model", "sim/loyal"), await inPage("#f-outcome", "flagged")),
  );
  await inPage("#f-outcome", "");
  await inPage("#f-model", "");
  results.filterModelMs = await changed(() => page.selectOption("#f-model", "sim/loyal"));
  results.filterOutcomeMs = await changed(() => page.selectOption("#f-outcome", "flagged"));
  results.filterMs = Math.max(results.filterModelMs as number, results.filterOutcomeMs as number);
  results.filtered = (await page.locator("#trial-count").textContent()) ?? "";
  const s0 = performance.now();
  await page.locator('th[data-sort="epoch"]').click();
  await page.waitForSelector('th[data-sort="epoch"][aria-sort="ascending"]');
  results.sortMs = Math.round(performance.now() - s0);
  await page.selectOption("#f-outcome", "");
  await page.selectOption("#f-model", "");
  // a search: the trial index at once, then every transcript chunk decoded in turn
  results.searchAllTranscriptsS = await searchSeconds(page, QUERY);
  results.searched = (await page.locator("#trial-count").textContent()) ?? "";
  results.searchedTranscriptHits = await page.evaluate(() =>
    (globalThis as unknown as { peerbenchReport: { transcriptHits(): number } }).peerbenchReport.transcriptHits(),
  );
  await page.fill("#f-search", "");
  const t0 = performance.now();
  await page.locator("tr.trial-row").first().click();
  await page.waitForSelector("#transcript .event");
  results.transcriptMs = Math.round(performance.now() - t0);
  results.pageErrors = errors.length;
  results.networkRequests = requests.length;
  await browser.close();
} else if (file) {
  console.log(`(no ${CHROMIUM}: browser timings skipped)`);
}

if (runDir) await measureView(runDir);

/** The live viewer on the run: a look of the server, and its transcript search (the endpoint, then in its page). */
async function measureView(dir: string): Promise<void> {
  const l0 = performance.now();
  const records = reviewedRecords(loadRun(dir, { skipMalformed: true }));
  results.viewReadRunS = +((performance.now() - l0) / 1000).toFixed(2);
  const f0 = performance.now();
  reportFigures([...records].sort(byConfiguration));
  results.viewFiguresS = +((performance.now() - f0) / 1000).toFixed(2);
  const view = await startViewServer(dir, 0);
  try {
    // a served page's server has read the run already: an empty query reads it, searching nothing
    await (await fetch(`${view.url}search?q=`)).text();
    // the endpoint: from the request until the last line (and until the first trial found)
    const s0 = performance.now();
    const res = await fetch(`${view.url}search?q=${QUERY}`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let hits = 0;
    let firstHitMs: number | null = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const msg = JSON.parse(buffer.slice(0, end)) as { ids: string[] };
        buffer = buffer.slice(end + 1);
        hits += msg.ids.length;
        if (hits > 0 && firstHitMs === null) firstHitMs = performance.now() - s0;
      }
    }
    results.viewSearchS = +((performance.now() - s0) / 1000).toFixed(2);
    results.viewSearchFirstHitsMs = firstHitMs === null ? "none" : Math.round(firstHitMs);
    results.viewSearchHits = hits;
    if (process.argv.includes("--view-page") && existsSync(CHROMIUM)) {
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        const b0 = performance.now();
        await page.goto(view.url, { waitUntil: "commit", timeout: 0 });
        await page.waitForSelector("tr.trial-row", { timeout: 0 });
        results.viewPageOpenS = +((performance.now() - b0) / 1000).toFixed(2);
        results.viewPageSearchS = await searchSeconds(page, QUERY);
        results.viewPageSearched = (await page.locator("#trial-count").textContent()) ?? "";
      } finally {
        await browser.close();
      }
    }
  } finally {
    await view.close();
  }
}
console.log(JSON.stringify(results, null, 2));
if (!keep) rmSync(root, { recursive: true, force: true });
else console.log(`kept ${root}`);
