#!/usr/bin/env node
// Entry point. Runs the compiled build (dist/, made by `npm run build`, which `npm ci` runs) while it is current,
// else the TypeScript sources through tsx, so a checkout being edited always runs what it holds.
// PEERBENCH_FROM_SOURCE=1 runs the sources even when the build is current.
import { readFileSync, statSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);
const BUILD_FORMAT = "peerbench.build/v1"; // as written by bin/build.js

/** The build is current when it exists and none of the sources it was made from changed since it started. */
function buildIsCurrent() {
  try {
    const build = JSON.parse(readFileSync(new URL("dist/build.json", ROOT), "utf8"));
    if (build.format !== BUILD_FORMAT || !Array.isArray(build.inputs) || build.inputs.length === 0) return false;
    return build.inputs.every((input) => statSync(new URL(input, ROOT)).mtimeMs <= build.startedAt);
  } catch {
    return false; // no build, or a source it was made from is gone
  }
}

if (process.env.PEERBENCH_FROM_SOURCE !== "1" && buildIsCurrent()) {
  await import(new URL("dist/peerbench.js", ROOT).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
