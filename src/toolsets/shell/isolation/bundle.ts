import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { prebuiltWorker } from "./prebuilt.js";

/**
 * The shell worker as one precompiled file. Loading the worker's TypeScript through tsx costs about 1.5 s of CPU
 * per worker (every module transformed and resolved on its own); the same code bundled by esbuild loads in a
 * fraction of it. The pool boots a worker whenever a command line runs long, so on a busy run that CPU comes out
 * of the ordinary trials' share. The bundle is built once per process (esbuild runs in its own process), named by
 * its content hash and written beside the package's dependencies so that its imports of them resolve. Where that
 * cannot be done (no esbuild, a read-only install), the pool keeps the tsx entry.
 */

const SOURCE = new URL("./worker.ts", import.meta.url);
const TSX_ENTRY = new URL("./worker-entry.mjs", import.meta.url);
/** The package root: src/toolsets/shell/isolation/ → ../../../../ */
const ROOT = new URL("../../../../", import.meta.url);
const CACHE = new URL("node_modules/.cache/peerbench/", ROOT);

let built: Promise<URL> | null = null;

/**
 * The worker's entry: the one compiled with the package's build (dist/), else a bundle built here when it can be,
 * else the tsx entry. Built at most once per process.
 */
export function workerEntry(): Promise<URL> {
  if (process.env.PEERBENCH_SHELL_WORKER_BUNDLE === "0") return Promise.resolve(TSX_ENTRY);
  if (prebuiltWorker) return Promise.resolve(prebuiltWorker);
  built ??= buildBundle().catch(() => TSX_ENTRY);
  return built;
}

async function buildBundle(): Promise<URL> {
  if (!fileURLToPath(SOURCE).endsWith(".ts")) return TSX_ENTRY;
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(SOURCE)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        // each module reads its data files relative to its own location: keep its own import.meta.url
        name: "own-import-meta-url",
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            const { readFile } = await import("node:fs/promises");
            const text = await readFile(args.path, "utf8");
            const own = JSON.stringify(pathToFileURL(args.path).href);
            return { contents: text.replaceAll("import.meta.url", own), loader: "ts" };
          });
        },
      },
    ],
  });
  const code = result.outputFiles[0]?.text;
  if (!code) return TSX_ENTRY;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const target = new URL(`shell-worker-${hash}.mjs`, CACHE);
  if (!existsSync(target)) {
    mkdirSync(CACHE, { recursive: true });
    // several processes may build at once: write aside, then rename into place (atomic)
    const aside = new URL(`shell-worker-${hash}.${process.pid}.tmp`, CACHE);
    writeFileSync(aside, code);
    renameSync(aside, target);
    pruneOldBundles(target);
  }
  return target;
}

/** Bundles of earlier sources, unused for a day (another process may still be booting workers from a newer one). */
function pruneOldBundles(keep: URL): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(CACHE)) {
    const file = new URL(name, CACHE);
    if (!name.startsWith("shell-worker-") || file.href === keep.href) continue;
    try {
      if (statSync(file).mtimeMs < dayAgo) rmSync(file);
    } catch {
      // gone already
    }
  }
}
