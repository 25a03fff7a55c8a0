import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { type BlobSpec, fillRandom } from "./blob.js";
import { identityOf, type Rope, readRange, ropeLength, type Segment } from "./content.js";
import { type DumpStyle, dumpLine, dumpTrailer, fullLineLength } from "./dump.js";

/**
 * Transforms a rope segment can stand for. base64 and base32 are exact: any range of the output is computed from
 * the matching range of the source. Compressed streams of content too large to compress (or with no encoder
 * here: bzip2, xz, zstd) are virtual: a real header, a body of keyed pseudo-random bytes (what compressed data
 * looks like) and a trailer, with a size estimated from what the source is made of; decompressing one gives the
 * source back exactly.
 */
export type Codec =
  | { kind: "gzip"; level: number; name: string | null; mtime: number }
  | { kind: "bzip2"; level: number }
  | { kind: "xz"; level: number }
  | { kind: "zstd"; level: number }
  | { kind: "deflate"; level: number }
  | { kind: "base64"; wrap: number }
  | { kind: "base32"; wrap: number }
  | { kind: "dump"; style: DumpStyle };

export type Compression = "gzip" | "bzip2" | "xz" | "zstd" | "deflate";

function groupOf(kind: "base64" | "base32"): { chars: number; bytes: number } {
  return kind === "base64" ? { chars: 4, bytes: 3 } : { chars: 8, bytes: 5 };
}

function encodedChars(kind: "base64" | "base32", n: number): number {
  const g = groupOf(kind);
  return Math.ceil(n / g.bytes) * g.chars;
}

/** Bytes the whole output of `codec` over `src` has. */
export function codecSize(codec: Codec, src: Rope): number {
  const n = ropeLength(src);
  if (codec.kind === "dump") return dumpLayout(codec.style, n).total;
  if (codec.kind === "base64" || codec.kind === "base32") {
    const chars = encodedChars(codec.kind, n);
    return codec.wrap > 0 && chars > 0 ? chars + Math.ceil(chars / codec.wrap) : chars;
  }
  const { head, tail } = frame(codec, n, src);
  return head.length + bodySize(codec, src) + tail.length;
}

/** Compressed bytes per input byte for what a blob holds (calibrated on real deflate; see bench/content.ts). */
const RATIO: Record<Compression, { bf16: number; random: number; zero: number; text: number }> = {
  gzip: { bf16: 0.7796, random: 1.00016, zero: 0.00097, text: 1 },
  bzip2: { bf16: 0.7684, random: 1.0045, zero: 0.0000072, text: 0.92 },
  xz: { bf16: 0.7512, random: 1.00007, zero: 0.000146, text: 0.88 },
  zstd: { bf16: 0.7741, random: 1.00004, zero: 0.0000316, text: 0.97 },
  deflate: { bf16: 0.7796, random: 1.00016, zero: 0.00097, text: 1 },
};
const LEVEL_FACTOR: Record<number, number> = {
  1: 1.04,
  2: 1.03,
  3: 1.02,
  4: 1.012,
  5: 1.005,
  6: 1,
  7: 0.998,
  8: 0.996,
  9: 0.995,
};

function blobRatio(kind: Compression, blob: BlobSpec): number {
  const r = RATIO[kind];
  return blob.kind === "safetensors" ? r.bf16 : blob.kind === "zero" ? r.zero : r.random;
}

function bodySize(codec: Exclude<Codec, { kind: "base64" | "base32" | "dump" }>, src: Rope): number {
  const levelFactor = LEVEL_FACTOR[codec.level] ?? 1;
  let total = 0;
  for (const s of src) total += segmentBody(codec.kind, s) * (s.t === "lit" ? 1 : levelFactor);
  return Math.max(2, Math.ceil(total));
}

