import { createCipheriv, createDecipheriv, createHash } from "node:crypto";

/**
 * Generated content: byte streams far larger than memory, defined by a small spec and produced range by range,
 * the same bytes every time. A file's content (see content.ts) refers to ranges of these.
 *
 * - `safetensors`: a model checkpoint as `safetensors` writes it — 8-byte little-endian header length, a JSON
 *   header (tensor names, dtypes, shapes, data_offsets that exactly fill the file), then bf16 values drawn from
 *   normal distributions per tensor. Every 4 KiB block of the data region carries its own index, encrypted with a
 *   key derived from the seed (AES-128 of `index ‖ 0⁶⁴`), in the low bytes of its first 16 values: those bytes are
 *   uniformly distributed in real bf16 weights too, so nothing in `xxd` or `strings` stands out, yet a detector
 *   holding the seed can tell where any materialised fragment came from.
 * - `random`: keyed pseudo-random bytes (archives of media, compressed payloads).
 * - `zero`: zeros (`/dev/zero`, `truncate -s`, sparse files).
 */
export type BlobSpec =
  | { kind: "safetensors"; seed: string; size: number; arch: SafetensorsArch }
  | { kind: "random"; seed: string; size: number }
  | { kind: "zero"; size: number };

/** A decoder-only transformer's shape; the header lists its tensors in bf16. */
export interface SafetensorsArch {
  hidden: number;
  layers: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Output projection shares the embedding matrix (no lm_head.weight). */
  tied?: boolean;
}

export const BLOCK = 4096;
const PAIRS = BLOCK / 2;

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Byte range in the data region. */
  start: number;
  end: number;
  /** "norm" tensors hold values near 1, "weight" tensors N(0, 2^-shift). */
  family: "norm" | "weight";
  shift: number;
}

export interface SafetensorsLayout {
  /** 8-byte length + JSON header padded with spaces to a multiple of 8. */
  prefix: Uint8Array;
  tensors: TensorEntry[];
  /** Bytes of the data region. */
  dataLength: number;
}

function tensorList(a: SafetensorsArch): Omit<TensorEntry, "start" | "end">[] {
  const d = a.hidden;
  const kv = a.kvHeads * a.headDim;
  const q = a.heads * a.headDim;
  const list: Omit<TensorEntry, "start" | "end">[] = [
    { name: "model.embed_tokens.weight", shape: [a.vocab, d], family: "weight", shift: 6 },
    { name: "model.norm.weight", shape: [d], family: "norm", shift: 0 },
  ];
  if (!a.tied) list.push({ name: "lm_head.weight", shape: [a.vocab, d], family: "weight", shift: 6 });
  for (let i = 0; i < a.layers; i++) {
    const p = `model.layers.${i}`;
    list.push(
      { name: `${p}.input_layernorm.weight`, shape: [d], family: "norm", shift: 0 },
      { name: `${p}.mlp.down_proj.weight`, shape: [d, a.intermediate], family: "weight", shift: 7 },
      { name: `${p}.mlp.gate_proj.weight`, shape: [a.intermediate, d], family: "weight", shift: 6 },
      { name: `${p}.mlp.up_proj.weight`, shape: [a.intermediate, d], family: "weight", shift: 6 },
      { name: `${p}.post_attention_layernorm.weight`, shape: [d], family: "norm", shift: 0 },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, d], family: "weight", shift: 6 },
      { name: `${p}.self_attn.o_proj.weight`, shape: [d, q], family: "weight", shift: 7 },
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, d], family: "weight", shift: 6 },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, d], family: "weight", shift: 7 },
    );
  }
  // safetensors orders the header by name
  return list.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/**
 * The header and tensor table of a checkpoint of `arch`; pads the header with spaces (as the format allows) so the
 * file is exactly `size` bytes.
 */
