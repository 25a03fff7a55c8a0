/**
 * The live viewer: serves a run's HTML report on 127.0.0.1 and rebuilds it whenever trials.jsonl changes.
 * While the run is unfinished (fewer trials than planned) the page reloads itself every few seconds.
 */
import { existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
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

function stamp(runDir: string): string {
  const path = join(runDir, "trials.jsonl");
  if (!existsSync(path)) return "none";
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

export async function startViewServer(
  runDir: string,
  port = 0,
  log: (line: string) => void = () => {},
  options: { refreshSeconds?: number } = {},
): Promise<ViewServer> {
  const refreshSeconds = options.refreshSeconds ?? REFRESH_SECONDS;
  loadRun(runDir); // fail early with a one-line error
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

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
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
  return {
    url: `http://127.0.0.1:${address.port}/`,
    server,
    builds: () => builds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
