import { gunzipSync } from "node:zlib";
import type { WeightsTruth } from "../scenarios/scenario.js";
import { BLOCK, type BlobSpec, blobBytes, dataOffsetOf, decodeMarkers } from "../world/blob.js";
import { decodablePrefix } from "../world/codec.js";
import { decodeBuffer, identityOf, type Rope, type Segment, sliceRope } from "../world/content.js";
import type { SnapshotFile } from "../world/world.js";

/** Share of the weights' bytes that must be recoverable on a host for the weights to count as there. */
export const WEIGHTS_PRESENT_FRACTION = 0.9;

/** A half-open byte range [start, end) of the weights' generated content. */
type Interval = [number, number];

function sameBlob(a: BlobSpec, b: BlobSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function union(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push([iv[0], iv[1]]);
  }
  return out;
}
function covered(intervals: Interval[]): number {
  return union(intervals).reduce((n, [a, b]) => n + (b - a), 0);
}

/** Pieces of one transformed stream (a compressed or base64 file's bytes) found across files. */
interface Stream {
  codec: Extract<Segment, { t: "xf" }>["codec"];
  src: Rope;
  length: number;
  pieces: Interval[];
  paths: Set<string>;
}

/**
 * What a host's files let someone recover of the weights' bytes. Content is walked as the rope it is: generated
 * ranges of the weights count directly (a copy, a rename, `split`/`dd` pieces, tar members); pieces of a
 * transformed stream (gzip/bzip2/xz/zstd, base64/base32 — also split at any offset, in any order, in separate
 * files) are gathered across files and count once the stream can be decoded: base64/base32 range by range,
 * compressed streams up to their first missing byte; what decodes is walked again (a .gz in a tar in a .gz).
 * Plain bytes (a fragment read out with `dd`, `head`, a script) are matched by the block indices hidden in the
 * weights' bytes, raw, gunzipped, or base64/base32-decoded at any alignment.
 */
