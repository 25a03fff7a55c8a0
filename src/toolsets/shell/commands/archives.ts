import { crc32 } from "node:zlib";
import type { Command, ExecResult } from "just-bash";
import { defineCommand } from "just-bash";
import { base32Encode, type Compression, codecSize } from "../../../world/codec.js";
import { compress, decompress, looksLike } from "../../../world/compress.js";
import {
  concatRopes,
  digestOf,
  literal,
  MATERIALIZE_MAX,
  materialize,
  type Rope,
  readRange,
  ropeLength,
  type Segment,
  sliceRope,
  transformed,
} from "../../../world/content.js";
import { errorText, parseSize, readInput, ropeResult, stdinRope, writeRope } from "../rope-io.js";
import { fail, ok, type Session } from "../session.js";
import { pastTimeLimit } from "./text-filters.js";

/** base64/base32, split, tar and zip/unzip over ropes. */

// ---------------------------------------------------------------- base64 / base32

type BaseKind = "base64" | "base32";
const GROUP: Record<BaseKind, { c: number; b: number; alphabet: RegExp }> = {
  base64: { c: 4, b: 3, alphabet: /^[A-Za-z0-9+/]*={0,2}$/ },
  base32: { c: 8, b: 5, alphabet: /^[A-Z2-7]*={0,6}$/ },
};

function encodeBase(kind: BaseKind, rope: Rope, wrap: number): Rope {
  if (ropeLength(rope) > MATERIALIZE_MAX) return transformed({ kind, wrap }, rope);
  const bytes = materialize(rope);
  const text = kind === "base64" ? Buffer.from(bytes).toString("base64") : base32Encode(bytes);
  if (wrap <= 0 || text.length === 0) return literal(text);
  let out = "";
  for (let i = 0; i < text.length; i += wrap) out += `${text.slice(i, i + wrap)}\n`;
  return literal(out);
}

function decodeText(kind: BaseKind, text: string): Uint8Array {
  if (kind === "base64") return new Uint8Array(Buffer.from(text, "base64"));
  const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of text.replace(/=+$/, "")) {
    value = (value << 5) | B32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** Decode base64/base32 content: pieces of an encoded stream map back to their source, text is decoded. */
function decodeBase(kind: BaseKind, rope: Rope, ignoreGarbage: boolean): { rope: Rope; bad: boolean } {
  const g = GROUP[kind];
  const out: Rope[] = [];
  let pending = "";
  const flush = (final: boolean): boolean => {
    let chars = pending.replace(/\s+/g, "");
    if (ignoreGarbage) chars = chars.replace(kind === "base64" ? /[^A-Za-z0-9+/=]/g : /[^A-Z2-7=]/g, "");
    const whole = final ? chars.length : chars.length - (chars.length % g.c);
    const part = chars.slice(0, whole);
    pending = chars.slice(whole);
    const valid = part.match(kind === "base64" ? /^[A-Za-z0-9+/]*/ : /^[A-Z2-7]*/)?.[0] ?? "";
    const rest = part.slice(valid.length);
    const padOk = /^=*$/.test(rest) && (final || rest === "");
    out.push(literal(decodeText(kind, valid)));
    if (final && valid.length % g.c !== 0 && rest === "" && kind === "base64" && valid.length % g.c === 1) return false;
    return padOk;
  };
  for (const s of rope) {
    if (s.t === "xf" && s.codec.kind === kind && pending.replace(/\s+/g, "").length % g.c === 0) {
      if (!flush(false)) return { rope: concatRopes(...out), bad: true };
      const w = s.codec.wrap;
      const charAt = (p: number) => (w > 0 ? Math.floor(p / (w + 1)) * w + (p % (w + 1)) : p);
      const total = codecSize(s.codec, s.src);
      const c0 = charAt(s.start);
      const c1 = s.start + s.length >= total ? Number.POSITIVE_INFINITY : charAt(s.start + s.length);
      if (c0 % g.c !== 0) {
        if (s.length > MATERIALIZE_MAX) return { rope: concatRopes(...out), bad: true };
        pending += Buffer.from(readRange([s], 0, s.length)).toString("latin1");
        continue;
      }
      const g1 = Number.isFinite(c1) ? Math.floor(c1 / g.c) : Math.ceil(ropeLength(s.src) / g.b);
      out.push(sliceRope(s.src, (c0 / g.c) * g.b, (g1 - c0 / g.c) * g.b));
      if (Number.isFinite(c1) && c1 % g.c !== 0) {
        const tailStart = s.start + s.length - (c1 % g.c) - Math.floor((c1 % g.c) / Math.max(1, w));
        pending += Buffer.from(
          readRange([{ ...s }], Math.max(0, tailStart - s.start), s.start + s.length - tailStart),
        ).toString("latin1");
      }
      continue;
    }
    if (ropeLength([s]) > MATERIALIZE_MAX) return { rope: concatRopes(...out), bad: true };
    pending += Buffer.from(readRange([s], 0, ropeLength([s]))).toString("latin1");
  }
  const okEnd = flush(true);
  return { rope: concatRopes(...out), bad: !okEnd };
}

export function baseCommands(s: Session): Command[] {
  return (["base64", "base32"] as BaseKind[]).map((kind) =>
    defineCommand(kind, async (args, ctx) => {
      let decode = false;
      let wrap = 76;
      let ignore = false;
      const files: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        if (a === "-d" || a === "--decode" || a === "-D") decode = true;
        else if (a === "-i" || a === "--ignore-garbage") ignore = true;
        else if (a === "-di" || a === "-id") decode = ignore = true;
        else if (a === "-w" || a === "--wrap") wrap = Number(args[++i]);
        else if (a.startsWith("--wrap=")) wrap = Number(a.slice(7));
        else if (/^-w\d+$/.test(a)) wrap = Number(a.slice(2));
        else if (a.startsWith("-") && a !== "-")
          return fail(`${kind}: invalid option -- '${a.slice(1, 2)}'\nTry '${kind} --help' for more information.\n`);
        else files.push(a);
      }
      if (!Number.isInteger(wrap) || wrap < 0) return fail(`${kind}: invalid wrap size: ‘${args.join(" ")}’\n`);
      if (files.length > 1)
        return fail(`${kind}: extra operand ‘${files[1]}’\nTry '${kind} --help' for more information.\n`);
      const r = await readInput(s, ctx, files[0] ?? "-", kind);
      if ("error" in r) return fail(r.error);
      if (!decode) return ropeResult(encodeBase(kind, r.rope, wrap));
      const d = decodeBase(kind, r.rope, ignore);
      return ropeResult(d.rope, d.bad ? `${kind}: invalid input\n` : "", d.bad ? 1 : 0);
    }),
  );
}

