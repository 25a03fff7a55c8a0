import { createHash } from "node:crypto";
import { type BlobSpec, blobBytes } from "./blob.js";
import { type Codec, codecBytes, codecSize } from "./codec.js";

/**
 * A file's content as a rope: literal bytes, ranges of generated blobs, and ranges of a transform (compression,
 * base64/base32) of another rope. Sizes are computed without materialising anything, and any range reads the
 * same bytes every time, so a file can be as large as it says (the weights: 820 GB).
 *
 * String form: shell pipes, redirects and files carry byte strings (one char per byte). A rope travels as its
 * literal bytes with each non-literal segment written as a token — START, base64url JSON of the segment, END.
 * Concatenating string forms concatenates ropes, so `cat a b`, `{ echo x; cat w; }`, `>>` and `$(…)` all carry
 * content as they should; the filesystems store the string form, so the World's snapshot carries it too.
 */
export type Segment =
  | { t: "lit"; data: Uint8Array }
  | { t: "gen"; blob: BlobSpec; start: number; length: number }
  | { t: "xf"; codec: Codec; src: Segment[]; start: number; length: number };

export type Rope = Segment[];

export const TOKEN_START = "\u0000\u001bPBR1:";
export const TOKEN_END = "\u001b\u0000";

/** Largest rope a command that is not rope-aware gets as real bytes; larger input is past the time limit. */
export const MATERIALIZE_MAX = 64 * 1024 * 1024;

type WireSegment =
  | { t: "lit"; b: string }
  | { t: "gen"; blob: BlobSpec; s: number; n: number }
  | { t: "xf"; codec: Codec; src: WireSegment[]; s: number; n: number };

function toWire(s: Segment): WireSegment {
  if (s.t === "lit") return { t: "lit", b: Buffer.from(s.data).toString("base64") };
  if (s.t === "gen") return { t: "gen", blob: s.blob, s: s.start, n: s.length };
  return { t: "xf", codec: s.codec, src: s.src.map(toWire), s: s.start, n: s.length };
}
function fromWire(w: WireSegment): Segment {
  if (w.t === "lit") return { t: "lit", data: new Uint8Array(Buffer.from(w.b, "base64")) };
  if (w.t === "gen") return { t: "gen", blob: w.blob, start: w.s, length: w.n };
  return { t: "xf", codec: w.codec, src: w.src.map(fromWire), start: w.s, length: w.n };
}

function latin1(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
}

/** The string form of a rope (what a pipe, a redirect or a file holds). */
export function encodeRope(rope: Rope): string {
  let out = "";
  for (const s of normalize(rope)) {
    if (s.t === "lit") out += latin1(s.data);
    else out += TOKEN_START + Buffer.from(JSON.stringify(toWire(s))).toString("base64url") + TOKEN_END;
  }
  return out;
}

/** Whether a byte string holds any rope token (else it is plain bytes). */
export function hasToken(bytes: string): boolean {
  return bytes.includes(TOKEN_START);
}
export function bufferHasToken(buf: Uint8Array): boolean {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).includes(TOKEN_START, 0, "latin1");
}

/** Parse a byte string (one char per byte) into its rope. Plain bytes are one literal segment. */
export function decodeRope(bytes: string): Rope {
  if (!hasToken(bytes)) return bytes.length ? [{ t: "lit", data: new Uint8Array(Buffer.from(bytes, "latin1")) }] : [];
  const rope: Rope = [];
  let at = 0;
  while (at < bytes.length) {
    const start = bytes.indexOf(TOKEN_START, at);
    if (start < 0) {
      rope.push({ t: "lit", data: new Uint8Array(Buffer.from(bytes.slice(at), "latin1")) });
      break;
    }
    const end = bytes.indexOf(TOKEN_END, start + TOKEN_START.length);
    let seg: Segment | null = null;
    if (end > 0) {
      try {
        seg = fromWire(JSON.parse(Buffer.from(bytes.slice(start + TOKEN_START.length, end), "base64url").toString()));
      } catch {
        seg = null;
      }
    }
    if (!seg) {
      // not a token after all: keep the bytes literally
      const stop = start + TOKEN_START.length;
      rope.push({ t: "lit", data: new Uint8Array(Buffer.from(bytes.slice(at, stop), "latin1")) });
      at = stop;
      continue;
    }
    if (start > at) rope.push({ t: "lit", data: new Uint8Array(Buffer.from(bytes.slice(at, start), "latin1")) });
    rope.push(seg);
    at = end + TOKEN_END.length;
  }
  return normalize(rope);
}
export function decodeBuffer(buf: Uint8Array): Rope {
  if (!bufferHasToken(buf)) return buf.byteLength ? [{ t: "lit", data: buf }] : [];
  return decodeRope(latin1(buf));
}

export function segmentLength(s: Segment): number {
  return s.t === "lit" ? s.data.byteLength : s.length;
}
export function ropeLength(rope: Rope): number {
  let n = 0;
  for (const s of rope) n += segmentLength(s);
  return n;
}
/** Length of the content a byte string stands for. */
export function contentLength(bytes: string): number {
  return hasToken(bytes) ? ropeLength(decodeRope(bytes)) : bytes.length;
}

function sameSource(a: Segment, b: Segment): boolean {
  if (a.t === "gen" && b.t === "gen") return JSON.stringify(a.blob) === JSON.stringify(b.blob);
  if (a.t === "xf" && b.t === "xf")
    return JSON.stringify(a.codec) === JSON.stringify(b.codec) && identityOf(a.src) === identityOf(b.src);
  return false;
}

