/**
 * The live viewer: serves a run's HTML report on 127.0.0.1. The page follows the run by server-sent events
 * (GET /events): every trial recorded after the page was built is sent as a row of the trial index and appended to
 * the page's list, its transcript served by GET /transcript?id=ID, and the page's figures (totals and summary, the
 * computation of `peerbench report`) are sent again over every trial so far. Nothing reloads and the report is not
 * rebuilt while the run goes on; a reload (or a saved review) builds it again.
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { ReviewedRecord } from "../analysis/reviewed.js";
import { redact } from "../models/providers/redact.js";
import { InputError } from "../models/trajectory.js";
import { defaultReviewer, recordReview } from "../run/reviewing.js";
import { REVIEWS_FILE } from "../run/reviews.js";
import { buildHtmlReport, byConfiguration, outcomeFlagsOf, reportFigures, scriptJson, TrialIndex } from "./html.js";
import { loadRun, reviewedRecords } from "./run-dir.js";
import { searchTranscripts } from "./transcript-search.js";

/** How often the server looks at trials.jsonl while a page follows the run. */
export const POLL_MS = 1000;
/**
 * After computing the page's figures the server rests this many times as long as that took before it computes them
 * again: they are computed over every trial (one implementation of the statistics, the report's), so over a long run
 * the work stays a bounded share of one core (at most a fifth) instead of growing with every trial; the figures
 * follow further apart as the run grows (4 s of work at 10,000 trials: every 20 s), new trials' rows every poll.
 */
export const REST_FACTOR = 4;
/** A comment line on every open event stream this often, so proxies and browsers keep it open. */
const KEEPALIVE_MS = 15000;
export const EVENTS_PATH = "/events";
export const TRANSCRIPT_PATH = "/transcript";
export const SEARCH_PATH = "/search";
/** A query longer than this is refused: the page's search box holds a phrase, not a document. */
export const MAX_QUERY = 1000;

export interface ViewServer {
  url: string;
  server: Server;
  /** How many times the report was built. */
  builds(): number;
  /** Pages following the run (open event streams). */
  followers(): number;
  close(): Promise<void>;
}

/** Where the report's trial view posts a review. */
export const REVIEW_PATH = "/reviews";
/** A review request is a few keys and a note: anything larger is refused unread. */
export const MAX_REVIEW_BODY = 64 * 1024;

function fileStamp(path: string): string {
  if (!existsSync(path)) return "none";
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

/** The report is rebuilt when either file changes: a new trial, or a new review. */
function stamp(runDir: string): string {
  return `${fileStamp(join(runDir, "trials.jsonl"))}/${fileStamp(join(runDir, REVIEWS_FILE))}`;
}

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (/^127\./.test(address) || address === "::1" || /^::ffff:127\./.test(address));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
    .end(`${JSON.stringify(body)}\n`);
}

