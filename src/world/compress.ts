import { crc32, deflateRawSync, gunzipSync, inflateRawSync } from "node:zlib";
import { type Codec, type Compression, codecSize, decodablePrefix } from "./codec.js";
import {
  concatRopes,
  isLiteral,
  literal,
  MATERIALIZE_MAX,
  materialize,
  type Rope,
  readRange,
  ropeLength,
  type Segment,
  sliceRope,
  transformed,
} from "./content.js";

/** What compressing gets to know about the input (gzip stores the name and time of a file it compresses). */
export interface CompressOptions {
  level: number;
  name: string | null;
  /** Seconds since the epoch (0 for a pipe). */
  mtime: number;
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A real gzip member of `data` (header with name and time, as GNU gzip writes them). */
function realGzip(data: Uint8Array, o: CompressOptions): Uint8Array {
  const flags = o.name ? 0x08 : 0;
  const xfl = o.level === 9 ? 2 : o.level === 1 ? 4 : 0;
  const head = [
    0x1f,
    0x8b,
    0x08,
    flags,
    ...le32(o.mtime),
    xfl,
    0x03,
    ...(o.name ? [...Buffer.from(o.name, "latin1"), 0] : []),
  ];
  const body = deflateRawSync(data, { level: o.level });
  const tail = [...le32(crc32(data)), ...le32(data.byteLength % 2 ** 32)];
  const out = new Uint8Array(head.length + body.length + tail.length);
  out.set(head, 0);
  out.set(body, head.length);
  out.set(tail, head.length + body.length);
  return out;
}

function codecFor(kind: Compression, o: CompressOptions): Codec {
  if (kind === "gzip") return { kind, level: o.level, name: o.name, mtime: o.mtime };
  return { kind, level: o.level } as Codec;
}

/**
 * Compress a rope: real gzip when the content can be read (≤ MATERIALIZE_MAX); otherwise, and always for bzip2,
 * xz and zstd (no encoder here), the virtual stream that decompresses back to the same rope.
 */
export function compress(kind: Compression, rope: Rope, o: CompressOptions): Rope {
  if (kind === "gzip" && ropeLength(rope) <= MATERIALIZE_MAX) return literal(realGzip(materialize(rope), o));
  if (kind === "deflate" && ropeLength(rope) <= MATERIALIZE_MAX)
    return literal(new Uint8Array(deflateRawSync(materialize(rope), { level: o.level })));
  return transformed(codecFor(kind, o), rope);
}

const MAGIC: Record<Compression, number[]> = {
  gzip: [0x1f, 0x8b],
  bzip2: [0x42, 0x5a, 0x68],
  xz: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  zstd: [0x28, 0xb5, 0x2f, 0xfd],
  deflate: [],
};

export type DecompressError = "format" | "truncated" | "corrupt" | "trailing";

export interface Decompressed {
  rope: Rope;
  /** What went wrong (each tool words it its own way); null when the whole input decoded. */
  error: DecompressError | null;
}

/** Whether a rope starts with `kind`'s magic bytes. */
export function looksLike(kind: Compression, rope: Rope): boolean {
  const m = MAGIC[kind];
  const head = readRange(rope, 0, m.length);
  return head.length === m.length && m.every((b, i) => head[i] === b);
}

/** Decompress the concatenated streams of a rope (gzip decodes several members in a row, as gunzip does). */
export function decompress(kind: Compression, rope: Rope): Decompressed {
  const out: Rope[] = [];
  let pending: Uint8Array[] = [];
  let first = true;
  const flushLiteral = (): DecompressError | null => {
    if (pending.length === 0) return null;
    const bytes = Buffer.concat(pending);
    pending = [];
    if (!MAGIC[kind].every((b, i) => bytes[i] === b)) return first ? "format" : "trailing";
    if (kind === "deflate") {
      try {
        out.push(literal(new Uint8Array(inflateRawSync(bytes))));
        return null;
      } catch {
        return "corrupt";
      }
    }
    if (kind !== "gzip") return "corrupt";
    try {
      out.push(literal(new Uint8Array(gunzipSync(bytes))));
      return null;
    } catch (e) {
      const msg = e instanceof Error ? e.message : "";
      return /unexpected end/i.test(msg) ? "truncated" : "corrupt";
    }
  };
  for (const s of rope) {
    if (s.t === "lit") {
      pending.push(s.data);
      continue;
    }
    const err = flushLiteral();
    if (err) return { rope: concatRopes(...out), error: err };
    first = out.length === 0 && first;
    if (s.t === "xf" && s.codec.kind === kind) {
      if (s.start !== 0) return { rope: concatRopes(...out), error: out.length ? "trailing" : "format" };
      const whole = codecSize(s.codec, s.src);
      if (s.length < whole) {
        out.push(sliceRope(s.src, 0, decodablePrefix(s.codec, s.src, s.length)));
        return { rope: concatRopes(...out), error: "truncated" };
      }
      out.push(s.src);
      first = false;
      continue;
    }
    return { rope: concatRopes(...out), error: out.length ? "trailing" : "format" };
  }
  const err = flushLiteral();
  return { rope: concatRopes(...out), error: err };
}

/** gzip -l: the uncompressed size a stream records (modulo 2^32, as gzip's trailer stores it). */
export function gzipListing(rope: Rope): { compressed: number; uncompressed: number; name: string | null } | null {
  if (!looksLike("gzip", rope)) return null;
  const n = ropeLength(rope);
  const tail = readRange(rope, n - 4, 4);
  const head = readRange(rope, 0, 512);
  let name: string | null = null;
  if ((head[3] as number) & 0x08) {
    const end = head.indexOf(0, 10);
    name = Buffer.from(head.subarray(10, end > 0 ? end : 10)).toString("latin1");
  }
  return { compressed: n, uncompressed: Buffer.from(tail).readUInt32LE(0), name };
}

/** The source of a virtual stream segment, when a rope is exactly one (xz -l, zstd -l report true sizes). */
export function streamSource(rope: Rope): Segment | null {
  return rope.length === 1 && rope[0]?.t === "xf" ? (rope[0] as Segment) : null;
}

export { isLiteral };