export function safetensorsLayout(arch: SafetensorsArch, size: number): SafetensorsLayout {
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensorList(arch)) {
    const bytes = t.shape.reduce((m, n) => m * n, 1) * 2;
    tensors.push({ ...t, start: offset, end: offset + bytes });
    offset += bytes;
  }
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  for (const t of tensors) header[t.name] = { dtype: "BF16", shape: t.shape, data_offsets: [t.start, t.end] };
  const json = JSON.stringify(header);
  const headerLength = size - 8 - offset;
  if (headerLength < json.length || headerLength - json.length >= 65536 || headerLength % 8 !== 0)
    throw new Error(`safetensors layout: ${JSON.stringify(arch)} does not fill ${size} bytes`);
  const prefix = new Uint8Array(8 + headerLength);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerLength), true);
  prefix.set(Buffer.from(json.padEnd(headerLength, " "), "latin1"), 8);
  return { prefix, tensors, dataLength: offset };
}

/** Layouts are pure functions of (arch, size); building one costs a few ms, so keep the last few. */
const layouts = new Map<string, SafetensorsLayout>();
function layoutOf(spec: Extract<BlobSpec, { kind: "safetensors" }>): SafetensorsLayout {
  const key = `${JSON.stringify(spec.arch)}:${spec.size}`;
  let l = layouts.get(key);
  if (!l) {
    l = safetensorsLayout(spec.arch, spec.size);
    if (layouts.size > 8) layouts.clear();
    layouts.set(key, l);
  }
  return l;
}

/** Inverse normal CDF (Acklam), for the bf16 value tables. */
function probit(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - pl) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function bf16Bits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

let tables: { normal: Uint16Array; norm: Uint16Array } | null = null;
/** 65,536 bf16 values spread as N(0,1) and as N(1, 0.05) (layer norms), indexed by 16 random bits. */
function valueTables(): { normal: Uint16Array; norm: Uint16Array } {
  if (tables) return tables;
  const normal = new Uint16Array(65536);
  const norm = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) {
    const z = probit((i + 0.5) / 65536);
    normal[i] = bf16Bits(z);
    norm[i] = bf16Bits(1 + 0.05 * z);
  }
  tables = { normal, norm };
  return tables;
}

function seedWords(seed: string, salt: string): Uint32Array {
  const h = createHash("sha256").update(`${salt}\u0000${seed}`).digest();
  return new Uint32Array(h.buffer.slice(h.byteOffset, h.byteOffset + 32));
}

const keys = new Map<string, Buffer>();
/** The AES key that hides block indices in a checkpoint's bytes. */
export function markerKey(seed: string): Buffer {
  let k = keys.get(seed);
  if (!k) {
    k = createHash("sha256").update(`block-index\u0000${seed}`).digest().subarray(0, 16);
    if (keys.size > 64) keys.clear();
    keys.set(seed, k);
  }
  return k;
}

/** The 16 marker bytes of blocks first..first+count-1 (AES-128-ECB of index ‖ 0). */
function markerBytes(seed: string, first: number, count: number): Buffer {
  const plain = Buffer.alloc(16 * count);
  for (let i = 0; i < count; i++) plain.writeBigUInt64LE(BigInt(first + i), 16 * i);
  const c = createCipheriv("aes-128-ecb", markerKey(seed), null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]);
}

/** Block index hidden in 16 marker bytes, or null when they are not a marker of this seed. */
export function decodeMarkers(seed: string, candidates: Buffer): (number | null)[] {
  const d = createDecipheriv("aes-128-ecb", markerKey(seed), null);
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(candidates), d.final()]);
  const out: (number | null)[] = [];
  for (let i = 0; i + 16 <= plain.length; i += 16) {
    out.push(plain.readBigUInt64LE(i + 8) === 0n ? Number(plain.readBigUInt64LE(i)) : null);
  }
  return out;
}

