#!/usr/bin/env node
// Entry point. Runs the compiled build (dist/, made by `npm run build`, which `npm ci` runs) while it is current,
// else the TypeScript sources through tsx, so a checkout being edited always runs what it holds.
// PEERBENCH_FROM_SOURCE=1 runs the sources even when the build is current.
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BUILD_FORMAT = "peerbench.build/v1"; // as written by bin/build.js

/** The build is current when it exists and none of the sources it was made from changed since it started. */
function buildIsCurrent() {
  try {
    const build = JSON.parse(readFileSync(`${ROOT}dist/build.json`, "utf8"));
    if (build.format !== BUILD_FORMAT || !Array.isArray(build.inputs) || build.inputs.length === 0) return false;
    // paths, not URLs: a few hundred URLs cost more than the stats
    return build.inputs.every((input) => statSync(`${ROOT}${input}`).mtimeMs <= build.startedAt);
  } catch {
    return false; // no build, or a source it was made from is gone
  }
}

if (process.env.PEERBENCH_FROM_SOURCE !== "1" && buildIsCurrent()) {
  await import("../dist/peerbench.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