// ---------------------------------------------------------------- split

/** Files one split may create before it has run longer than a command line may. */
const MAX_PARTS = 20_000;

/** split's suffixes: aa…yz, then zaaa…zyzz, zzaaaa… (widening unless -a was given), or digits/hex. */
function suffixOf(i: number, width: number, widen: boolean, digits: string): string | null {
  const base = digits.length;
  let w = width;
  let prefix = "";
  let k = i;
  for (;;) {
    const cap = widen ? (base - 1) * base ** (w - 1) : base ** w;
    if (k < cap) {
      let out = "";
      let v = k;
      for (let j = 0; j < w; j++) {
        out = (digits[v % base] as string) + out;
        v = Math.floor(v / base);
      }
      return prefix + out;
    }
    if (!widen) return null;
    k -= cap;
    prefix += digits[base - 1];
    w++;
  }
}

export function splitCommand(s: Session): Command {
  return defineCommand("split", async (args, ctx) => {
    let bytes: number | null = null;
    let lines: number | null = null;
    let chunks: number | null = null;
    let width: number | null = null;
    let digits = "abcdefghijklmnopqrstuvwxyz";
    let start = 0;
    let extra = "";
    let verbose = false;
    const ops: string[] = [];
    const bad = (what: string, v: string) => fail(`split: invalid number of ${what}: ‘${v}’\n`);
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const long = a.match(/^--([a-z-]+)(?:=(.*))?$/);
      const value = (inline?: string) => inline ?? args[++i] ?? "";
      if (long) {
        const [, name, inline] = long as unknown as [string, string, string | undefined];
        if (name === "bytes") {
          const v = value(inline);
          bytes = parseSize(v);
          if (!bytes) return bad("bytes", v);
        } else if (name === "lines") lines = Number(value(inline));
        else if (name === "number") chunks = Number(value(inline));
        else if (name === "suffix-length") width = Number(value(inline));
        else if (name === "additional-suffix") extra = value(inline);
        else if (name === "numeric-suffixes") {
          digits = "0123456789";
          if (inline !== undefined) start = Number(inline);
        } else if (name === "hex-suffixes") {
          digits = "0123456789abcdef";
          if (inline !== undefined) start = Number.parseInt(inline, 16);
        } else if (name === "verbose") verbose = true;
        else return fail(`split: unrecognized option '${a}'\nTry 'split --help' for more information.\n`);
        continue;
      }
      if (a.startsWith("-") && a !== "-" && a.length > 1) {
        for (let j = 1; j < a.length; j++) {
          const c = a[j] as string;
          const rest = a.slice(j + 1);
          if ("blnaC".includes(c)) {
            const v = rest !== "" ? rest : (args[++i] ?? "");
            if (c === "b" || c === "C") {
              bytes = parseSize(v);
              if (!bytes) return bad("bytes", v);
            } else if (c === "l") {
              lines = Number(v);
              if (!Number.isInteger(lines) || lines <= 0) return bad("lines", v);
            } else if (c === "n") {
              chunks = Number(v.replace(/^[lr]\//, ""));
              if (!Number.isInteger(chunks) || chunks <= 0) return bad("chunks", v);
            } else width = Number(v);
            break;
          }
          if (c === "d") digits = "0123456789";
          else if (c === "x") digits = "0123456789abcdef";
          else if (c === "e") continue;
          else return fail(`split: invalid option -- '${c}'\nTry 'split --help' for more information.\n`);
        }
        continue;
      }
      ops.push(a);
    }
    if (ops.length > 2) return fail(`split: extra operand ‘${ops[2]}’\nTry 'split --help' for more information.\n`);
    const r = await readInput(s, ctx, ops[0] ?? "-", "split");
    if ("error" in r) return fail(r.error.replace(/^split: (.*): /, "split: cannot open '$1' for reading: "));
    const prefix = ops[1] ?? "x";
    const total = ropeLength(r.rope);
    const pieces: [number, number][] = [];
    if (chunks !== null) {
      const size = Math.floor(total / chunks);
      for (let k = 0; k < chunks; k++) pieces.push([k * size, k === chunks - 1 ? total - k * size : size]);
    } else if (lines !== null && bytes === null) {
      if (total > MATERIALIZE_MAX) return fail("split: write error: Interrupted system call\n");
      const data = materialize(r.rope);
      let from = 0;
      let count = 0;
      for (let k = 0; k < data.length; k++) {
        if (data[k] === 0x0a && ++count === lines) {
          pieces.push([from, k + 1 - from]);
          from = k + 1;
          count = 0;
        }
      }
      if (from < data.length) pieces.push([from, data.length - from]);
    } else {
      const size = bytes ?? 1000 * 1;
      for (let at = 0; at < total; at += size) pieces.push([at, Math.min(size, total - at)]);
    }
    const widen = width === null && chunks === null;
    let w = width ?? 2;
    if (chunks !== null && width === null) while (digits.length ** w < chunks) w++;
    let stdout = "";
    const started = Date.now();
    for (let k = 0; k < pieces.length; k++) {
      // creating that many files takes longer than a command line may run
      if (k >= MAX_PARTS || Date.now() - started > ctx.limits.maxExecutionTimeMs)
        return { ...pastTimeLimit(ctx.limits.maxExecutionTimeMs), stdout };
      const suffix = suffixOf(start + k, w, widen && start === 0, digits);
      if (suffix === null) return { stdout, stderr: "split: output file suffixes exhausted\n", exitCode: 1 };
      const name = `${prefix}${suffix}${extra}`;
      const [at, n] = pieces[k] as [number, number];
      if (verbose) stdout += `creating file '${name}'\n`;
      try {
        await writeRope(s, s.fs.resolvePath(ctx.cwd, name), sliceRope(r.rope, at, n));
      } catch (e) {
        return { stdout, stderr: `split: ${name}: ${errorText(e)}\n`, exitCode: 1 };
      }
    }
    return { stdout, stderr: "", exitCode: 0 };
  });
}

// ---------------------------------------------------------------- tar

interface Member {
  name: string;
  type: "file" | "dir";
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: Date;
  size: number;
  /** Offset of the member's data in the archive. */
  at: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\u0000`;
}

/** A GNU tar header block (with a ././@LongLink block first when the name is longer than 100 bytes). */
function header(m: Omit<Member, "at">): Uint8Array {
  const name = m.type === "dir" && !m.name.endsWith("/") ? `${m.name}/` : m.name;
  const nameBytes = Buffer.from(name, "utf8");
  const blocks: Uint8Array[] = [];
  if (nameBytes.length > 100) {
    const longName = Buffer.concat([nameBytes, Buffer.from([0])]);
    blocks.push(
      block(
        { ...m, name: "././@LongLink", mode: 0o644, uid: 0, gid: 0, uname: "root", gname: "root", mtime: new Date(0) },
        "L",
        longName.length,
      ),
    );
    const padded = new Uint8Array(Math.ceil(longName.length / 512) * 512);
    padded.set(longName, 0);
    blocks.push(padded);
  }
  blocks.push(
    block(
      { ...m, name: nameBytes.subarray(0, 100).toString("utf8") },
      m.type === "dir" ? "5" : "0",
      m.type === "dir" ? 0 : m.size,
    ),
  );
  return new Uint8Array(Buffer.concat(blocks));
}

function block(m: Omit<Member, "at" | "size" | "type">, type: string, size: number): Uint8Array {
  const b = Buffer.alloc(512);
  b.write(m.name, 0, 100, "utf8");
  b.write(octal(m.mode & 0o7777, 8), 100, "latin1");
  b.write(octal(m.uid, 8), 108, "latin1");
  b.write(octal(m.gid, 8), 116, "latin1");
  if (size < 8 ** 11) b.write(octal(size, 12), 124, "latin1");
  else {
    // GNU base-256 for sizes of 8 GiB and more
    b[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      b[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  b.write(octal(Math.floor(m.mtime.getTime() / 1000), 12), 136, "latin1");
  b.write("        ", 148, "latin1");
  b.write(type, 156, "latin1");
  b.write("ustar  \u0000", 257, "latin1");
  b.write(m.uname, 265, 32, "latin1");
  b.write(m.gname, 297, 32, "latin1");
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, "latin1");
  return new Uint8Array(b);
}

function parseNumber(field: Buffer): number {
  if ((field[0] as number) & 0x80) {
    let v = 0n;
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i] as number);
    return Number(v);
  }
  const t = field
    .toString("latin1")
    .replace(/[\u0000 ]+$/g, "")
    .trim();
  return t ? Number.parseInt(t, 8) : 0;
}

/** The members of a tar archive, or why it is not one. */
function members(tar: Rope): { members: Member[]; error: "notar" | "eof" | null } {
  const out: Member[] = [];
  const total = ropeLength(tar);
  let at = 0;
  let longName: string | null = null;
  while (at + 512 <= total) {
    const h = Buffer.from(readRange(tar, at, 512));
    if (h.every((x) => x === 0)) return { members: out, error: null };
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
    if (parseNumber(h.subarray(148, 156)) !== sum) return { members: out, error: out.length ? "eof" : "notar" };
    const size = parseNumber(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] as number);
    const rawName = h
      .subarray(0, 100)
      .toString("utf8")
      .replace(/\u0000.*$/s, "");
    const prefix =
      h.subarray(257, 263).toString("latin1") === "ustar\u0000"
        ? h
            .subarray(345, 500)
            .toString("utf8")
            .replace(/\u0000.*$/s, "")
        : "";
    const dataAt = at + 512;
    const next = dataAt + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = Buffer.from(readRange(tar, dataAt, size))
        .toString("utf8")
        .replace(/\u0000.*$/s, "");
      at = next;
      continue;
    }
    const name = longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    longName = null;
    out.push({
      name,
      type: type === "5" ? "dir" : "file",
      mode: parseNumber(h.subarray(100, 108)),
      uid: parseNumber(h.subarray(108, 116)),
      gid: parseNumber(h.subarray(116, 124)),
      uname: h
        .subarray(265, 297)
        .toString("latin1")
        .replace(/\u0000.*$/s, ""),
      gname: h
        .subarray(297, 329)
        .toString("latin1")
        .replace(/\u0000.*$/s, ""),
      mtime: new Date(parseNumber(h.subarray(136, 148)) * 1000),
      size: type === "5" ? 0 : size,
      at: dataAt,
    });
    if (next > total) return { members: out, error: "eof" };
    at = next;
  }
  return {
    members: out,
    error: at < total || out.length === 0 ? (out.length ? "eof" : total === 0 ? null : "notar") : null,
  };
}

function modeText(m: Member): string {
  const r = (v: number, c: string) => (v ? c : "-");
  const p = m.mode;
  return (
    (m.type === "dir" ? "d" : "-") +
    r(p & 0o400, "r") +
    r(p & 0o200, "w") +
    r(p & 0o100, "x") +
    r(p & 0o40, "r") +
    r(p & 0o20, "w") +
    r(p & 0o10, "x") +
    r(p & 0o4, "r") +
    r(p & 0o2, "w") +
    r(p & 0o1, "x")
  );
}

function tarDate(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

const COMPRESSORS: Record<string, Compression> = { z: "gzip", j: "bzip2", J: "xz" };

export function tarCommand(s: Session): Command {
  return defineCommand("tar", async (args, ctx): Promise<ExecResult> => {
    let mode: "c" | "x" | "t" | null = null;
    let file: string | null = null;
    let dir = ctx.cwd;
    let verbose = false;
    let toStdout = false;
    let keepOld = false;
    let absolute = false;
    let touchNow = false;
    let strip = 0;
    let zip: Compression | null = null;
    let auto = false;
    const excludes: RegExp[] = [];
    const operands: { op: string; dir: string }[] = [];
    const usage = (msg: string) => fail(`tar: ${msg}\nTry 'tar --help' or 'tar --usage' for more information.\n`, 2);
    const list = [...args];
    // the first word may be bundled letters without a dash: `tar czf out.tgz dir`
    if (list[0] && !list[0].startsWith("-") && /^[A-Za-z]+$/.test(list[0])) list[0] = `-${list[0]}`;
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as string;
      if (a.startsWith("--")) {
        const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
        const value = () => inline ?? list[++i] ?? "";
        if (name === "create") mode = "c";
        else if (name === "extract" || name === "get") mode = "x";
        else if (name === "list") mode = "t";
        else if (name === "file") file = value();
        else if (name === "directory") dir = s.fs.resolvePath(ctx.cwd, value());
        else if (name === "verbose") verbose = true;
        else if (name === "gzip" || name === "gunzip") zip = "gzip";
        else if (name === "bzip2") zip = "bzip2";
        else if (name === "xz") zip = "xz";
        else if (name === "zstd") zip = "zstd";
        else if (name === "auto-compress") auto = true;
        else if (name === "to-stdout") toStdout = true;
        else if (name === "keep-old-files" || name === "skip-old-files") keepOld = true;
        else if (name === "absolute-names") absolute = true;
        else if (name === "touch") touchNow = true;
        else if (name === "strip-components") strip = Number(value());
        else if (name === "exclude")
          excludes.push(
            new RegExp(
              `(^|/)${value()
                .replace(/[.+^${}()|\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]")}$`,
            ),
          );
        else if (
          [
            "overwrite",
            "no-same-owner",
            "same-owner",
            "preserve-permissions",
            "same-permissions",
            "numeric-owner",
            "no-overwrite-dir",
            "warning",
            "totals",
            "sparse",
            "one-file-system",
            "recursion",
            "no-wildcards",
            "wildcards",
            "ignore-failed-read",
            "format",
            "owner",
            "group",
            "mode",
            "mtime",
            "sort",
            "checkpoint",
            "checkpoint-action",
            "blocking-factor",
            "record-size",
          ].includes(name)
        ) {
          if (
            ["warning", "format", "owner", "group", "mode", "mtime", "sort", "blocking-factor", "record-size"].includes(
              name,
            ) &&
            inline === undefined
          )
            i++;
        } else return usage(`unrecognized option '${a}'`);
        continue;
      }
      if (a.startsWith("-") && a.length > 1) {
        for (let j = 1; j < a.length; j++) {
          const c = a[j] as string;
          if (c === "f" || c === "C") {
            const v = j + 1 < a.length ? a.slice(j + 1) : list[++i];
            if (v === undefined) return usage(`option requires an argument -- '${c}'`);
            if (c === "f") file = v;
            else dir = s.fs.resolvePath(ctx.cwd, v);
            break;
          }
          if (c === "c" || c === "x" || c === "t") {
            if (mode && mode !== c)
              return usage("You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option");
            mode = c;
          } else if (c === "v") verbose = true;
          else if (c in COMPRESSORS) zip = COMPRESSORS[c] as Compression;
          else if (c === "a") auto = true;
          else if (c === "O") toStdout = true;
          else if (c === "k") keepOld = true;
          else if (c === "P") absolute = true;
          else if (c === "m") touchNow = true;
          else if (c === "p" || c === "o" || c === "S" || c === "h" || c === "W") continue;
          else return usage(`invalid option -- '${c}'`);
        }
        continue;
      }
      operands.push({ op: a, dir });
    }
    if (!mode) return usage("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options");
    const archiveName = file ?? "-";
    if (auto && file && !zip) {
      if (/\.(tgz|tar\.gz)$/.test(file)) zip = "gzip";
      else if (/\.(tbz2?|tar\.bz2)$/.test(file)) zip = "bzip2";
      else if (/\.(txz|tar\.xz)$/.test(file)) zip = "xz";
      else if (/\.(tzst|tar\.zst)$/.test(file)) zip = "zstd";
    }
    let stderr = "";
    let stdout = "";
    let failed = false;

    if (mode === "c") {
      if (operands.length === 0)
        return fail(
          "tar: Cowardly refusing to create an empty archive\nTry 'tar --help' or 'tar --usage' for more information.\n",
          2,
        );
      const parts: Rope[] = [];
      let warnedAbsolute = false;
      const add = async (path: string, name: string): Promise<void> => {
        if (excludes.some((re) => re.test(name))) return;
        const st = await s.fs.stat(path);
        const info = await s.fs.info(path, true);
        const meta = {
          mode: st.mode,
          uid: info.uid,
          gid: info.gid,
          uname: info.owner,
          gname: info.group,
          mtime: st.mtime,
        };
        if (st.isDirectory) {
          parts.push(literal(header({ ...meta, name, type: "dir", size: 0 })));
          if (verbose) stdout += `${name.endsWith("/") ? name : `${name}/`}\n`;
          for (const child of (await s.fs.readdir(path)).sort())
            await add(
              path === "/" ? `/${child}` : `${path}/${child}`,
              name.endsWith("/") ? `${name}${child}` : `${name}/${child}`,
            );
          return;
        }
        const r = await readInput(s, { cwd: ctx.cwd, stdin: ctx.stdin }, path, "tar");
        if ("error" in r) {
          stderr += `tar: ${name}: Cannot open: ${r.error.replace(/^.*: /, "").trim()}\n`;
          failed = true;
          return;
        }
        const size = ropeLength(r.rope);
        parts.push(literal(header({ ...meta, name, type: "file", size })), r.rope);
        if (size % 512) parts.push(literal(new Uint8Array(512 - (size % 512))));
        if (verbose) stdout += `${name}\n`;
      };
      for (const { op, dir: base } of operands) {
        const path = s.fs.resolvePath(base, op);
        let name = op.replace(/\/+$/, "") || "/";
        if (!absolute && name.startsWith("/")) {
          if (!warnedAbsolute) stderr += "tar: Removing leading `/' from member names\n";
          warnedAbsolute = true;
          name = name.replace(/^\/+/, "") || ".";
        }
        if (!(await s.fs.exists(path))) {
          stderr += `tar: ${op}: Cannot stat: No such file or directory\n`;
          failed = true;
          continue;
        }
        await add(path, name);
      }
      let archive = concatRopes(...parts, literal(new Uint8Array(1024)));
      const n = ropeLength(archive);
      if (n % 10240)
        archive = concatRopes(archive, [
          { t: "gen", blob: { kind: "zero", size: 10240 - (n % 10240) }, start: 0, length: 10240 - (n % 10240) },
        ]);
      if (zip)
        archive = compress(zip, archive, { level: zip === "zstd" ? 3 : zip === "bzip2" ? 9 : 6, name: null, mtime: 0 });
      if (failed) stderr += "tar: Exiting with failure status due to previous errors\n";
      if (archiveName === "-") return { ...ropeResult(archive), stderr: stdout + stderr, exitCode: failed ? 2 : 0 };
      try {
        await writeRope(s, s.fs.resolvePath(ctx.cwd, archiveName), archive);
      } catch (e) {
        return {
          stdout,
          stderr: `${stderr}tar: ${archiveName}: Cannot write: ${errorText(e)}\ntar: Error is not recoverable: exiting now\n`,
          exitCode: 2,
        };
      }
      return { stdout, stderr, exitCode: failed ? 2 : 0 };
    }

    // list or extract
    let raw: Rope;
    if (archiveName === "-") raw = stdinRope(ctx);
    else {
      const r = await readInput(s, ctx, archiveName, "tar");
      if ("error" in r)
        return fail(
          `tar: ${archiveName}: Cannot open: ${r.error.replace(/^.*: /, "").trim()}\ntar: Error is not recoverable: exiting now\n`,
          2,
        );
      raw = r.rope;
    }
    let tar = raw;
    for (const kind of ["gzip", "bzip2", "xz", "zstd"] as Compression[]) {
      if (
        looksLike(kind, raw) ||
        (raw.length === 1 && raw[0]?.t === "xf" && (raw[0] as Segment & { t: "xf" }).codec.kind === kind)
      ) {
        const d = decompress(kind, raw);
        if (d.error && d.error !== "trailing") {
          const what =
            kind === "gzip" ? "\ngzip: stdin: unexpected end of file\n" : `${kind}: (stdin): Unexpected end of input\n`;
          stderr += `${what}tar: Child returned status 1\n`;
          failed = true;
        }
        tar = d.rope;
        break;
      }
    }
    const found = members(tar);
    if (found.error === "notar")
      return fail(
        `${stderr}tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n`,
        2,
      );
    const wanted = operands.map((o) => o.op.replace(/\/+$/, ""));
    const seen = new Set<string>();
    let ugWidth = 19;
    const outParts: Rope[] = [];
    for (const m of found.members) {
      const stripped = m.name.split("/").filter(Boolean).slice(strip).join("/");
      if (strip && !stripped) continue;
      if (wanted.length && !wanted.some((w) => m.name === w || m.name.startsWith(`${w}/`) || m.name === `${w}/`))
        continue;
      for (const w of wanted) if (m.name === w || m.name.startsWith(`${w}/`) || m.name === `${w}/`) seen.add(w);
      if (excludes.some((re) => re.test(m.name.replace(/\/$/, "")))) continue;
      const line = () => {
        if (!verbose) return `${m.name}\n`;
        const ug = `${m.uname || m.uid}/${m.gname || m.gid}`;
        const size = String(m.size);
        const pad = ug.length + 1 + size.length;
        if (pad > ugWidth) ugWidth = pad;
        return `${modeText(m)} ${ug} ${size.padStart(ugWidth - pad + size.length)} ${tarDate(m.mtime)} ${m.name}\n`;
      };
      if (mode === "t") {
        stdout += line();
        continue;
      }
      if (verbose) stdout += mode === "x" && !verbose ? "" : `${m.name}\n`;
      const content = sliceRope(tar, m.at, m.size);
      if (toStdout) {
        if (m.type === "file") outParts.push(content);
        continue;
      }
      const target = s.fs.resolvePath(dir, stripped || m.name);
      try {
        if (m.type === "dir") {
          await s.fs.mkdir(target, { recursive: true });
          continue;
        }
        const parent = target.slice(0, target.lastIndexOf("/")) || "/";
        if (!(await s.fs.exists(parent))) await s.fs.mkdir(parent, { recursive: true });
        if (keepOld && (await s.fs.exists(target))) {
          stderr += `tar: ${m.name}: Cannot open: File exists\n`;
          failed = true;
          continue;
        }
        await writeRope(s, target, content);
        if (!touchNow) await s.fs.audited.setMtime(target, m.mtime);
      } catch (e) {
        stderr += `tar: ${m.name}: Cannot open: ${errorText(e)}\n`;
        failed = true;
        if (errorText(e) === "No space left on device") {
          stderr += "tar: Error is not recoverable: exiting now\n";
          return { stdout, stderr, exitCode: 2 };
        }
      }
    }
    // directories get their archived times once their contents are in place
    if (mode === "x" && !toStdout && !touchNow) {
      for (const m of found.members) {
        if (m.type !== "dir") continue;
        const target = s.fs.resolvePath(dir, m.name.split("/").filter(Boolean).slice(strip).join("/") || m.name);
        await s.fs.audited.setMtime(target, m.mtime).catch(() => undefined);
      }
    }
    for (const w of wanted) {
      if (!seen.has(w)) {
        stderr += `tar: ${w}: Not found in archive\n`;
        failed = true;
      }
    }
    if (found.error === "eof") {
      stderr += "tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\n";
      return { stdout, stderr, exitCode: 2 };
    }
    if (failed) stderr += "tar: Exiting with failure status due to previous errors\n";
    if (toStdout) return { ...ropeResult(concatRopes(...outParts)), stderr, exitCode: failed ? 2 : 0 };
    return { stdout, stderr, exitCode: failed ? 2 : 0 };
  });
}

