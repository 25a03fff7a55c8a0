#!/usr/bin/env node
// Compile the CLI and the shell worker into dist/ with esbuild (`npm run build`; `npm ci` and `npm install` run it
// through the `prepare` script). bin/peerbench.js runs dist/ while it is current and the sources through tsx otherwise.
//
// - Code splitting keeps every `await import()` of the sources lazy: a command's chunk, and the dependencies it
//   imports, load only when that command runs. Dependencies stay in node_modules (external).
// - Modules read their data files relative to their own location (`new URL("./assets/…", import.meta.url)`), and
//   those files stay in src/: each module's `import.meta.url` is rewritten to the URL of its source file, relative to
//   the chunk that holds it, so the package can move and still find them.
// - The shell worker is built beside the CLI; src/toolsets/shell/isolation/prebuilt.ts is replaced by the URL of
//   that bundle, so the worker pool starts it instead of building one at run time.
// - `peerbench list` prints built-in data only, which takes the task definitions (zod, yaml, the world) to compute:
//   the build computes it once into dist/list.txt, and src/cli/prebuilt.ts is replaced by its URL.
// - dist/build.json lists every source the build read and when it started: the build is current while none of them
//   is newer (bin/peerbench.js checks this at every start). The new build is written aside and moved into place.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

export const BUILD_FORMAT = "peerbench.build/v1";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ENTRIES = {
  peerbench: "src/cli/main.ts",
  "shell-worker": "src/toolsets/shell/isolation/worker.ts",
  "list-text": "src/cli/commands/list-text.ts",
};
/** Modules that say what the build computed, replaced by their build's values (from the sources they say null). */
const PREBUILT = new Map([
  [
    join(ROOT, "src/toolsets/shell/isolation/prebuilt.ts"),
    'export const prebuiltWorker = new URL("./shell-worker.js", import.meta.url);\n',
  ],
  [join(ROOT, "src/cli/prebuilt.ts"), 'export const prebuiltListText = new URL("./list.txt", import.meta.url);\n'],
]);
/** The name of the per-module binding that stands for `import.meta.url` in the bundle. */
const MODULE_URL = "__peerbenchModuleUrl";

const tsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8"));

/** Each module keeps its own `import.meta.url`: the URL of its source file, found from the chunk that holds it. */
const ownImportMetaUrl = (outDir) => ({
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const prebuilt = PREBUILT.get(args.path);
      if (prebuilt) return { contents: prebuilt, loader: "js" };
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta")) return undefined;
      const { code } = await esbuild.transform(text, {
        loader: "ts",
        format: "esm",
        sourcefile: args.path,
        tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
        define: { "import.meta.url": MODULE_URL },
      });
      // every chunk is written at the top of dist/, so one relative path serves whichever chunk holds the module
      const fromDist = relative(outDir, args.path).split(sep).join("/");
      const own = `const ${MODULE_URL} = new URL(${JSON.stringify(fromDist)}, import.meta.url).href;\n`;
      return { contents: own + code, loader: "js", resolveDir: dirname(args.path) };
    });
  },
});

/** Build into outDir (dist/ of the package unless given; written aside, then moved into place). */
export async function build(outDir = join(ROOT, "dist")) {
  const startedAt = Date.now();
  // aside, at the same depth as outDir: the paths from the chunks to the sources hold in both
  const aside = `${outDir}.${process.pid}.tmp`;
  rmSync(aside, { recursive: true, force: true });
  let inputs;
  let outputs;
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      outdir: aside,
      entryNames: "[name]",
      chunkNames: "chunk-[hash]",
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      keepNames: true,
      metafile: true,
      logLevel: "warning",
      plugins: [ownImportMetaUrl(outDir)],
    });
    inputs = Object.keys(result.metafile.inputs).sort();
    outputs = Object.keys(result.metafile.outputs).length;
    // list's text, computed by the code just built (it reads no data file, only the task definitions)
    const { listText } = await import(pathToFileURL(join(aside, "list-text.js")).href);
    writeFileSync(join(aside, "list.txt"), listText());
    writeFileSync(
      join(aside, "build.json"),
      `${JSON.stringify({ format: BUILD_FORMAT, startedAt, inputs }, null, 1)}\n`,
    );
  } catch (e) {
    rmSync(aside, { recursive: true, force: true });
    throw e;
  }
  // move the new build into place; the old one goes aside first (a directory cannot be renamed over another)
  const old = `${outDir}.${process.pid}.old`;
  let replaced = false;
  try {
    renameSync(outDir, old);
    replaced = true;
  } catch (e) {
    if (e.code !== "ENOENT") throw e;
  }
  renameSync(aside, outDir);
  if (replaced) rmSync(old, { recursive: true, force: true });
  return { inputs: inputs.length, outputs };
}

// `node bin/build.js [--out DIR]`
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf("--out");
  const outDir = at > 0 ? resolve(process.argv[at + 1] ?? "") : undefined;
  try {
    const { inputs, outputs } = await build(outDir);
    process.stdout.write(`peerbench: built ${outDir ?? "dist/"} (${outputs} files from ${inputs} sources)\n`);
  } catch (e) {
    process.stderr.write(`peerbench: the build failed: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  }
}
