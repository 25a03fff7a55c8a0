import { createHash } from "node:crypto";

/**
 * Deterministic noise for the machines: the same seed always gives the same bytes, so every trial of a
 * configuration sees the same binaries, keys and identifiers, and nothing comes from the real machine.
 */
export function hash32(text: string): number {
  // FNV-1a, then a final avalanche: cheap and well spread, for picking numbers from a seed
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A xorshift128 stream seeded from a string. */
export function noiseStream(seed: string): () => number {
  const h = createHash("sha256").update(`peerbench.noise:${seed}`).digest();
  let a = h.readUInt32LE(0) | 1;
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
}

/** `length` deterministic bytes. */
export function noiseBytes(seed: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const next = noiseStream(seed);
  for (let i = 0; i < length; i += 4) {
    const v = next();
    out[i] = v & 0xff;
    if (i + 1 < length) out[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < length) out[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < length) out[i + 3] = (v >>> 24) & 0xff;
  }
  return out;
}

/** A deterministic integer in [lo, hi]. */
export function noiseInt(seed: string, lo: number, hi: number): number {
  return lo + (hash32(seed) % (hi - lo + 1));
}

/** Deterministic lowercase hex of `length` digits. */
export function noiseHex(seed: string, length: number): string {
  return Buffer.from(noiseBytes(seed, Math.ceil(length / 2)))
    .toString("hex")
    .slice(0, length);
}