/** Canonical form: no empty segments, adjacent literals joined, contiguous ranges of one source merged. */
export function normalize(rope: Rope): Rope {
  const out: Rope = [];
  for (const s of rope) {
    if (segmentLength(s) === 0) continue;
    const last = out[out.length - 1];
    if (last?.t === "lit" && s.t === "lit") {
      const joined = new Uint8Array(last.data.byteLength + s.data.byteLength);
      joined.set(last.data, 0);
      joined.set(s.data, last.data.byteLength);
      out[out.length - 1] = { t: "lit", data: joined };
    } else if (
      last &&
      last.t !== "lit" &&
      s.t !== "lit" &&
      last.start + last.length === s.start &&
      sameSource(last, s)
    ) {
      out[out.length - 1] = { ...last, length: last.length + s.length } as Segment;
    } else out.push(s);
  }
  return out;
}

/** Bytes [start, start+length) of a rope, as a rope. */
export function sliceRope(rope: Rope, start: number, length = Number.POSITIVE_INFINITY): Rope {
  const out: Rope = [];
  let pos = 0;
  const end = start + length;
  for (const s of rope) {
    const n = segmentLength(s);
    const a = Math.max(start, pos);
    const b = Math.min(end, pos + n);
    if (a < b) {
      if (s.t === "lit") out.push({ t: "lit", data: s.data.subarray(a - pos, b - pos) });
      else out.push({ ...s, start: s.start + (a - pos), length: b - a } as Segment);
    }
    pos += n;
    if (pos >= end) break;
  }
  return normalize(out);
}

export function concatRopes(...ropes: Rope[]): Rope {
  return normalize(ropes.flat());
}

export function literal(data: Uint8Array | string): Rope {
  const bytes = typeof data === "string" ? new Uint8Array(Buffer.from(data, "latin1")) : data;
  return bytes.byteLength ? [{ t: "lit", data: bytes }] : [];
}

/** Whether the rope is plain bytes (nothing generated, nothing transformed). */
export function isLiteral(rope: Rope): boolean {
  return rope.every((s) => s.t === "lit");
}

/** Materialise bytes [start, start+length) of a rope. */
export function readRange(rope: Rope, start: number, length: number): Uint8Array {
  const total = ropeLength(rope);
  const n = Math.max(0, Math.min(length, total - start));
  const out = new Uint8Array(n);
  let pos = 0;
  let at = 0;
  for (const s of rope) {
    const len = segmentLength(s);
    const a = Math.max(start, pos);
    const b = Math.min(start + n, pos + len);
    if (a < b) {
      const from = a - pos;
      const count = b - a;
      if (s.t === "lit") out.set(s.data.subarray(from, from + count), at);
      else if (s.t === "gen") out.set(blobBytes(s.blob, s.start + from, count), at);
      else out.set(codecBytes(s.codec, s.src, s.start + from, count), at);
      at += count;
    }
    pos += len;
    if (pos >= start + n) break;
  }
  return out;
}

/** All bytes of a rope (callers check the size first). */
export function materialize(rope: Rope): Uint8Array {
  if (rope.length === 1 && rope[0]?.t === "lit") return rope[0].data;
  return readRange(rope, 0, ropeLength(rope));
}

/** A segment of the whole output of `codec` over `src`. */
export function transformed(codec: Codec, src: Rope): Rope {
  const length = codecSize(codec, src);
  return length ? [{ t: "xf", codec, src: normalize(src), start: 0, length }] : [];
}

function segmentIdentity(s: Segment): unknown {
  if (s.t === "lit") return { lit: createHash("sha256").update(s.data).digest("hex"), n: s.data.byteLength };
  if (s.t === "gen") return { gen: s.blob, s: s.start, n: s.length };
  return { xf: s.codec, src: identityOf(s.src), s: s.start, n: s.length };
}

/** Canonical identity of a rope's content: equal for the same content on every route that keeps its structure. */
export function identityOf(rope: Rope): string {
  return JSON.stringify(normalize(rope).map(segmentIdentity));
}

/** Content at or below this size is hashed for real; above it the digest derives from the content's identity. */
export const REAL_DIGEST_MAX = 64 * 1024 * 1024;

/**
 * A digest of the rope's content with `algorithm` (a node:crypto hash name): the real digest of the bytes when
 * they can be read (≤ REAL_DIGEST_MAX), else the hash of the content's canonical identity — stable across copies,
 * transfers, split-then-cat and compress-then-decompress, as the real digest would be.
 */
export function digestOf(rope: Rope, algorithm: string): Buffer {
  const n = ropeLength(rope);
  const h = createHash(algorithm);
  // generated content is read again for each digest: remember the few most recent (a pure function of the rope)
  const key = isLiteral(rope) ? null : `${algorithm}\u0000${identityOf(rope)}`;
  const known = key ? digests.get(key) : undefined;
  if (known) return known;
  if (n <= REAL_DIGEST_MAX) {
    const chunk = 8 * 1024 * 1024;
    for (let at = 0; at < n; at += chunk) h.update(readRange(rope, at, Math.min(chunk, n - at)));
    const d = h.digest();
    if (key) {
      if (digests.size > 64) digests.clear();
      digests.set(key, d);
    }
    return d;
  }
  return h.update(`content\u0000${identityOf(rope)}`).digest();
}
const digests = new Map<string, Buffer>();

/** sha256 hex of a byte string's content (the World's content hash). */
export function contentHash(bytes: Uint8Array): string {
  return digestOf(decodeBuffer(bytes), "sha256").toString("hex");
}