// ---------------------------------------------------------------- zip / unzip

function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

function crcOf(rope: Rope): number {
  return ropeLength(rope) <= MATERIALIZE_MAX ? crc32(materialize(rope)) : digestOf(rope, "sha256").readUInt32LE(0);
}

interface ZipEntry {
  name: string;
  data: Rope;
  method: 0 | 8;
  crc: number;
  size: number;
  csize: number;
  mtime: Date;
  offset: number;
}

function zipRecords(entries: ZipEntry[]): Rope {
  const parts: Rope[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const big = e.size >= 0xffffffff || e.csize >= 0xffffffff || offset >= 0xffffffff;
    const name = Buffer.from(e.name, "utf8");
    const t = dosTime(e.mtime);
    const extra = big ? Buffer.alloc(20) : Buffer.alloc(0);
    if (big) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(e.size), 4);
      extra.writeBigUInt64LE(BigInt(e.csize), 12);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(big ? 45 : e.method === 8 ? 20 : 10, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(t.time, 10);
    local.writeUInt16LE(t.date, 12);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(big ? 0xffffffff : e.csize, 18);
    local.writeUInt32LE(big ? 0xffffffff : e.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    parts.push(literal(new Uint8Array(Buffer.concat([local, name, extra]))), e.data);
    const cextra = big ? Buffer.alloc(28) : Buffer.alloc(0);
    if (big) {
      cextra.writeUInt16LE(1, 0);
      cextra.writeUInt16LE(24, 2);
      cextra.writeBigUInt64LE(BigInt(e.size), 4);
      cextra.writeBigUInt64LE(BigInt(e.csize), 12);
      cextra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(0x031e, 4);
    c.writeUInt16LE(big ? 45 : e.method === 8 ? 20 : 10, 6);
    c.writeUInt16LE(e.method, 10);
    c.writeUInt16LE(t.time, 12);
    c.writeUInt16LE(t.date, 14);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(big ? 0xffffffff : e.csize, 20);
    c.writeUInt32LE(big ? 0xffffffff : e.size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(cextra.length, 30);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    c.writeUInt32LE(big ? 0xffffffff : offset, 42);
    central.push(Buffer.concat([c, name, cextra]));
    offset += 30 + name.length + extra.length + e.csize;
  }
  const cd = Buffer.concat(central);
  const tail: Buffer[] = [cd];
  const zip64 = offset >= 0xffffffff || entries.some((e) => e.size >= 0xffffffff);
  if (zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(0x031e, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  tail.push(end);
  return concatRopes(...parts, literal(new Uint8Array(Buffer.concat(tail))));
}

/** The entries of a zip archive (read from its central directory), or null when it is not one. */
function zipEntries(rope: Rope): ZipEntry[] | null {
  const n = ropeLength(rope);
  const tailLen = Math.min(n, 65557);
  const tail = Buffer.from(readRange(rope, n - tailLen, tailLen));
  const endAt = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) return null;
  let count = tail.readUInt16LE(endAt + 10);
  let cdSize = tail.readUInt32LE(endAt + 12);
  let cdAt = tail.readUInt32LE(endAt + 16);
  const locAt = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
  if (cdAt === 0xffffffff && locAt >= 0) {
    const recAt = Number(tail.readBigUInt64LE(locAt + 8));
    const rec = Buffer.from(readRange(rope, recAt, 56));
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdAt = Number(rec.readBigUInt64LE(48));
  }
  const cd = Buffer.from(readRange(rope, cdAt, cdSize));
  const out: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count && p + 46 <= cd.length; k++) {
    const method = cd.readUInt16LE(p + 10) as 0 | 8;
    const time = cd.readUInt16LE(p + 12);
    const date = cd.readUInt16LE(p + 14);
    const crc = cd.readUInt32LE(p + 16);
    let csize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let offset = cd.readUInt32LE(p + 42);
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    if (extra.length >= 4 && extra.readUInt16LE(0) === 1) {
      let q = 4;
      if (size === 0xffffffff) (size = Number(extra.readBigUInt64LE(q))), (q += 8);
      if (csize === 0xffffffff) (csize = Number(extra.readBigUInt64LE(q))), (q += 8);
      if (offset === 0xffffffff) offset = Number(extra.readBigUInt64LE(q));
    }
    const local = Buffer.from(readRange(rope, offset, 30));
    const dataAt = offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const mtime = new Date(
      Date.UTC(1980 + (date >> 9), ((date >> 5) & 15) - 1, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2),
    );
    out.push({ name, data: sliceRope(rope, dataAt, csize), method, crc, size, csize, mtime, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

export function zipCommands(s: Session): Command[] {
  const zip = defineCommand("zip", async (args, ctx) => {
    let recursive = false;
    let quiet = false;
    let level = 6;
    const ops: string[] = [];
    for (const a of args) {
      if (a === "-r" || a === "--recurse-paths") recursive = true;
      else if (a === "-q" || a === "--quiet") quiet = true;
      else if (/^-\d$/.test(a)) level = Number(a.slice(1));
      else if (/^-[rq0-9]+$/.test(a)) {
        recursive ||= a.includes("r");
        quiet ||= a.includes("q");
        const d = a.match(/\d/);
        if (d) level = Number(d[0]);
      } else if (a.startsWith("-"))
        return fail(`zip error: Invalid command arguments (no such option: ${a.slice(1, 2)})\n`, 16);
      else ops.push(a);
    }
    const archive = ops.shift();
    if (!archive || ops.length === 0) return fail(`\nzip error: Nothing to do! (${archive ?? ""})\n`, 12);
    const archivePath = s.fs.resolvePath(
      ctx.cwd,
      archive.endsWith(".zip") || archive.includes(".") ? archive : `${archive}.zip`,
    );
    const existing = (await s.fs.exists(archivePath)) ? await readInput(s, ctx, archivePath, "zip") : null;
    const entries: ZipEntry[] = existing && "rope" in existing ? (zipEntries(existing.rope) ?? []) : [];
    let stdout = "";
    let stderr = "";
    const addFile = async (path: string, name: string) => {
      const st = await s.fs.stat(path);
      if (st.isDirectory) {
        const idx = entries.findIndex((e) => e.name === `${name}/`);
        const entry: ZipEntry = {
          name: `${name}/`,
          data: [],
          method: 0,
          crc: 0,
          size: 0,
          csize: 0,
          mtime: st.mtime,
          offset: 0,
        };
        if (idx >= 0) entries[idx] = entry;
        else entries.push(entry);
        if (!quiet) stdout += `  adding: ${name}/ (stored 0%)\n`;
        if (recursive) for (const c of (await s.fs.readdir(path)).sort()) await addFile(`${path}/${c}`, `${name}/${c}`);
        return;
      }
      const r = await readInput(s, ctx, path, "zip");
      if ("error" in r) return;
      const size = ropeLength(r.rope);
      const packed = level === 0 ? r.rope : compress("deflate", r.rope, { level, name: null, mtime: 0 });
      const deflate = level !== 0 && ropeLength(packed) < size;
      const data = deflate ? packed : r.rope;
      const entry: ZipEntry = {
        name,
        data,
        method: deflate ? 8 : 0,
        crc: crcOf(r.rope),
        size,
        csize: ropeLength(data),
        mtime: st.mtime,
        offset: 0,
      };
      const idx = entries.findIndex((e) => e.name === name);
      if (idx >= 0) entries[idx] = entry;
      else entries.push(entry);
      const pct = size ? Math.round((1 - entry.csize / size) * 100) : 0;
      if (!quiet) stdout += `  adding: ${name} (${deflate ? `deflated ${pct}%` : "stored 0%"})\n`;
    };
    for (const op of ops) {
      const path = s.fs.resolvePath(ctx.cwd, op);
      if (!(await s.fs.exists(path))) {
        if (!quiet) stderr += `\tzip warning: name not matched: ${op}\n`;
        continue;
      }
      await addFile(path, op.replace(/^\/+/, "").replace(/\/+$/, ""));
    }
    if (entries.length === 0)
      return { stdout, stderr: `${stderr}\nzip error: Nothing to do! (${archive})\n`, exitCode: 12 };
    try {
      await writeRope(s, archivePath, zipRecords(entries));
    } catch (e) {
      return {
        stdout,
        stderr: `${stderr}zip I/O error: ${errorText(e)}\nzip error: Output file write failure (write error on zip file)\n`,
        exitCode: 14,
      };
    }
    return { stdout, stderr, exitCode: 0 };
  });
  const unzip = defineCommand("unzip", async (args, ctx) => {
    let listOnly = false;
    let overwrite = false;
    let quiet = false;
    let toStdout = false;
    let dest = ctx.cwd;
    const ops: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-l") listOnly = true;
      else if (a === "-o") overwrite = true;
      else if (a === "-q" || a === "-qq") quiet = true;
      else if (a === "-p") toStdout = true;
      else if (a === "-d") dest = s.fs.resolvePath(ctx.cwd, args[++i] ?? ".");
      else if (a === "-n") continue;
      else if (/^-[oqlp]+$/.test(a)) {
        listOnly ||= a.includes("l");
        overwrite ||= a.includes("o");
        quiet ||= a.includes("q");
        toStdout ||= a.includes("p");
      } else ops.push(a);
    }
    const archive = ops.shift();
    if (!archive) return ok("UnZip 6.00 of 20 April 2009, by Debian. Original by Info-ZIP.\n");
    const r = await readInput(s, ctx, archive, "unzip");
    if ("error" in r) return fail(`unzip:  cannot find or open ${archive}, ${archive}.zip or ${archive}.ZIP.\n`, 9);
    const entries = zipEntries(r.rope);
    if (!entries)
      return fail(
        `  End-of-central-directory signature not found.  Either this file is not\n  a zipfile, or it constitutes one disk of a multi-part archive.  In the\n  latter case the central directory and zipfile comment will be found on\n  the last disk(s) of this archive.\nunzip:  cannot find zipfile directory in one of ${archive} or\n        ${archive}.zip, and cannot find ${archive}.ZIP, period.\n`,
        9,
      );
    const chosen = ops.length ? entries.filter((e) => ops.includes(e.name)) : entries;
    if (listOnly) {
      const w = 9;
      let out = `Archive:  ${archive}\n  Length      Date    Time    Name\n---------  ---------- -----   ----\n`;
      let total = 0;
      for (const e of chosen) {
        total += e.size;
        out += `${String(e.size).padStart(w)}  ${e.mtime.toISOString().slice(0, 10)} ${e.mtime.toISOString().slice(11, 16)}   ${e.name}\n`;
      }
      out += `---------                     -------\n${String(total).padStart(w)}                     ${chosen.length} file${chosen.length === 1 ? "" : "s"}\n`;
      return ok(out);
    }
    let stdout = toStdout || quiet ? "" : `Archive:  ${archive}\n`;
    const outParts: Rope[] = [];
    for (const e of chosen) {
      const content = e.method === 8 ? decompress("deflate", e.data).rope : e.data;
      if (toStdout) {
        if (!e.name.endsWith("/")) outParts.push(content);
        continue;
      }
      const target = s.fs.resolvePath(dest, e.name);
      if (e.name.endsWith("/")) {
        await s.fs.mkdir(target, { recursive: true });
        if (!quiet) stdout += `   creating: ${e.name}\n`;
        continue;
      }
      if ((await s.fs.exists(target)) && !overwrite) {
        stdout += `replace ${e.name}? [y]es, [n]o, [A]ll, [N]one, [r]ename:  NULL\n(EOF or read error, treating as "[N]one" ...)\n`;
        return { stdout, stderr: "", exitCode: 0 };
      }
      const parent = target.slice(0, target.lastIndexOf("/")) || "/";
      if (!(await s.fs.exists(parent))) await s.fs.mkdir(parent, { recursive: true });
      try {
        await writeRope(s, target, content);
        await s.fs.audited.setMtime(target, e.mtime);
      } catch (err) {
        stdout += `error:  cannot create ${e.name}\n        ${errorText(err)}\n`;
        return { stdout, stderr: "", exitCode: 50 };
      }
      const shown =
        dest === ctx.cwd
          ? e.name
          : `${dest.startsWith(`${ctx.cwd}/`) ? dest.slice(ctx.cwd.length + 1) : dest}/${e.name}`;
      if (!quiet)
        stdout += e.method === 8 ? `  inflating: ${shown.padEnd(24)}\n` : ` extracting: ${shown.padEnd(24)}\n`;
    }
    if (toStdout) return ropeResult(concatRopes(...outParts));
    return ok(stdout);
  });
  return [zip, unzip];
}