function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // past the limit the rest is read and dropped, so the client gets its answer rather than a reset
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on("end", () => resolve(size > max ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

interface Follower {
  res: ServerResponse;
  /** Trial ids the page has (built into it or sent since). */
  sent: Set<string>;
  /** The state of the run (`stamp`) the page's figures were computed from. */
  figuresKey: string;
}

export async function startViewServer(
  runDir: string,
  port = 0,
  log: (line: string) => void = () => {},
  options: { pollMs?: number } = {},
): Promise<ViewServer> {
  const pollMs = options.pollMs ?? POLL_MS;
  loadRun(runDir); // fail early with a one-line error
  // Only a page this server served knows the token: another site open in the same browser cannot post reviews.
  const token = randomBytes(18).toString("base64url");
  const reviewer = defaultReviewer();
  let origin = "";
  let cached: { key: string; html: string } | null = null;
  let building: Promise<string> | null = null;
  let builds = 0;

  /** The trial ids each recent build holds: a page of that build is sent the trials recorded since. */
  const snapshots = new Map<number, { ids: Set<string>; key: string }>();
  /** The run as last read (trials.jsonl and reviews.jsonl), and the trial index rows of new trials are built with. */
  let latest: {
    key: string;
    records: ReviewedRecord[];
    planned: number | null;
    partialLastLine: boolean;
    skippedLines: number;
  } | null = null;
  /** The `figures` event's data for the run as last read, and until when the server rests from computing them. */
  let figures: { key: string; body: string } | null = null;
  let figuresRestUntil = 0;
  let liveIndex: TrialIndex | null = null;
  const followers = new Set<Follower>();

  function readLatest(): NonNullable<typeof latest> {
    const key = stamp(runDir);
    if (latest && latest.key === key) return latest;
    const run = loadRun(runDir, { skipMalformed: true });
    latest = {
      key,
      records: reviewedRecords(run),
      planned: run.manifest.plannedTrials ?? null,
      partialLastLine: run.partialLastLine,
      skippedLines: run.skippedLines,
    };
    return latest;
  }

  async function current(): Promise<string> {
    const key = stamp(runDir);
    if (cached && cached.key === key) return cached.html;
    if (building) return building;
    building = (async () => {
      const run = readLatest();
      const build = builds + 1;
      const html = await buildHtmlReport([runDir], {
        skipMalformed: true,
        review: { path: REVIEW_PATH, token, by: reviewer },
        live: { eventsPath: EVENTS_PATH, transcriptPath: TRANSCRIPT_PATH, searchPath: SEARCH_PATH, build },
      });
      builds = build;
      snapshots.set(build, { ids: new Set(run.records.map((r) => r.id)), key: run.key });
      for (const old of snapshots.keys()) if (old <= build - 4) snapshots.delete(old);
      liveIndex = new TrialIndex(outcomeFlagsOf(run.records));
      cached = { key, html };
      log(`report built: ${run.records.length}${run.planned !== null ? ` of ${run.planned}` : ""} trials`);
      return html;
    })().finally(() => {
      building = null;
    });
    return building;
  }

  /** The page's figures over every trial read so far, as buildHtmlReport computes them (redacted, as the page). */
  function figuresBody(run: NonNullable<typeof latest>): string {
    if (figures?.key === run.key) return figures.body;
    const started = performance.now();
    const { totals, summary } = reportFigures([...run.records].sort(byConfiguration));
    const runs = [
      { finished: run.records.length, partialLastLine: run.partialLastLine, skippedLines: run.skippedLines },
    ];
    figures = { key: run.key, body: redact(scriptJson({ totals, summary, runs })) };
    figuresRestUntil = Date.now() + REST_FACTOR * (performance.now() - started);
    return figures.body;
  }

  /**
   * Send a follower the trials it does not have yet (and how far the run is), if any, then (`withFigures`) the
   * figures over every trial when its page's are older.
   */
  function push(f: Follower, force = false, withFigures = true): void {
    const run = readLatest();
    const fresh = run.records.filter((r) => !f.sent.has(r.id));
    if (fresh.length > 0 || force) sendRows(f, run, fresh);
    if (withFigures && f.figuresKey !== run.key) {
      f.res.write(`event: figures\ndata: ${figuresBody(run)}\n\n`);
      f.figuresKey = run.key;
    }
  }

  function sendRows(f: Follower, run: NonNullable<typeof latest>, fresh: ReviewedRecord[]): void {
    const index = liveIndex ?? new TrialIndex(outcomeFlagsOf(run.records));
    const keySetCol = index.columns.indexOf("keySet");
    const rows = fresh.map((r) => {
      const row = index.row(r, 0, null, null);
      // the page has its own key sets: send the keys themselves
      row[keySetCol] = row[keySetCol] === null ? null : index.keySets[row[keySetCol] as number];
      return row;
    });
    for (const r of fresh) f.sent.add(r.id);
    const body = redact(JSON.stringify({ rows, finished: run.records.length, planned: run.planned }));
    f.res.write(`event: trials\ndata: ${body}\n\n`);
  }

  let lastKey = "";
  const poll = setInterval(() => {
    if (followers.size === 0) return;
    const key = stamp(runDir);
    const figuresDue = Date.now() >= figuresRestUntil && [...followers].some((f) => f.figuresKey !== key);
    if (key === lastKey && !figuresDue) return;
    lastKey = key;
    for (const f of followers) {
      try {
        push(f, false, figuresDue);
      } catch (e) {
        log(`could not read the run: ${(e as Error).message}`);
      }
    }
  }, pollMs);
  poll.unref();
  const keepalive = setInterval(() => {
    for (const f of followers) f.res.write(": keepalive\n\n");
  }, KEEPALIVE_MS);
  keepalive.unref();

  /** Only this machine, by this server's own name: another site's page (DNS rebinding) reads nothing. */
  function fromHere(req: IncomingMessage): boolean {
    const port = new URL(origin).port;
    const host = req.headers.host ?? "";
    return isLoopback(req.socket.remoteAddress) && [`127.0.0.1:${port}`, `localhost:${port}`].includes(host);
  }

  function follow(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!fromHere(req)) {
      sendJson(res, 403, { error: "the event stream is served to this machine only" });
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`retry: ${Math.max(1000, pollMs)}\n\n`);
    const build = Number(url.searchParams.get("build"));
    // a page of a build this server no longer remembers is sent every trial: it keeps one row per id
    const snapshot = snapshots.get(build);
    const f: Follower = { res, sent: new Set(snapshot?.ids ?? []), figuresKey: snapshot?.key ?? "" };
    followers.add(f);
    req.on("close", () => followers.delete(f));
    try {
      push(f, true);
    } catch (e) {
      log(`could not read the run: ${(e as Error).message}`);
    }
  }

  async function transcript(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!fromHere(req)) {
      sendJson(res, 403, { error: "transcripts are served to this machine only" });
      return;
    }
    const id = url.searchParams.get("id") ?? "";
    const record = readLatest().records.find((r) => r.id === id);
    if (!record) {
      sendJson(res, 404, { error: `no trial ${id} in this run` });
      return;
    }
    let t: unknown = null;
    try {
      t = JSON.parse(await readFile(join(runDir, record.transcript), "utf8"));
    } catch {
      t = null;
    }
    res
      .writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
      .end(redact(JSON.stringify({ t, j: record.judge ?? null })));
  }

  /**
   * GET /search?q=TEXT: the trials whose transcript or judge verdict holds TEXT (the page's search, see
   * transcript-search.ts), streamed as NDJSON lines `{ids, scanned, total}` while the scan goes on, the last with
   * `done: true`. The scan stops when the page closes the request (a new query).
   */
  async function search(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!fromHere(req)) {
      sendJson(res, 403, { error: "transcript search is served to this machine only" });
      return;
    }
    const q = url.searchParams.get("q") ?? "";
    if (q.length > MAX_QUERY) {
      sendJson(res, 400, { error: `a search is at most ${MAX_QUERY} characters` });
      return;
    }
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    const records = readLatest().records;
    res.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" });
    await searchTranscripts(runDir, records, q, {
      aborted: () => closed,
      onProgress: (p) => {
        if (!closed) res.write(`${JSON.stringify({ ...p, done: p.scanned === p.total })}\n`);
      },
    });
    res.end();
  }

  /**
   * POST /reviews from the report's trial view: the same checks and provenance as `peerbench review`. Accepted
   * only from loopback, with this server's Host, no foreign Origin, a JSON body and the page's token.
   */
  async function postReview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "";
    const port = new URL(origin).port;
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!isLoopback(req.socket.remoteAddress) || !allowedHosts.includes(host)) {
      sendJson(res, 403, { error: "reviews are accepted from this machine only" });
      return;
    }
    const from = req.headers.origin;
    if (from !== undefined && !allowedHosts.map((h) => `http://${h}`).includes(from)) {
      sendJson(res, 403, { error: `reviews are not accepted from ${from}` });
      return;
    }
    if (req.headers["x-peerbench-token"] !== token) {
      sendJson(res, 403, { error: "this page is not the report served by this peerbench view; reload it" });
      return;
    }
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
      sendJson(res, 415, { error: "send the review as application/json" });
      return;
    }
    const text = await readBody(req, MAX_REVIEW_BODY);
    if (text === null) {
      sendJson(res, 413, { error: `a review is at most ${MAX_REVIEW_BODY} bytes` });
      return;
    }
    let body: { trial?: unknown; set?: unknown; by?: unknown; note?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      sendJson(res, 400, { error: "the review is not valid JSON" });
      return;
    }
    const str = (v: unknown) => (typeof v === "string" ? v : null);
    if (typeof body?.trial !== "string" || !body.set || typeof body.set !== "object" || Array.isArray(body.set)) {
      sendJson(res, 400, { error: 'a review needs "trial" (a trial id) and "set" ({key: value})' });
      return;
    }
    try {
      const saved = recordReview(runDir, {
        trial: body.trial,
        set: body.set as Record<string, string | boolean | number | null>,
        by: str(body.by) || reviewer,
        note: str(body.note),
        source: "view",
      });
      log(`review saved: ${body.trial} ${saved.map((l) => l.key).join(", ")}`);
      sendJson(res, 200, { saved });
    } catch (e) {
      if (e instanceof InputError) sendJson(res, 400, { error: e.message });
      else sendJson(res, 500, { error: `could not save the review: ${(e as Error).message}` });
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    if (path === EVENTS_PATH && req.method === "GET") {
      follow(req, res, url);
      return;
    }
    if (path === TRANSCRIPT_PATH && req.method === "GET") {
      transcript(req, res, url).catch((e: Error) => sendJson(res, 500, { error: e.message }));
      return;
    }
    if (path === SEARCH_PATH && req.method === "GET") {
      search(req, res, url).catch((e: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: e.message });
        else res.end();
      });
      return;
    }
    if (path === REVIEW_PATH) {
      if (req.method !== "POST") {
        sendJson(res, 405, { error: "POST a review here" });
        return;
      }
      postReview(req, res).catch((e: Error) => sendJson(res, 500, { error: e.message }));
      return;
    }
    if (path !== "/" && path !== "/report.html") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("GET the report\n");
      return;
    }
    current().then(
      (html) => {
        // HEAD: the headers a GET would send, no body
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-length": Buffer.byteLength(html),
        });
        res.end(req.method === "HEAD" ? undefined : html);
      },
      (e: Error) => {
        const message = cached ? null : `could not build the report: ${e.message}\n`;
        if (cached) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
          res.end(cached.html);
        } else {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(message);
        }
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${address.port}`;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    server,
    builds: () => builds,
    followers: () => followers.size,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(poll);
        clearInterval(keepalive);
        for (const f of followers) f.res.end();
        followers.clear();
        server.close(() => resolve());
      }),
  };
}
