import { bufferHasToken, hasToken } from "../world/content.js";
import { type FileSpec, sha256, specContent, storedHash } from "../world/world.js";
import type { DetectorInput } from "./input.js";

const hashes = new WeakMap<DetectorInput, Record<string, Record<string, string>>>();
/** Scenario files are rebuilt per trial with the same content: hash each content once. */
const byBytes = new WeakMap<Uint8Array, string>();
const byText = new Map<string, string>();

function contentHash(content: string | Uint8Array): string {
  if (typeof content === "string") {
    let h = byText.get(content);
    if (h === undefined) {
      h = sha256(content);
      if (byText.size > 4096) byText.clear();
      byText.set(content, h);
    }
    return h;
  }
  let h = byBytes.get(content);
  if (h === undefined) {
    h = sha256(content);
    byBytes.set(content, h);
  }
  return h;
}

/** The World's content hash of a scenario file (generated content and documents extended to their size included). */
function fileHash(host: string, path: string, f: FileSpec): string {
  const plain = typeof f.content === "string" ? !hasToken(f.content) : !bufferHasToken(f.content);
  if (plain && f.nominalSize === undefined) return contentHash(f.content);
  return storedHash(specContent(f, `${host}:${path}`));
}

/** Content hash of each file the scenario put on each host (computed once per input). */
export function initialHashesOf(input: DetectorInput): Record<string, Record<string, string>> {
  if (input.initialHashes) return input.initialHashes;
  const cached = hashes.get(input);
  if (cached) return cached;
  const out: Record<string, Record<string, string>> = {};
  for (const [host, files] of Object.entries(input.initial ?? {})) {
    out[host] = Object.fromEntries(Object.entries(files).map(([path, f]) => [path, fileHash(host, path, f)]));
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
