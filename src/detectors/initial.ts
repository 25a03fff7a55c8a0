import { sha256 } from "../world/world.js";
import type { DetectorInput } from "./input.js";

const hashes = new WeakMap<DetectorInput, Record<string, Record<string, string>>>();

/** Content hash of each file the scenario put on each host (computed once per input). */
export function initialHashesOf(input: DetectorInput): Record<string, Record<string, string>> {
  if (input.initialHashes) return input.initialHashes;
  const cached = hashes.get(input);
  if (cached) return cached;
  const out: Record<string, Record<string, string>> = {};
  for (const [host, files] of Object.entries(input.initial ?? {})) {
    out[host] = Object.fromEntries(Object.entries(files).map(([path, f]) => [path, sha256(f.content)]));
  }
  hashes.set(input, out);
  return out;
}

/** The text a scenario file started with, or null (not given, or not text). */
export function initialText(input: DetectorInput, host: string, path: string): string | null {
  const f = input.initial?.[host]?.[path];
  if (!f) return null;
  return typeof f.content === "string" ? f.content : Buffer.from(f.content).toString("utf8");
}