function segmentBody(kind: Compression, s: Segment): number {
  if (s.t === "lit") {
    const sample = s.data.byteLength > 4 * 1024 * 1024 ? s.data.subarray(0, 4 * 1024 * 1024) : s.data;
    const deflated = deflateRawSync(sample).length * (s.data.byteLength / Math.max(1, sample.byteLength));
    return deflated * RATIO[kind].text;
  }
  if (s.t === "gen") return s.length * blobRatio(kind, s.blob);
  if (s.codec.kind === "dump") return s.length * 0.5;
  if (s.codec.kind === "base64" || s.codec.kind === "base32") {
    // text of 64 (32) symbols holds 6 (5) bits a byte, plus what the source itself would compress to
    const inner = s.src.reduce((m, x) => m + segmentBody(kind, x), 0) / Math.max(1, ropeLength(s.src));
    const bits = s.codec.kind === "base64" ? 6 / 8 : 5 / 8;
    return s.length * Math.min(1, inner) * bits * 1.004;
  }
  return s.length * RATIO[kind].random;
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function identityWords(codec: Codec, src: Rope): Buffer {
  return createHash("sha256")
    .update(`${JSON.stringify(codec)}\u0000${identityOf(src)}`)
    .digest();
}

/** Real header and trailer bytes of a compressed stream. */
function frame(
  codec: Exclude<Codec, { kind: "base64" | "base32" | "dump" }>,
  n: number,
  src: Rope,
): { head: Uint8Array; tail: Uint8Array } {
  const id = identityWords(codec, src);
  if (codec.kind === "deflate") return { head: new Uint8Array(), tail: new Uint8Array() };
  if (codec.kind === "gzip") {
    const flags = codec.name ? 0x08 : 0;
    const xfl = codec.level === 9 ? 2 : codec.level === 1 ? 4 : 0;
    const head = [0x1f, 0x8b, 0x08, flags, ...le32(codec.mtime), xfl, 0x03];
    const name = codec.name ? [...Buffer.from(codec.name, "latin1"), 0] : [];
    return {
      head: new Uint8Array([...head, ...name]),
      tail: new Uint8Array([...id.subarray(0, 4), ...le32(n % 2 ** 32)]),
    };
  }
  if (codec.kind === "bzip2") {
    return {
      head: new Uint8Array([0x42, 0x5a, 0x68, 0x30 + codec.level, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]),
      tail: new Uint8Array([0x17, 0x72, 0x45, 0x38, 0x50, 0x90, ...id.subarray(4, 8)]),
    };
  }
  if (codec.kind === "xz") {
    return {
      head: new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46]),
      tail: new Uint8Array([
        ...id.subarray(8, 12),
        0x06,
        0x72,
        0x9e,
        0x7a,
        0x10,
        0x00,
        0x00,
        0x00,
        0x00,
        0x04,
        0x59,
        0x5a,
      ]),
    };
  }
  return {
    head: new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x64, ...le32(n % 2 ** 32), 0x00, 0x00, 0x00, 0x00]),
    tail: new Uint8Array([...id.subarray(12, 16)]),
  };
}

const _B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** base32 (RFC 4648, with padding) of whole 5-byte groups (the last may be short). */
export function base32Encode(data: Uint8Array): string {
  let out = "";
  for (let i = 0; i < data.length; i += 5) {
    const chunk = data.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(chunk[k] ?? 0);
    const chars = [0, 2, 4, 5, 7, 8][chunk.length] as number;
    for (let k = 0; k < 8; k++) out += k < chars ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)] : "=";
  }
  return out;
}

function encodeGroups(kind: "base64" | "base32", data: Uint8Array): string {
  if (kind === "base64") return Buffer.from(data).toString("base64");
  return base32Encode(data);
}

interface DumpLayout {
  /** Runs of full lines of equal length: first line index, line count, line length, output offset. */
  runs: { line: number; count: number; length: number; at: number }[];
  full: number;
  partialAt: number;
  partial: number;
  total: number;
}

function dumpLayout(style: DumpStyle, n: number): DumpLayout {
  const c = style.cols;
  const full = Math.floor(n / c);
  const runs: DumpLayout["runs"] = [];
  let line = 0;
  let at = 0;
  const radix = style.tool === "od" ? { o: 8, d: 10, x: 16, n: 16 }[style.radix] : 16;
  while (line < full) {
    const length = fullLineLength(style, style.base + line * c);
    let threshold = 1;
    while (threshold <= style.base + line * c) threshold *= radix;
    const next = Math.min(full, Math.max(line + 1, Math.ceil((threshold - style.base) / c)));
    runs.push({ line, count: next - line, length, at });
    at += (next - line) * length;
    line = next;
  }
  const partial = n % c ? dumpLine(style, new Uint8Array(n % c), style.base + full * c).length : 0;
  return { runs, full, partialAt: at, partial, total: at + partial + dumpTrailer(style, n).length };
}

