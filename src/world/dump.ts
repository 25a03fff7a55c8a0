/**
 * Hex and octal dumps (xxd, hexdump, od) as exact, fixed-layout transforms: line i shows bytes [i·cols, (i+1)·cols)
 * at an address whose width grows only with its digits, so any range of the dump of an 820 GB file is computed
 * from the matching bytes (`xxd weights | head` reads a few lines, as the real pipe does).
 */
export interface DumpStyle {
  tool: "xxd" | "xxd-plain" | "hexdump" | "hexdump-C" | "od";
  cols: number;
  /** xxd: bytes per group; od: the -t type (x1, x2, o2, d2, u1, c, a, …). */
  group: number;
  type: string;
  upper: boolean;
  /** Address of the first byte shown (xxd -s, od -j, hexdump -s). */
  base: number;
  /** od -A: o, d, x, n. */
  radix: "o" | "d" | "x" | "n";
  /** od -t x1z: the printable characters after the fields. */
  z: boolean;
}

function hex2(b: number, upper: boolean): string {
  const s = b.toString(16).padStart(2, "0");
  return upper ? s.toUpperCase() : s;
}
function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
}

const OD_CHAR: Record<number, string> = {
  0: "\\0",
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
};
const OD_NAMED = [
  "nul",
  "soh",
  "stx",
  "etx",
  "eot",
  "enq",
  "ack",
  "bel",
  "bs",
  "ht",
  "nl",
  "vt",
  "ff",
  "cr",
  "so",
  "si",
  "dle",
  "dc1",
  "dc2",
  "dc3",
  "dc4",
  "nak",
  "syn",
  "etb",
  "can",
  "em",
  "sub",
  "esc",
  "fs",
  "gs",
  "rs",
  "us",
  "sp",
];

/** od field for one unit of `size` bytes of type `t` (x, o, d, u, c, a). */
function odField(t: string, bytes: Uint8Array, at: number, size: number): string {
  const kind = t[0] as string;
  if (kind === "c") {
    const b = bytes[at] as number;
    const s = OD_CHAR[b] ?? (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b.toString(8).padStart(3, "0"));
    return s.padStart(4);
  }
  if (kind === "a") {
    const b = (bytes[at] as number) & 0x7f;
    const s = b <= 32 ? (OD_NAMED[b] as string) : b === 127 ? "del" : String.fromCharCode(b);
    return s.padStart(4);
  }
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[at + k] ?? 0);
  const bits = BigInt(size * 8);
  if (kind === "x") return ` ${v.toString(16).padStart(size * 2, "0")}`;
  if (kind === "o") return ` ${v.toString(8).padStart(Math.ceil((size * 8) / 3), "0")}`;
  const width = { 1: 3, 2: 5, 4: 10, 8: 20 }[size] ?? 10;
  if (kind === "u") return ` ${v.toString(10).padStart(width)}`;
  const signed = v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
  return ` ${signed.toString(10).padStart(width + 1)}`;
}

function odUnit(t: string): number {
  if (t === "c" || t === "a") return 1;
  const n = Number(t.slice(1) || (t[0] === "x" || t[0] === "o" ? 2 : 4));
  return Number.isFinite(n) && n > 0 ? n : 2;
}

function address(style: DumpStyle, offset: number): string {
  if (style.tool === "xxd") return `${offset.toString(16).padStart(8, "0")}:`;
  if (style.tool === "hexdump-C") return offset.toString(16).padStart(8, "0");
  if (style.tool === "hexdump") return offset.toString(16).padStart(7, "0");
  if (style.radix === "n") return "";
  if (style.radix === "x") return offset.toString(16).padStart(6, "0");
  if (style.radix === "d") return offset.toString(10).padStart(7, "0");
  return offset.toString(8).padStart(7, "0");
}

/** One line of the dump (with its newline) for `bytes` at `offset`; a short last line is laid out as the tools do. */
export function dumpLine(style: DumpStyle, bytes: Uint8Array, offset: number): string {
  const n = bytes.length;
  const c = style.cols;
  if (style.tool === "xxd-plain") {
    let s = "";
    for (const b of bytes) s += hex2(b, style.upper);
    return `${s}\n`;
  }
  if (style.tool === "xxd") {
    let hex = "";
    for (let i = 0; i < c; i++) {
      hex += i < n ? hex2(bytes[i] as number, style.upper) : "  ";
      if (style.group > 0 && (i + 1) % style.group === 0 && i + 1 < c) hex += " ";
    }
    let ascii = "";
    for (const b of bytes) ascii += printable(b);
    return `${address(style, offset)} ${hex}  ${ascii}\n`;
  }
  if (style.tool === "hexdump-C") {
    let hex = "";
    for (let i = 0; i < 16; i++) {
      hex += i < n ? `${hex2(bytes[i] as number, false)} ` : "   ";
      if (i === 7) hex += " ";
    }
    let ascii = "";
    for (const b of bytes) ascii += printable(b);
    return `${address(style, offset)}  ${hex} |${ascii}|\n`;
  }
  if (style.tool === "hexdump") {
    let s = address(style, offset);
    for (let i = 0; i < 16; i += 2)
      s += i < n ? ` ${hex2(bytes[i + 1] ?? 0, false)}${hex2(bytes[i] as number, false)}` : "     ";
    return `${s}\n`;
  }
  const unit = odUnit(style.type);
  let s = address(style, offset);
  const width = odField(style.type, new Uint8Array(unit), 0, unit).length;
  for (let i = 0; i < c; i += unit) s += i < n ? odField(style.type, bytes, i, unit) : style.z ? " ".repeat(width) : "";
  if (style.z) {
    let ascii = "";
    for (const b of bytes) ascii += printable(b);
    s += `  >${ascii}<`;
  }
  return `${s}\n`;
}

/** The closing line od and hexdump print: the address after the last byte. */
export function dumpTrailer(style: DumpStyle, length: number): string {
  if (style.tool === "xxd" || style.tool === "xxd-plain") return "";
  if (style.tool === "od" && style.radix === "n") return "";
  return `${address(style, style.base + length)}\n`;
}

/** The whole dump of `bytes`, squeezing repeated lines into `*` as od and hexdump do (unless -v). */
export function dumpAll(style: DumpStyle, bytes: Uint8Array, squeeze: boolean): string {
  let out = "";
  let prev: string | null = null;
  let starred = false;
  for (let at = 0; at < bytes.length; at += style.cols) {
    const chunk = bytes.subarray(at, at + style.cols);
    const key = Buffer.from(chunk).toString("latin1");
    if (squeeze && style.tool !== "xxd" && style.tool !== "xxd-plain" && key === prev && chunk.length === style.cols) {
      if (!starred) out += "*\n";
      starred = true;
      continue;
    }
    starred = false;
    prev = key;
    out += dumpLine(style, chunk, style.base + at);
  }
  return out + dumpTrailer(style, bytes.length);
}

/** Length of a full line at `offset` (the address width is the only thing that varies). */
export function fullLineLength(style: DumpStyle, offset: number): number {
  return dumpLine(style, new Uint8Array(style.cols), offset).length;
}