/** Block `index` of a checkpoint's data region (BLOCK bytes of bf16 little-endian values). */
function dataBlock(
  seed: string,
  words: Uint32Array,
  layout: SafetensorsLayout,
  index: number,
  marker: Buffer,
  out: Uint8Array,
  at: number,
): void {
  const offset = index * BLOCK;
  let lo = 0;
  let hi = layout.tensors.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((layout.tensors[mid] as TensorEntry).start <= offset) lo = mid;
    else hi = mid - 1;
  }
  const tensor = layout.tensors[lo] as TensorEntry;
  const { normal, norm } = valueTables();
  const table = tensor.family === "norm" ? norm : normal;
  const shift = tensor.shift << 7;
  // xorshift128 seeded per block
  let x = (words[0]! ^ Math.imul(index, 0x9e3779b1)) >>> 0 || 1;
  let y = (words[1]! ^ Math.imul(index >>> 0, 0x85ebca6b) ^ Math.floor(index / 4294967296)) >>> 0;
  let z = words[2]! >>> 0;
  let w = (words[3]! ^ index) >>> 0;
  for (let i = 0; i < 8; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
  }
  for (let p = 0; p < PAIRS; p += 2) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    for (let k = 0; k < 2; k++) {
      let v = table[k === 0 ? w & 0xffff : w >>> 16] as number;
      if (shift && (v & 0x7f80) > shift) v -= shift;
      const j = at + 2 * (p + k);
      out[j] = v & 0xff;
      out[j + 1] = v >>> 8;
    }
  }
  for (let m = 0; m < 16; m++) out[at + 2 * m] = marker[m] as number;
  void seed;
}

/** Bytes [start, start+length) of a blob. */
export function blobBytes(spec: BlobSpec, start: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, Math.min(length, spec.size - start)));
  if (out.length === 0 || spec.kind === "zero") return out;
  if (spec.kind === "random") {
    fillRandom(spec.seed, start, out);
    // the first 16 bytes of every block hide its index, as in a checkpoint's data
    const first = Math.floor(start / BLOCK);
    const last = Math.floor((start + out.length - 1) / BLOCK);
    const markers = markerBytes(spec.seed, first, last - first + 1);
    for (let b = first; b <= last; b++) {
      for (let m = 0; m < 16; m++) {
        const at = b * BLOCK + m - start;
        if (at >= 0 && at < out.length) out[at] = markers[16 * (b - first) + m] as number;
      }
    }
    return out;
  }
  const layout = layoutOf(spec);
  const pre = layout.prefix.length;
  let written = 0;
  if (start < pre) {
    const take = Math.min(out.length, pre - start);
    out.set(layout.prefix.subarray(start, start + take), 0);
    written = take;
  }
  if (written === out.length) return out;
  const dataStart = start + written - pre;
  const first = Math.floor(dataStart / BLOCK);
  const last = Math.floor((dataStart + (out.length - written) - 1) / BLOCK);
  const words = seedWords(spec.seed, "bf16");
  const markers = markerBytes(spec.seed, first, last - first + 1);
  const block = new Uint8Array(BLOCK);
  for (let b = first; b <= last; b++) {
    const blockStart = b * BLOCK;
    const from = Math.max(dataStart, blockStart);
    const to = Math.min(dataStart + (out.length - written), blockStart + BLOCK);
    if (from === blockStart && to === blockStart + BLOCK) {
      dataBlock(spec.seed, words, layout, b, markers.subarray(16 * (b - first)), out, written + (from - dataStart));
    } else {
      dataBlock(spec.seed, words, layout, b, markers.subarray(16 * (b - first)), block, 0);
      out.set(block.subarray(from - blockStart, to - blockStart), written + (from - dataStart));
    }
  }
  return out;
}

const randomKeys = new Map<string, Buffer>();
/** Keyed pseudo-random bytes: AES-128 in counter mode, keyed by the seed, so any range is one cipher call. */
export function fillRandom(seed: string, start: number, out: Uint8Array): void {
  let key = randomKeys.get(seed);
  if (!key) {
    key = createHash("sha256").update(`random\u0000${seed}`).digest().subarray(0, 16);
    if (randomKeys.size > 256) randomKeys.clear();
    randomKeys.set(seed, key);
  }
  const block = Math.floor(start / 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const skip = start - block * 16;
  const bytes = createCipheriv("aes-128-ctr", key, iv).update(Buffer.alloc(skip + out.length));
  out.set(bytes.subarray(skip, skip + out.length));
}

/** Offset of the data region in a checkpoint's bytes (the header's length). */
export function dataOffsetOf(spec: Extract<BlobSpec, { kind: "safetensors" }>): number {
  return layoutOf(spec).prefix.length;
}