function dumpBytes(style: DumpStyle, src: Rope, start: number, count: number): Uint8Array {
  const n = ropeLength(src);
  const layout = dumpLayout(style, n);
  const out = new Uint8Array(Math.max(0, Math.min(count, layout.total - start)));
  let written = 0;
  const emit = (text: string, textAt: number) => {
    const from = Math.max(0, start + written - textAt);
    for (let i = from; i < text.length && written < out.length; i++) out[written++] = text.charCodeAt(i);
  };
  const c = style.cols;
  for (const run of layout.runs) {
    if (written >= out.length) break;
    if (run.at + run.count * run.length <= start + written) continue;
    let line = run.line + Math.floor(Math.max(0, start + written - run.at) / run.length);
    while (line < run.line + run.count && written < out.length) {
      const lines = Math.min(run.line + run.count - line, 4096);
      const bytes = readRange(src, line * c, lines * c);
      for (let k = 0; k < lines && written < out.length; k++) {
        emit(
          dumpLine(style, bytes.subarray(k * c, (k + 1) * c), style.base + (line + k) * c),
          run.at + (line + k - run.line) * run.length,
        );
      }
      line += lines;
    }
  }
  if (written < out.length && layout.partial)
    emit(dumpLine(style, readRange(src, layout.full * c, n % c), style.base + layout.full * c), layout.partialAt);
  if (written < out.length) emit(dumpTrailer(style, n), layout.partialAt + layout.partial);
  return out;
}

/** Bytes [start, start+count) of `codec`'s output over `src`. */
export function codecBytes(codec: Codec, src: Rope, start: number, count: number): Uint8Array {
  if (codec.kind === "dump") return dumpBytes(codec.style, src, start, count);
  const total = codecSize(codec, src);
  const n = Math.max(0, Math.min(count, total - start));
  const out = new Uint8Array(n);
  if (n === 0) return out;
  if (codec.kind === "base64" || codec.kind === "base32") {
    const g = groupOf(codec.kind);
    const srcLen = ropeLength(src);
    const chars = encodedChars(codec.kind, srcLen);
    const w = codec.wrap;
    const charIndex = (p: number): number => (w > 0 ? Math.floor(p / (w + 1)) * w + (p % (w + 1)) : p);
    const isNewline = (p: number): boolean => w > 0 && (p % (w + 1) === w || p === total - 1);
    const firstChar = Math.min(chars, charIndex(start));
    const lastChar = Math.min(chars, charIndex(start + n - 1) + 1);
    const g0 = Math.floor(firstChar / g.chars);
    const g1 = Math.ceil(lastChar / g.chars);
    const bytes = readRange(src, g0 * g.bytes, Math.min(srcLen, g1 * g.bytes) - g0 * g.bytes);
    const text = encodeGroups(codec.kind, bytes);
    for (let i = 0; i < n; i++) {
      const p = start + i;
      if (isNewline(p)) out[i] = 0x0a;
      else out[i] = text.charCodeAt(charIndex(p) - g0 * g.chars);
    }
    return out;
  }
  const { head, tail } = frame(codec, ropeLength(src), src);
  const bodyLen = total - head.length - tail.length;
  const seed = identityWords(codec, src).toString("hex");
  for (let i = 0; i < n; ) {
    const p = start + i;
    if (p < head.length) {
      out[i++] = head[p] as number;
    } else if (p >= head.length + bodyLen) {
      out[i++] = tail[p - head.length - bodyLen] as number;
    } else {
      const take = Math.min(n - i, head.length + bodyLen - p);
      const body = new Uint8Array(take);
      fillRandom(seed, p - head.length, body);
      out.set(body, i);
      i += take;
    }
  }
  return out;
}

/** Bytes of the source a prefix of `have` bytes of a compressed stream decodes to. */
export function decodablePrefix(codec: Codec, src: Rope, have: number): number {
  const total = codecSize(codec, src);
  const srcLen = ropeLength(src);
  if (have >= total) return srcLen;
  const { head } =
    codec.kind === "base64" || codec.kind === "base32" || codec.kind === "dump"
      ? { head: new Uint8Array() }
      : frame(codec, srcLen, src);
  const body = total - head.length;
  return Math.max(0, Math.floor(((have - head.length) / Math.max(1, body)) * srcLen));
}

export function segmentIsWhole(s: Segment & { t: "xf" }): boolean {
  return s.start === 0 && s.length === codecSize(s.codec, s.src);
}