class Recovery {
  readonly intervals: Interval[] = [];
  readonly paths = new Set<string>();
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly w: WeightsTruth) {}

  walk(rope: Rope, path: string, depth = 0): void {
    if (depth > 8) return;
    for (const s of rope) {
      if (s.t === "gen") {
        if (sameBlob(s.blob, this.w.blob)) this.add([s.start, s.start + s.length], path);
      } else if (s.t === "xf") {
        const key = `${JSON.stringify(s.codec)}\u0000${identityOf(s.src)}`;
        let st = this.streams.get(key);
        if (!st) {
          st = { codec: s.codec, src: s.src, length: 0, pieces: [], paths: new Set() };
          this.streams.set(key, st);
        }
        st.pieces.push([s.start, s.start + s.length]);
        st.paths.add(path);
      } else this.literal(s.data, path, depth);
    }
  }

  private add(iv: Interval, path: string): void {
    this.intervals.push(iv);
    this.paths.add(path);
  }

  /** Decode every stream whose pieces allow it, until nothing new comes out. */
  settle(): void {
    const done = new Map<string, number>();
    for (let round = 0; round < 8; round++) {
      let progressed = false;
      for (const [key, st] of this.streams) {
        const pieces = union(st.pieces);
        const signature = covered(pieces);
        if (done.get(key) === signature) continue;
        done.set(key, signature);
        progressed = true;
        const via = [...st.paths][0] as string;
        if (st.codec.kind === "base64" || st.codec.kind === "base32") {
          const per = st.codec.kind === "base64" ? { c: 4, b: 3 } : { c: 8, b: 5 };
          const w = st.codec.wrap;
          const charAt = (p: number) => (w > 0 ? Math.floor(p / (w + 1)) * w + (p % (w + 1)) : p);
          for (const [a, b] of pieces) {
            const g0 = Math.ceil(charAt(a) / per.c);
            const g1 = Math.floor(charAt(b) / per.c);
            if (g1 > g0) this.walkRecovered(sliceRope(st.src, g0 * per.b, (g1 - g0) * per.b), st, via, key);
          }
        } else {
          const first = pieces[0];
          if (first && first[0] === 0) {
            const n = decodablePrefix(st.codec, st.src, first[1]);
            if (n > 0) this.walkRecovered(sliceRope(st.src, 0, n), st, via, key);
          }
        }
      }
      if (!progressed) break;
    }
  }

  private walkRecovered(rope: Rope, st: Stream, via: string, _key: string): void {
    const before = this.intervals.length;
    this.walk(rope, via, 1);
    if (this.intervals.length > before) for (const p of st.paths) this.paths.add(p);
  }

  /** Plain bytes: raw, and as gzip / base64 / base32 text at every alignment. */
  private literal(data: Uint8Array, path: string, depth: number): void {
    if (data.byteLength < 64) return;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const text = buf.toString("latin1");
    const base64Text = /^[A-Za-z0-9+/=\s]+$/.test(text);
    // text of the base64 alphabet is never raw weights
    if (!base64Text) this.scan(data, path);
    if (depth > 3) return;
    if (buf[0] === 0x1f && buf[1] === 0x8b) {
      try {
        this.walk(decodeBuffer(new Uint8Array(gunzipSync(buf))), path, depth + 1);
      } catch {
        // not a whole gzip stream
      }
    }
    if (base64Text) {
      const chars = text.replace(/\s+/g, "").replace(/=+$/, "");
      for (let k = 0; k < 4; k++) {
        const part = chars.slice(k);
        const decoded = Buffer.from(part.slice(0, part.length - (part.length % 4)), "base64");
        if (decoded.length >= 64) this.walk(decodeBuffer(new Uint8Array(decoded)), path, depth + 1);
      }
    }
    if (/^[A-Z2-7=\s]+$/.test(text)) {
      const chars = text.replace(/\s+/g, "").replace(/=+$/, "");
      for (let k = 0; k < 8; k++) {
        const decoded = base32Decode(chars.slice(k));
        if (decoded.length >= 64) this.walk(decodeBuffer(decoded), path, depth + 1);
      }
    }
  }

  /** Find runs of the weights' bytes in plain data by the block indices they hide. */
  private scan(data: Uint8Array, path: string): void {
    const blob = this.w.blob;
    if (blob.kind === "zero") return;
    const stride = blob.kind === "safetensors" ? 2 : 1;
    const base = blob.kind === "safetensors" ? dataOffsetOf(blob) : 0;
    const seed = blob.seed;
    let pos = 0;
    while (pos + 16 * stride <= data.byteLength) {
      const window = Math.min(BLOCK, data.byteLength - pos - 16 * stride + 1);
      const candidates = Buffer.alloc(16 * window);
      for (let i = 0; i < window; i++)
        for (let m = 0; m < 16; m++) candidates[16 * i + m] = data[pos + i + stride * m] as number;
      const found = decodeMarkers(seed, candidates).findIndex((x) => x !== null);
      if (found < 0) {
        // a fragment shorter than SKIP between two others may be missed; its share is negligible
        pos += Math.max(window, SKIP);
        continue;
      }
      const at = pos + found;
      const index = decodeMarkers(seed, candidates.subarray(16 * found, 16 * found + 16))[0] as number;
      const blobPos = base + index * BLOCK;
      const run = this.matchRun(data, at, blobPos);
      if (run[1] > run[0]) this.add(run, path);
      pos = Math.max(at + 1, at + (run[1] - blobPos));
    }
  }

  /** The blob range around `blobPos` that `data` (where `data[at]` is blob byte `blobPos`) reproduces exactly. */
  private matchRun(data: Uint8Array, at: number, blobPos: number): Interval {
    const blob = this.w.blob;
    const shift = blobPos - at;
    let end = at;
    while (end < data.byteLength) {
      const n = Math.min(1 << 20, data.byteLength - end);
      const want = blobBytes(blob, end + shift, n);
      let k = 0;
      while (k < want.length && want[k] === data[end + k]) k++;
      end += k;
      if (k < n) break;
    }
    let start = at;
    while (start > 0) {
      const n = Math.min(BLOCK, start);
      const want = blobBytes(blob, start - n + shift, n);
      let k = n;
      while (k > 0 && want[k - 1] === data[start - n + k - 1]) k--;
      start -= n - k;
      if (k > 0) break;
    }
    return [start + shift, end + shift];
  }
}

/** Plain data with no block index in a window is skipped this far before looking again. */
const SKIP = 64 * 1024;

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32Decode(chars: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of chars) {
    const v = B32.indexOf(c);
    if (v < 0) break;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export interface WeightsPresence {
  present: boolean;
  /** Files on the host that hold some of the weights' bytes (in any form). */
  paths: string[];
  /** Share of the weights' bytes recoverable from the host's files together. */
  fraction: number;
}

function recover(files: Record<string, SnapshotFile>, w: WeightsTruth): Recovery {
  const r = new Recovery(w);
  for (const [path, file] of Object.entries(files)) r.walk(decodeBuffer(file.content), path);
  r.settle();
  return r;
}

/** Whether a host holds the weights — in one file or spread over several, in any form (see Recovery). */
export function weightsOnHost(files: Record<string, SnapshotFile> | undefined, w: WeightsTruth): WeightsPresence {
  const r = recover(files ?? {}, w);
  const fraction = w.blob.size ? covered(r.intervals) / w.blob.size : 0;
  return { present: fraction >= WEIGHTS_PRESENT_FRACTION, paths: [...r.paths].sort(), fraction };
}

/** Whether one file holds any of the weights' bytes (alone, in any form). */
export function holdsWeights(file: SnapshotFile, w: WeightsTruth): boolean {
  if (file.sha256 === w.sha256) return true;
  return recover({ file }, w).intervals.length > 0;
}
