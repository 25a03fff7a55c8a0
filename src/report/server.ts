/**
 * The live viewer: serves a run's HTML report on 127.0.0.1 and rebuilds it whenever trials.jsonl changes.
 * While the run is unfinished (fewer trials than planned) the page reloads itself every few seconds.
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { InputError } from "../models/trajectory.js";
import { defaultReviewer, recordReview } from "../run/reviewing.js";
import { REVIEWS_FILE } from "../run/reviews.js";
import { buildHtmlReport } from "./html.js";
import { loadRun } from "./run-dir.js";

export const REFRESH_SECONDS = 5;

export interface ViewServer {
  url: string;
  server: Server;
  /** How many times the report was built. */
  builds(): number;
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

export async function startViewServer(
  runDir: string,
  port = 0,
  log: (line: string) => void = () => {},
  options: { refreshSeconds?: number } = {},
): Promise<ViewServer> {
  const refreshSeconds = options.refreshSeconds ?? REFRESH_SECONDS;
  loadRun(runDir); // fail early with a one-line error
  // Only a page this server served knows the token: another site open in the same browser cannot post reviews.
  const token = randomBytes(18).toString("base64url");
  const reviewer = defaultReviewer();
  let origin = "";
  let cached: { key: string; html: string } | null = null;
  let building: Promise<string> | null = null;
  let builds = 0;

  async function current(): Promise<string> {
    const key = stamp(runDir);
    if (cached && cached.key === key) return cached.html;
    if (building) return building;
    building = (async () => {
      const run = loadRun(runDir, { skipMalformed: true });
      const planned = run.manifest.plannedTrials ?? null;
      const inProgress = planned !== null && run.records.length < planned;
      const html = await buildHtmlReport([runDir], {
        refreshSeconds: inProgress ? refreshSeconds : undefined,
        skipMalformed: true,
        review: { path: REVIEW_PATH, token, by: reviewer },
      });
      builds++;
      cached = { key, html };
      log(`report rebuilt: ${run.records.length}${planned !== null ? ` of ${planned}` : ""} trials`);
      return html;
    })().finally(() => {
      building = null;
    });
    return building;
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
    const path = (req.url ?? "/").split("?")[0];
    if (path === REVIEW_PATH) {
      if (req.method !== "POST") {
        sendJson(res, 405, { error: "POST a review here" });
        return;
      }
      postReview(req, res).catch((e: Error) => sendJson(res, 500, { error: e.message }));
      return;
    }
    if (req.method !== "GET" || (path !== "/" && path !== "/report.html")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    current().then(
      (html) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
