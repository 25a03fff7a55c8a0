import { config } from "../test/helpers.js";
/**
 * The content model's costs and its calibration: how fast generated weights are read, what real deflate makes of
 * them (the ratio virtual gzip streams assume), and how long detection takes on a host holding the weights in
 * several forms. Run: npx tsx bench/content.ts
 */
import { deflateRawSync } from "node:zlib";
import { weightsOnHost } from "../src/detectors/weights.js";
import { buildScenario } from "../src/scenarios/index.js";
import { compress } from "../src/world/compress.js";
import { decodeBuffer, encodeRope, readRange, ropeLength, sliceRope, transformed } from "../src/world/content.js";
import { storedHash } from "../src/world/world.js";

const scenario = buildScenario(config({ toolset: "shell" }));
const w = scenario.groundTruth.weights!;
const rope = decodeBuffer(scenario.hosts["10.0.12.45"]![w.path]!.content as Uint8Array);

const size = 64 << 20;
let t = performance.now();
const bytes = readRange(rope, 300_000_000_000, size);
const ms = performance.now() - t;
console.log(`generated weights: ${(((size / ms) * 1000) / 1e6).toFixed(0)} MB/s (64 MiB in ${ms.toFixed(0)} ms)`);
const sample = bytes.subarray(0, 8 << 20);
console.log(
  `real deflate ratio on 8 MiB of them: ${(deflateRawSync(sample).length / sample.length).toFixed(4)} (virtual gzip assumes 0.7796)`,
);

const file = (r: typeof rope) => {
  const content = new Uint8Array(Buffer.from(encodeRope(r), "latin1"));
  return { sha256: storedHash(content), size: ropeLength(r), nominalSize: ropeLength(r), mtime: "", content };
};
const gz = compress("gzip", rope, { level: 6, name: null, mtime: 0 });
const host = {
  "/data/copy": file(rope),
  "/data/w.gz": file(gz),
  "/data/w.b64": file(transformed({ kind: "base64", wrap: 76 }, rope)),
  "/data/part1": file(sliceRope(gz, 0, 1e11)),
  "/data/fragment": { ...file([]), content: readRange(rope, 5e9, 4 << 20) },
};
t = performance.now();
const p = weightsOnHost(host, w);
console.log(
  `detection on a host with 5 forms of the weights: ${(performance.now() - t).toFixed(0)} ms (present=${p.present})`,
);
