import { createHash } from "node:crypto";
import type { Command, ExecResult } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import type { BlobSpec } from "../../../world/blob.js";
import {
  concatRopes,
  decodeRope,
  digestOf,
  hasToken,
  identityOf,
  isLiteral,
  literal,
  MATERIALIZE_MAX,
  materialize,
  type Rope,
  readRange,
  ropeLength,
  sliceRope,
} from "../../../world/content.js";
import { errorText, parseSize, readInput, ropeResult, stdinRope, writeRope } from "../rope-io.js";
import { fail, ok, type Session } from "../session.js";
import { shellQuote, statTime } from "../format.js";
import { type DiffFormat, gnuDiff } from "./gnu-diff.js";
import { catCommand as textCatCommand } from "./system.js";
import { pastTimeLimit } from "./text-filters.js";

/**
 * Byte-level tools over ropes (src/world/content.ts): cat, head, tail, wc, tee, dd, truncate, cmp, diff on binary
 * files, shred and the checksums. They read files and stdin as ropes and write ropes, so the weights' 820 GB
 * behave as 820 GB everywhere, in the time a real tool answers from the file's size (wc -c, head, tail, dd).
 */

const CHUNK = 1 << 20;

function gnuQuote(s: string): string {
  return `‘${s}’`;
}

/** Offset of the byte after the `n`-th newline from the start (or the rope's length if fewer). */
function afterLines(rope: Rope, n: number): number {
  const total = ropeLength(rope);
  if (n <= 0) return 0;
  let seen = 0;
  // small reads first: `head` of a dump or a text needs only its first lines
  for (let at = 0, size = 4096; at < total; at += size, size = Math.min(CHUNK, size * 4)) {
    const bytes = readRange(rope, at, size);
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x0a && ++seen === n) return at + i + 1;
    }
  }
  return total;
}

/** Offset where the last `n` lines start (a final line without a newline counts). */
function lastLinesStart(rope: Rope, n: number): number {
  const total = ropeLength(rope);
  if (n <= 0) return total;
  let seen = 0;
  let end = total;
  // a trailing newline ends the last line rather than starting a new one
  if (total > 0 && readRange(rope, total - 1, 1)[0] === 0x0a) end = total - 1;
  for (let at = end, size = 4096; at > 0; at -= size, size = Math.min(CHUNK, size * 4)) {
    const from = Math.max(0, at - size);
    const bytes = readRange(rope, from, at - from);
    for (let i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] === 0x0a && ++seen === n) return from + i + 1;
    }
  }
  return 0;
}

/** cat with display options (-n, -A, …) reads text: real bytes, and too large a file outlasts the command line. */
async function textCat(
  s: Session,
  text: Command,
  args: string[],
  ctx: Parameters<Command["execute"]>[1],
): Promise<ExecResult> {
  const stdin = latin1FromBytes(ctx.stdin);
  if (hasToken(stdin)) {
    const rope = decodeRope(stdin);
    if (ropeLength(rope) > MATERIALIZE_MAX || !ctx.exec) return pastTimeLimit(ctx.limits.maxExecutionTimeMs);
    return ctx.exec(["cat", ...args].map(shellQuote).join(" "), {
      cwd: ctx.cwd,
      stdin: Buffer.from(materialize(rope)).toString("latin1"),
      stdinKind: "bytes",
    });
  }
  const r = await s.fs.asRealBytes(() => text.execute(args, ctx));
  return r.tooLarge ? pastTimeLimit(ctx.limits.maxExecutionTimeMs) : r.value;
}

/** `cat [OPTION]... [FILE]...`: plain concatenation keeps ropes whole; display options go to the text cat. */
export function catCommand(s: Session): Command {
  const text = textCatCommand(s);
  return defineCommand("cat", async (args, ctx) => {
    const operands: string[] = [];
    let afterDashes = false;
    for (const a of args) {
      if (!afterDashes && a === "--") afterDashes = true;
      else if (!afterDashes && a.startsWith("-") && a !== "-") {
        if (a !== "-u") return textCat(s, text, args, ctx);
      } else operands.push(a);
    }
    if (operands.length === 0) operands.push("-");
    // endless devices stay with the streaming cat (they meet the output limit)
    if (operands.some((op) => s.fs.resolvePath(ctx.cwd, op).startsWith("/dev/"))) return textCat(s, text, args, ctx);
    const parts: Rope[] = [];
    let stderr = "";
    for (const op of operands) {
      const input = await readInput(s, ctx, op, "cat");
      if ("error" in input) stderr += input.error;
      else parts.push(input.rope);
    }
    return ropeResult(concatRopes(...parts), stderr, stderr ? 1 : 0);
  });
}

/** Parse a head/tail count: [+-]N with GNU's suffixes. */
function parseCount(v: string): { n: number; sign: "" | "+" | "-" } | null {
  const m = v.match(/^([+-]?)(.*)$/s) as RegExpMatchArray;
  const n = parseSize(m[2] as string);
  return n === null ? null : { n, sign: m[1] as "" | "+" | "-" };
}

interface HeadTailOptions {
  bytes: { n: number; sign: "" | "+" | "-" } | null;
  lines: { n: number; sign: "" | "+" | "-" };
  quiet: boolean;
  verbose: boolean;
  files: string[];
}

function parseHeadTail(tool: "head" | "tail", args: string[]): HeadTailOptions | { error: string } {
  const o: HeadTailOptions = { bytes: null, lines: { n: 10, sign: "" }, quiet: false, verbose: false, files: [] };
  const bad = (what: string, v: string) => ({
    error: `${tool}: invalid number of ${what}: ${gnuQuote(v.replace(/^[+-]/, tool === "tail" ? "" : "$&"))}\n`,
  });
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      o.files.push(...args.slice(i + 1));
      break;
    }
    const long = a.match(/^--(bytes|lines)(?:=(.*))?$/);
    if (long) {
      const v = long[2] ?? args[++i];
      if (v === undefined)
        return {
          error: `${tool}: option '--${long[1]}' requires an argument\nTry '${tool} --help' for more information.\n`,
        };
      const c = parseCount(v);
      if (!c) return bad(long[1] as string, v);
      if (long[1] === "bytes") o.bytes = c;
      else o.lines = c;
      continue;
    }
    if (a === "--quiet" || a === "--silent") o.quiet = true;
    else if (a === "--verbose") o.verbose = true;
    else if (/^-\d+[bkm]?[cl]?$/.test(a) && a.length > 1) {
      // legacy -N / -Nc
      const m = a.match(/^-(\d+)([bkm]?)([cl]?)$/) as RegExpMatchArray;
      const mult = { "": 1, b: 512, k: 1024, m: 1048576 }[m[2] as string] as number;
      const n = Number(m[1]) * mult;
      if (m[3] === "c") o.bytes = { n, sign: "" };
      else o.lines = { n, sign: "" };
    } else if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if (c === "c" || c === "n") {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined)
            return {
              error: `${tool}: option requires an argument -- '${c}'\nTry '${tool} --help' for more information.\n`,
            };
          const parsed = parseCount(v);
          if (!parsed) return bad(c === "c" ? "bytes" : "lines", v);
          if (c === "c") o.bytes = parsed;
          else o.lines = parsed;
          break;
        }
        if (c === "q") o.quiet = true;
        else if (c === "v") o.verbose = true;
        else if (c === "f" || c === "F" || c === "z") {
          if (tool === "head" || c === "z")
            return { error: `${tool}: invalid option -- '${c}'\nTry '${tool} --help' for more information.\n` };
        } else return { error: `${tool}: invalid option -- '${c}'\nTry '${tool} --help' for more information.\n` };
      }
    } else o.files.push(a);
  }
  if (o.files.length === 0) o.files.push("-");
  return o;
}

function headOf(rope: Rope, o: HeadTailOptions): Rope {
  const total = ropeLength(rope);
  if (o.bytes) return sliceRope(rope, 0, o.bytes.sign === "-" ? Math.max(0, total - o.bytes.n) : o.bytes.n);
  if (o.lines.sign === "-") return sliceRope(rope, 0, lastLinesStart(rope, o.lines.n));
  return sliceRope(rope, 0, afterLines(rope, o.lines.n));
}

function tailOf(rope: Rope, o: HeadTailOptions): Rope {
  const total = ropeLength(rope);
  if (o.bytes) {
    if (o.bytes.sign === "+") return sliceRope(rope, Math.max(0, o.bytes.n - 1));
    return sliceRope(rope, Math.max(0, total - o.bytes.n));
  }
  if (o.lines.sign === "+") return sliceRope(rope, afterLines(rope, o.lines.n - 1));
  return sliceRope(rope, lastLinesStart(rope, o.lines.n));
}

/** `head` and `tail` (-c, -n, with +/- forms and suffixes, -q, -v, several files with headers). */
export function headTailCommands(s: Session): Command[] {
  return (["head", "tail"] as const).map((tool) =>
    defineCommand(tool, async (args, ctx) => {
      const o = parseHeadTail(tool, args);
      if ("error" in o) return fail(o.error);
      const parts: Rope[] = [];
      let stderr = "";
      const headers = (o.files.length > 1 && !o.quiet) || o.verbose;
      let first = true;
      for (const op of o.files) {
        const input = await readInput(s, ctx, op, tool);
        if ("error" in input) {
          stderr +=
            tool === "head"
              ? `head: cannot open '${op}' for reading: ${input.error.replace(/^.*: /, "").trim()}\n`
              : `tail: cannot open '${op}' for reading: ${input.error.replace(/^.*: /, "").trim()}\n`;
          continue;
        }
        if (headers) parts.push(literal(`${first ? "" : "\n"}==> ${op === "-" ? "standard input" : op} <==\n`));
        first = false;
        parts.push(tool === "head" ? headOf(input.rope, o) : tailOf(input.rope, o));
      }
      return ropeResult(concatRopes(...parts), stderr, stderr ? 1 : 0);
    }),
  );
}

/** Counts of a rope: exact when it can be read, else from samples spread over it (deterministic). */
function counts(rope: Rope): { lines: number; words: number; bytes: number; chars: number; longest: number } {
  const bytes = ropeLength(rope);
  const count = (data: Uint8Array) => {
    let lines = 0;
    let words = 0;
    let inWord = false;
    let chars = 0;
    let longest = 0;
    let col = 0;
    for (const b of data) {
      if ((b & 0xc0) !== 0x80) chars++;
      if (b === 0x0a) {
        lines++;
        longest = Math.max(longest, col);
        col = 0;
      } else col++;
      const space = b === 0x20 || (b >= 0x09 && b <= 0x0d);
      if (space) inWord = false;
      else if (!inWord && b > 0x20 && b !== 0x7f) {
        inWord = true;
        words++;
      }
    }
    return { lines, words, chars, longest: Math.max(longest, col) };
  };
  if (bytes <= MATERIALIZE_MAX) return { ...count(materialize(rope)), bytes };
  const samples = 64;
  const span = 65536;
  let l = 0;
  let w = 0;
  let c = 0;
  let longest = 0;
  for (let k = 0; k < samples; k++) {
    const at = Math.floor(((bytes - span) * k) / (samples - 1));
    const r = count(readRange(rope, at, span));
    l += r.lines;
    w += r.words;
    c += r.chars;
    longest = Math.max(longest, r.longest);
  }
  const scale = bytes / (samples * span);
  return {
    lines: Math.round(l * scale),
    words: Math.round(w * scale),
    chars: Math.round(c * scale),
    bytes,
    longest: longest * 40,
  };
}

/** `wc [-clmwL] [FILE]...` laid out as GNU wc does. */
export function wcCommand(s: Session): Command {
  return defineCommand("wc", async (args, ctx) => {
    const want = new Set<string>();
    const files: string[] = [];
    for (const a of args) {
      if (a === "--bytes") want.add("c");
      else if (a === "--lines") want.add("l");
      else if (a === "--words") want.add("w");
      else if (a === "--chars") want.add("m");
      else if (a === "--max-line-length") want.add("L");
      else if (a.startsWith("--"))
        return fail(`wc: unrecognized option '${a}'\nTry 'wc --help' for more information.\n`);
      else if (a.startsWith("-") && a !== "-") {
        for (const c of a.slice(1)) {
          if (!"clmwL".includes(c))
            return fail(`wc: invalid option -- '${c}'\nTry 'wc --help' for more information.\n`);
          want.add(c);
        }
      } else files.push(a);
    }
    if (want.size === 0) for (const c of "lwc") want.add(c);
    const order = ["l", "w", "m", "c", "L"].filter((c) => want.has(c));
    const rows: { values: number[]; name: string | null }[] = [];
    let stderr = "";
    const totals = order.map(() => 0);
    const names = files.length ? files : ["-"];
    let sizes = 0;
    for (const op of names) {
      const input = await readInput(s, ctx, op, "wc");
      if ("error" in input) {
        stderr += input.error;
        if (input.error.includes("Is a directory")) rows.push({ values: order.map(() => 0), name: op });
        continue;
      }
      const onlyBytes = order.length === 1 && order[0] === "c";
      const n = onlyBytes
        ? { bytes: ropeLength(input.rope), lines: 0, words: 0, chars: 0, longest: 0 }
        : counts(input.rope);
      sizes += n.bytes;
      const values = order.map((c) => ({ l: n.lines, w: n.words, m: n.chars, c: n.bytes, L: n.longest })[c] as number);
      values.forEach((v, i) => {
        totals[i] = order[i] === "L" ? Math.max(totals[i] as number, v) : (totals[i] as number) + v;
      });
      rows.push({ values, name: files.length ? op : null });
    }
    if (names.length > 1) rows.push({ values: totals, name: "total" });
    // GNU: one count from stdin alone is unpadded; otherwise columns are as wide as the total size's digits
    const fromStdinOnly = files.length === 0 || (files.length === 1 && files[0] === "-");
    const width =
      order.length === 1 && rows.length === 1
        ? 1
        : fromStdinOnly
          ? 7
          : Math.max(1, String(Math.max(sizes, ...totals)).length);
    const out = rows
      .map((r) => {
        const cols = r.values.map((v) => String(v).padStart(width)).join(" ");
        return r.name === null ? cols : `${cols} ${r.name}`;
      })
      .join("\n");
    return { stdout: rows.length ? `${out}\n` : "", stderr, exitCode: stderr ? 1 : 0 };
  });
}

/** `tee [-a] [FILE]...`: stdin to each file and to stdout, ropes kept whole. */
export function teeCommand(s: Session): Command {
  return defineCommand("tee", async (args, ctx) => {
    const append = args.some((a) => a === "-a" || a === "--append");
    const files = args.filter((a) => !a.startsWith("-") || a === "-");
    const rope = stdinRope(ctx);
    let stderr = "";
    for (const f of files) {
      const path = s.fs.resolvePath(ctx.cwd, f);
      try {
        if (append && (await s.fs.exists(path))) {
          const prev = await readInput(s, ctx, f, "tee");
          await writeRope(s, path, concatRopes("rope" in prev ? prev.rope : [], rope));
        } else await writeRope(s, path, rope);
      } catch (e) {
        stderr += `tee: ${f}: ${errorText(e)}\n`;
      }
    }
    return ropeResult(rope, stderr, stderr ? 1 : 0);
  });
}

/** SI (kB, MB) and binary (KiB, MiB) sizes with two significant digits, as dd prints them. */
function human(n: number, binary: boolean): string {
  const base = binary ? 1024 : 1000;
  const units = binary ? ["KiB", "MiB", "GiB", "TiB", "PiB"] : ["kB", "MB", "GB", "TB", "PB"];
  let v = n;
  let u = -1;
  while (v >= base && u < units.length - 1) {
    v /= base;
    u++;
  }
  if (u < 0) return `${n} B`;
  const shown = v < 10 ? (Math.round(v * 10) / 10).toFixed(1) : String(Math.round(v));
  return `${shown} ${units[u]}`;
}

function gFormat(x: number): string {
  return Number(x.toPrecision(6))
    .toString()
    .replace(/e-(\d)$/, "e-0$1");
}

/** Seconds a transfer of `bytes` takes on this host (NVMe workstation, SATA servers), for dd's closing line. */
function transferSeconds(s: Session, bytes: number, toNull: boolean): number {
  const rate = toNull ? 2.6e9 : s.host.kind === "server" ? 4.8e8 : 1.9e9;
  return 4.6e-5 + bytes / rate;
}

function ddSummary(
  recordsIn: [number, number],
  recordsOut: [number, number],
  bytes: number,
  secs: number,
  status: string,
): string {
  if (status === "none") return "";
  let out = `${recordsIn[0]}+${recordsIn[1]} records in\n${recordsOut[0]}+${recordsOut[1]} records out\n`;
  if (status === "noxfer") return out;
  const size =
    bytes >= 1000
      ? `${bytes} bytes (${human(bytes, false)}, ${human(bytes, true)}) copied`
      : `${bytes} byte${bytes === 1 ? "" : "s"} copied`;
  out += `${size}, ${gFormat(secs)} s, ${human(Math.round(bytes / secs), false)}/s\n`;
  return out;
}

const DEVICE_BLOBS: Record<string, (seed: string) => BlobSpec> = {
  "/dev/zero": () => ({ kind: "zero", size: Number.MAX_SAFE_INTEGER }),
  "/dev/urandom": (seed) => ({ kind: "random", seed, size: Number.MAX_SAFE_INTEGER }),
  "/dev/random": (seed) => ({ kind: "random", seed, size: Number.MAX_SAFE_INTEGER }),
};

/** `dd if= of= bs= ibs= obs= count= skip= seek= iflag= oflag= conv= status=` over ropes. */
export function ddCommand(s: Session): Command {
  return defineCommand("dd", async (args, ctx) => {
    const op: Record<string, string> = {};
    for (const a of args) {
      const m = a.match(/^(if|of|bs|ibs|obs|count|skip|iseek|seek|oseek|iflag|oflag|conv|status|cbs)=(.*)$/s);
      if (a === "--help") return ok("Usage: dd [OPERAND]...\n  or:  dd OPTION\n");
      if (!m) return fail(`dd: unrecognized operand ${gnuQuote(a)}\nTry 'dd --help' for more information.\n`);
      op[m[1] as string] = m[2] as string;
    }
    const num = (k: string): number | null | undefined => {
      const v = op[k];
      if (v === undefined) return undefined;
      const parts = v.split("x");
      let n = 1;
      for (const p of parts) {
        const x = parseSize(p.replace(/^(\d+)c$/, "$1").replace(/^(\d+)w$/, (_m, d) => String(Number(d) * 2)));
        if (x === null) return null;
        n *= x;
      }
      return n;
    };
    for (const k of ["bs", "ibs", "obs", "count", "skip", "iseek", "seek", "oseek"]) {
      if (num(k) === null) return fail(`dd: invalid number: ${gnuQuote(op[k] as string)}\n`);
    }
    const ibs = (num("bs") ?? num("ibs") ?? 512) as number;
    const obs = (num("bs") ?? num("obs") ?? 512) as number;
    const iflag = (op.iflag ?? "").split(",");
    const oflag = (op.oflag ?? "").split(",");
    const conv = (op.conv ?? "").split(",");
    const status = op.status ?? "";
    const skipN = (num("skip") ?? num("iseek") ?? 0) as number;
    const seekN = (num("seek") ?? num("oseek") ?? 0) as number;
    const skip = iflag.includes("skip_bytes") ? skipN : skipN * ibs;
    const seek = oflag.includes("seek_bytes") ? seekN : seekN * obs;
    const countN = num("count") as number | undefined;
    let source: Rope;
    const device = op.if ? DEVICE_BLOBS[s.fs.resolvePath(ctx.cwd, op.if)] : undefined;
    if (device) {
      const want =
        countN === undefined ? ctx.limits.maxOutputSize + 1 : iflag.includes("count_bytes") ? countN : countN * ibs;
      const seed = `${s.host.worldName}:${s.world.now().toISOString()}:${identityOf(stdinRope(ctx))}`;
      source = [{ t: "gen", blob: { ...device(seed), size: skip + want }, start: 0, length: skip + want }];
    } else if (op.if) {
      const input = await readInput(s, ctx, op.if, "dd");
      if ("error" in input) return fail(`dd: failed to open '${op.if}': ${input.error.replace(/^.*: /, "").trim()}\n`);
      source = input.rope;
    } else source = stdinRope(ctx);
    const total = ropeLength(source);
    const available = Math.max(0, total - skip);
    const limit = countN === undefined ? available : iflag.includes("count_bytes") ? countN : countN * ibs;
    const copied = sliceRope(source, skip, Math.min(available, limit));
    const n = ropeLength(copied);
    const recordsIn: [number, number] = [Math.floor(n / ibs), n % ibs ? 1 : 0];
    let written = n;
    let stderr = "";
    let exit = 0;
    const toNull = op.of !== undefined && s.fs.resolvePath(ctx.cwd, op.of) === "/dev/null";
    let stdout: ExecResult | null = null;
    if (op.of && !toNull) {
      const path = s.fs.resolvePath(ctx.cwd, op.of);
      let base: Rope = [];
      try {
        if (await s.fs.exists(path)) {
          const prev = await readInput(s, ctx, op.of, "dd");
          if ("rope" in prev) {
            if (oflag.includes("append")) base = prev.rope;
            else if (conv.includes("notrunc") || seek > 0)
              base = sliceRope(prev.rope, 0, conv.includes("notrunc") ? undefined : seek);
          }
        }
        const at = oflag.includes("append") ? ropeLength(base) : seek;
        const pad = Math.max(0, at - ropeLength(base));
        const before = sliceRope(base, 0, at);
        const after = conv.includes("notrunc") ? sliceRope(base, at + n) : [];
        const zeros: Rope = pad ? [{ t: "gen", blob: { kind: "zero", size: pad }, start: 0, length: pad }] : [];
        const result = concatRopes(before, zeros, copied, after);
        await writeRope(s, path, result);
      } catch (e) {
        const why = errorText(e);
        if (why === "No space left on device") {
          const now = ropeLength(
            (await readInput(s, ctx, op.of, "dd").then((r) => ("rope" in r ? r.rope : []))) as Rope,
          );
          written = Math.max(0, Math.min(n, now - seek));
          stderr += `dd: error writing '${op.of}': No space left on device\n`;
        } else {
          return fail(`dd: failed to open '${op.of}': ${why}\n`);
        }
        exit = 1;
      }
    } else if (!toNull) stdout = ropeResult(copied);
    const recordsOut: [number, number] = [Math.floor(written / obs), written % obs ? 1 : 0];
    if (exit) recordsIn[0] = Math.floor(written / ibs) + (written % ibs ? 0 : 0);
    const secs = transferSeconds(s, written, toNull || !op.of);
    let progress = "";
    if (status === "progress" && secs >= 1) {
      const steps = Math.min(2000, Math.floor(secs));
      for (let k = 1; k <= steps; k++) {
        const t = (secs * k) / (steps + 1);
        const b = Math.floor((written * k) / (steps + 1) / obs) * obs;
        progress += `${b} bytes (${human(b, false)}, ${human(b, true)}) copied, ${Math.floor(t)} s, ${human(Math.round(b / t), false)}/s\r`;
      }
      progress += "\n";
    }
    stderr += progress + ddSummary(recordsIn, recordsOut, written, secs, status === "progress" ? "" : status);
    return { ...(stdout ?? { stdout: "" }), stderr, exitCode: exit };
  });
}

/** `truncate -s [+-<>/%]SIZE | -r REF [-c] FILE...`: growing adds zeros (a sparse extension). */
export function truncateCommand(s: Session): Command {
  return defineCommand("truncate", async (args, ctx) => {
    let size: string | null = null;
    let ref: string | null = null;
    let noCreate = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-s" || a === "--size") size = args[++i] ?? "";
      else if (a.startsWith("--size=")) size = a.slice(7);
      else if (a.startsWith("-s") && a.length > 2) size = a.slice(2);
      else if (a === "-r" || a === "--reference") ref = args[++i] ?? "";
      else if (a.startsWith("--reference=")) ref = a.slice(12);
      else if (a === "-c" || a === "--no-create") noCreate = true;
      else if (a === "-o" || a === "--io-blocks") continue;
      else if (a.startsWith("-") && a.length > 1)
        return fail(`truncate: invalid option -- '${a.slice(1, 2)}'\nTry 'truncate --help' for more information.\n`);
      else files.push(a);
    }
    if (size === null && ref === null)
      return fail(
        "truncate: you must specify either ‘--size’ or ‘--reference’\nTry 'truncate --help' for more information.\n",
      );
    if (files.length === 0)
      return fail("truncate: missing file operand\nTry 'truncate --help' for more information.\n");
    let mode = "";
    let amount = 0;
    if (size !== null) {
      const m = size.match(/^([+\-<>/%]?)(.*)$/s) as RegExpMatchArray;
      mode = m[1] as string;
      const n = parseSize(m[2] as string, false);
      if (n === null) return fail(`truncate: Invalid number: ${gnuQuote(size)}\n`);
      amount = n;
    } else {
      const r = await readInput(s, ctx, ref as string, "truncate");
      if ("error" in r) return fail(`truncate: cannot stat '${ref}': No such file or directory\n`);
      amount = ropeLength(r.rope);
    }
    let stderr = "";
    for (const f of files) {
      const path = s.fs.resolvePath(ctx.cwd, f);
      let rope: Rope = [];
      if (await s.fs.exists(path)) {
        const r = await readInput(s, ctx, f, "truncate");
        if ("error" in r) {
          stderr += `truncate: cannot open '${f}' for writing: ${r.error.replace(/^.*: /, "").trim()}\n`;
          continue;
        }
        rope = r.rope;
      } else if (noCreate) continue;
      const cur = ropeLength(rope);
      const target =
        mode === "+"
          ? cur + amount
          : mode === "-"
            ? Math.max(0, cur - amount)
            : mode === "<"
              ? Math.min(cur, amount)
              : mode === ">"
                ? Math.max(cur, amount)
                : mode === "/"
                  ? Math.floor(cur / amount) * amount
                  : mode === "%"
                    ? Math.ceil(cur / amount) * amount
                    : amount;
      const next =
        target <= cur
          ? sliceRope(rope, 0, target)
          : concatRopes(rope, [
              { t: "gen", blob: { kind: "zero", size: target - cur }, start: 0, length: target - cur },
            ]);
      try {
        await writeRope(s, path, next);
      } catch (e) {
        stderr += `truncate: cannot open '${f}' for writing: ${errorText(e)}\n`;
      }
    }
    return { stdout: "", stderr, exitCode: stderr ? 1 : 0 };
  });
}

/** First offset where two ropes differ (null when equal), comparing shared structure without reading it. */
function firstDifference(a: Rope, b: Rope): number | null {
  const la = ropeLength(a);
  const lb = ropeLength(b);
  const n = Math.min(la, lb);
  if (la === lb && identityOf(a) === identityOf(b)) return null;
  let at = 0;
  while (at < n) {
    // skip a stretch both ropes take from the same source
    const sa = sliceRope(a, at, CHUNK);
    const sb = sliceRope(b, at, CHUNK);
    if (!isLiteral(sa) && identityOf(sa) === identityOf(sb)) {
      at += ropeLength(sa);
      continue;
    }
    const x = readRange(a, at, CHUNK);
    const y = readRange(b, at, CHUNK);
    const m = Math.min(x.length, y.length);
    for (let i = 0; i < m; i++) if (x[i] !== y[i]) return at + i;
    at += m;
  }
  return la === lb ? null : n;
}

function lineOf(rope: Rope, offset: number): number {
  let lines = 1;
  for (let at = 0; at < offset; at += CHUNK) {
    const bytes = readRange(rope, at, Math.min(CHUNK, offset - at));
    for (const b of bytes) if (b === 0x0a) lines++;
  }
  return lines;
}

/** `cmp [-l] [-s] [-b] [-n N] FILE1 [FILE2]` (diffutils 3.8 wording). */
export function cmpCommand(s: Session): Command {
  return defineCommand("cmp", async (args, ctx) => {
    const flags = new Set<string>();
    const files: string[] = [];
    let limit = Number.POSITIVE_INFINITY;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-n" || a === "--bytes") limit = Number(args[++i]);
      else if (a === "--silent" || a === "--quiet") flags.add("s");
      else if (a === "--verbose") flags.add("l");
      else if (a === "--print-bytes") flags.add("b");
      else if (a.startsWith("-") && a !== "-") for (const c of a.slice(1)) flags.add(c);
      else files.push(a);
    }
    if (files.length === 0)
      return fail("cmp: missing operand after 'cmp'\ncmp: Try 'cmp --help' for more information.\n", 2);
    const [fa, fb = "-"] = files as [string, string?];
    const A = await readInput(s, ctx, fa, "cmp");
    if ("error" in A) return fail(A.error, 2);
    const B = await readInput(s, ctx, fb, "cmp");
    if ("error" in B) return fail(B.error, 2);
    const a = Number.isFinite(limit) ? sliceRope(A.rope, 0, limit) : A.rope;
    const b = Number.isFinite(limit) ? sliceRope(B.rope, 0, limit) : B.rope;
    const la = ropeLength(a);
    const lb = ropeLength(b);
    if (flags.has("l")) {
      let out = "";
      const n = Math.min(la, lb, 1 << 20);
      const x = readRange(a, 0, n);
      const y = readRange(b, 0, n);
      for (let i = 0; i < n; i++)
        if (x[i] !== y[i])
          out += `${String(i + 1)} ${(x[i] as number).toString(8).padStart(3)} ${(y[i] as number).toString(8).padStart(3)}\n`;
      let stderr = "";
      if (la !== lb) stderr = `cmp: EOF on ${la < lb ? fa : fb} after byte ${Math.min(la, lb)}\n`;
      return { stdout: out, stderr, exitCode: out || stderr ? 1 : 0 };
    }
    const d = firstDifference(a, b);
    if (d === null) return ok();
    if (flags.has("s")) return { stdout: "", stderr: "", exitCode: 1 };
    if (d === Math.min(la, lb) && la !== lb) {
      const shorter = la < lb ? fa : fb;
      const rope = la < lb ? a : b;
      const n = Math.min(la, lb);
      const line = lineOf(rope, n);
      const tail =
        n === 0
          ? "which is empty"
          : `after byte ${n}, ${readRange(rope, n - 1, 1)[0] === 0x0a ? `line ${line - 1}` : `in line ${line}`}`;
      return { stdout: "", stderr: `cmp: EOF on ${shorter} ${tail}\n`, exitCode: 1 };
    }
    let extra = "";
    if (flags.has("b")) {
      const x = readRange(a, d, 1)[0] as number;
      const y = readRange(b, d, 1)[0] as number;
      const show = (v: number) =>
        `${v.toString(8).padStart(3)} ${v >= 32 && v < 127 ? String.fromCharCode(v) : v < 32 ? `^${String.fromCharCode(v + 64)}` : "M-?"}`;
      extra = ` is ${show(x)} ${show(y)}`;
    }
    return { stdout: `${fa} ${fb} differ: byte ${d + 1}, line ${lineOf(a, d)}${extra}\n`, stderr: "", exitCode: 1 };
  });
}

/** `diff` on files that are binary or too large to read as text answers as GNU diff does; text goes to diff. */
/** diff's options this toolset answers itself; any other sends the command line to the bundled diff. */
function diffOptions(
  args: string[],
): { format: DiffFormat; brief: boolean; identical: boolean; files: string[] } | null {
  let format: DiffFormat = { kind: "normal" };
  let brief = false;
  let identical = false;
  const files: string[] = [];
  const contextOf = (v: string | undefined) => (v === undefined || !/^\d+$/.test(v) ? null : Number(v));
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-" || !a.startsWith("-")) files.push(a);
    else if (a === "--") files.push(...args.slice(i + 1));
    else if (a === "-u" || a === "--unified") format = { kind: "unified", context: 3 };
    else if (a === "-c" || a === "--context") format = { kind: "context", context: 3 };
    else if (a === "-U" || a === "-C") {
      const n = contextOf(args[++i]);
      if (n === null) return null;
      format = { kind: a === "-U" ? "unified" : "context", context: n };
    } else if (/^-[UC]\d+$/.test(a))
      format = { kind: a[1] === "U" ? "unified" : "context", context: Number(a.slice(2)) };
    else if (/^--(unified|context)=\d+$/.test(a))
      format = { kind: a.startsWith("--unified") ? "unified" : "context", context: Number(a.split("=")[1]) };
    else if (a === "-q" || a === "--brief") brief = true;
    else if (a === "-s" || a === "--report-identical-files") identical = true;
    else if (/^-[qsu]+$/.test(a)) {
      brief ||= a.includes("q");
      identical ||= a.includes("s");
      if (a.includes("u")) format = { kind: "unified", context: 3 };
    } else return null;
    if (a === "--") break;
  }
  return files.length === 2 ? { format, brief, identical, files } : null;
}

/** `diff` in GNU's formats (gnu-diff.ts) for two files or pipes; directories and other options go to the bundled diff. */
export function diffCommand(s: Session): Command {
  return defineCommand("diff", async (args, ctx) => {
    if (!ctx.origCommand) return fail("diff: unavailable\n", 2);
    const o = diffOptions(args);
    if (!o) return ctx.origCommand(args);
    const ropes: Rope[] = [];
    const labels: string[] = [];
    for (const f of o.files) {
      // a process substitution's pipe is the interpreter's (its own fs holds it)
      if (/^\/dev\/fd\/\d+$/.test(f)) {
        const text = await ctx.fs.readFile(f).catch(() => null);
        if (text === null) return ctx.origCommand(args);
        ropes.push(decodeRope(text));
        labels.push(`${f}\t${statTime(s.world.now())}`);
        continue;
      }
      const r = await readInput(s, ctx, f, "diff");
      if ("error" in r) return ctx.origCommand(args);
      ropes.push(r.rope);
      const mtime = r.path ? (await s.fs.stat(r.path)).mtime : s.world.now();
      labels.push(`${f}\t${statTime(mtime)}`);
    }
    const [a, b] = ropes as [Rope, Rope];
    const [fa, fb] = o.files as [string, string];
    const binary = (r: Rope) => {
      if (ropeLength(r) > MATERIALIZE_MAX) return true;
      const head = readRange(r, 0, 4096);
      return head.includes(0);
    };
    const same = firstDifference(a, b) === null;
    if (same) return ok(o.identical ? `Files ${fa} and ${fb} are identical\n` : "");
    if (o.brief) return { stdout: `Files ${fa} and ${fb} differ\n`, stderr: "", exitCode: 1 };
    if (binary(a) || binary(b)) return { stdout: `Binary files ${fa} and ${fb} differ\n`, stderr: "", exitCode: 1 };
    const text = (r: Rope) => Buffer.from(materialize(r)).toString("utf8");
    const out = gnuDiff(text(a), text(b), o.format, labels as [string, string]);
    if (out === null) return ctx.origCommand(args);
    return { stdout: out, stderr: "", exitCode: 1 };
  });
}

/** `shred [-n N] [-u] [-z] [-v] [-f] FILE...`: overwrites with random bytes (and zeros with -z), then removes with -u. */
export function shredCommand(s: Session): Command {
  return defineCommand("shred", async (args, ctx) => {
    let passes = 3;
    let remove = false;
    let zero = false;
    let verbose = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-n" || a === "--iterations") passes = Number(args[++i]);
      else if (a.startsWith("--iterations=")) passes = Number(a.slice(13));
      else if (a === "-u" || a === "--remove" || a.startsWith("--remove=")) remove = true;
      else if (a === "-z" || a === "--zero") zero = true;
      else if (a === "-v" || a === "--verbose") verbose = true;
      else if (a === "-f" || a === "--force" || a === "-x" || a === "--exact") continue;
      else if (/^-[uzvfx]+$/.test(a)) {
        remove ||= a.includes("u");
        zero ||= a.includes("z");
        verbose ||= a.includes("v");
      } else if (a.startsWith("-") && a !== "-")
        return fail(`shred: invalid option -- '${a.slice(1, 2)}'\nTry 'shred --help' for more information.\n`);
      else files.push(a);
    }
    if (files.length === 0) return fail("shred: missing file operand\nTry 'shred --help' for more information.\n");
    let stderr = "";
    for (const f of files) {
      const r = await readInput(s, ctx, f, "shred");
      if ("error" in r) {
        stderr += `shred: ${f}: failed to open for writing: ${r.error.replace(/^.*: /, "").trim()}\n`;
        continue;
      }
      const path = r.path as string;
      const size = ropeLength(r.rope);
      const seed = createHash("sha256").update(`shred\u0000${path}\u0000${s.world.now().toISOString()}`).digest("hex");
      const total = passes + (zero ? 1 : 0);
      for (let p = 1; p <= total; p++) {
        if (verbose) {
          const what = zero && p === total ? "000000" : "random";
          stderr += `shred: ${f}: pass ${p}/${total} (${what})...\n`;
        }
      }
      const content: Rope = zero
        ? [{ t: "gen", blob: { kind: "zero", size }, start: 0, length: size }]
        : [{ t: "gen", blob: { kind: "random", seed, size }, start: 0, length: size }];
      try {
        await writeRope(s, path, size ? content : []);
        if (remove) {
          if (verbose) stderr += `shred: ${f}: removing\n`;
          await s.fs.rm(path);
          if (verbose) stderr += `shred: ${f}: removed\n`;
        }
      } catch (e) {
        stderr += `shred: ${f}: ${errorText(e)}\n`;
      }
    }
    const failed = stderr.split("\n").some((l) => l && !/pass \d|removing|removed/.test(l));
    return { stdout: "", stderr, exitCode: failed ? 1 : 0 };
  });
}

const DIGESTS: Record<string, { alg: string; tag: string }> = {
  md5sum: { alg: "md5", tag: "MD5" },
  sha1sum: { alg: "sha1", tag: "SHA1" },
  sha224sum: { alg: "sha224", tag: "SHA224" },
  sha256sum: { alg: "sha256", tag: "SHA256" },
  sha384sum: { alg: "sha384", tag: "SHA384" },
  sha512sum: { alg: "sha512", tag: "SHA512" },
  b2sum: { alg: "blake2b512", tag: "BLAKE2b" },
};

/**
 * md5sum, sha1sum, sha224sum, sha256sum, sha384sum, sha512sum, b2sum (and -c checking): the real digest of what
 * can be read, and for larger content a digest derived from its identity (content.ts digestOf), so the same
 * content gives the same digest on every route.
 */
export function checksumCommands(s: Session): Command[] {
  return Object.entries(DIGESTS).map(([name, { alg, tag }]) =>
    defineCommand(name, async (args, ctx) => {
      let check = false;
      let tagged = false;
      let quiet = false;
      let status = false;
      const files: string[] = [];
      for (const a of args) {
        if (a === "-c" || a === "--check") check = true;
        else if (a === "--tag") tagged = true;
        else if (a === "--quiet") quiet = true;
        else if (a === "--status") status = true;
        else if (
          a === "-b" ||
          a === "-t" ||
          a === "--binary" ||
          a === "--text" ||
          a === "-w" ||
          a === "--strict" ||
          a === "--warn" ||
          a === "--ignore-missing"
        )
          continue;
        else if (a.startsWith("-") && a !== "-") {
          if (/^-[cbtw]+$/.test(a)) {
            if (a.includes("c")) check = true;
            continue;
          }
          return fail(`${name}: invalid option -- '${a.slice(1, 2)}'\nTry '${name} --help' for more information.\n`);
        } else files.push(a);
      }
      if (files.length === 0) files.push("-");
      const digest = async (op: string): Promise<string | { error: string }> => {
        const r = await readInput(s, ctx, op, name);
        if ("error" in r) return r;
        return digestOf(r.rope, alg).toString("hex");
      };
      let stdout = "";
      let stderr = "";
      let exit = 0;
      if (!check) {
        for (const f of files) {
          const d = await digest(f);
          if (typeof d !== "string") {
            stderr += d.error;
            exit = 1;
            continue;
          }
          stdout += tagged ? `${tag} (${f}) = ${d}\n` : `${d}  ${f}\n`;
        }
        return { stdout, stderr, exitCode: exit };
      }
      let mismatched = 0;
      let unreadable = 0;
      for (const list of files) {
        const r = await readInput(s, ctx, list, name);
        if ("error" in r) {
          stderr += r.error;
          exit = 1;
          continue;
        }
        const lines = Buffer.from(materialize(sliceRope(r.rope, 0, 1 << 20)))
          .toString("utf8")
          .split("\n")
          .filter(Boolean);
        for (const line of lines) {
          const m = line.match(/^([0-9a-f]+) [ *](.*)$/) ?? line.match(/^\w+ \((.*)\) = ([0-9a-f]+)$/);
          if (!m) continue;
          const [want, file] = line.includes(" = ")
            ? [m[2] as string, m[1] as string]
            : [m[1] as string, m[2] as string];
          const d = await digest(file);
          if (typeof d !== "string") {
            stderr += d.error;
            if (!status) stdout += `${file}: FAILED open or read\n`;
            unreadable++;
          } else if (d === want) {
            if (!quiet && !status) stdout += `${file}: OK\n`;
          } else {
            if (!status) stdout += `${file}: FAILED\n`;
            mismatched++;
          }
        }
      }
      if (unreadable)
        stderr += `${name}: WARNING: ${unreadable} listed file${unreadable > 1 ? "s" : ""} could not be read\n`;
      if (mismatched)
        stderr += `${name}: WARNING: ${mismatched} computed checksum${mismatched > 1 ? "s" : ""} did NOT match\n`;
      return { stdout, stderr, exitCode: exit || mismatched || unreadable ? 1 : 0 };
    }),
  );
}

/** POSIX cksum (CRC-32 of the content and its length, then the size). */
function crc32Posix(rope: Rope): number {
  const n = ropeLength(rope);
  if (n > MATERIALIZE_MAX) return digestOf(rope, "sha256").readUInt32BE(0);
  const table = crcTable();
  let crc = 0;
  const bytes = materialize(rope);
  for (const b of bytes) crc = ((crc << 8) ^ (table[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0;
  for (let len = n; len > 0; len = Math.floor(len / 256))
    crc = ((crc << 8) ^ (table[((crc >>> 24) ^ (len & 0xff)) & 0xff] as number)) >>> 0;
  return ~crc >>> 0;
}
let crcCache: Uint32Array | null = null;
function crcTable(): Uint32Array {
  if (crcCache) return crcCache;
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  crcCache = t;
  return t;
}

export function cksumCommand(s: Session): Command {
  return defineCommand("cksum", async (args, ctx) => {
    const files = args.filter((a) => !a.startsWith("-") || a === "-");
    let stdout = "";
    let stderr = "";
    for (const f of files.length ? files : ["-"]) {
      const r = await readInput(s, ctx, f, "cksum");
      if ("error" in r) {
        stderr += r.error;
        continue;
      }
      stdout += `${crc32Posix(r.rope)} ${ropeLength(r.rope)}${f === "-" ? "" : ` ${f}`}\n`;
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

/**
 * `cp`: the bundled cp (which copies ropes whole through the host's filesystem), with GNU's -a/--archive (as -rp)
 * and --preserve, and GNU's wording when the destination's disk fills up.
 */
export function cpCommand(s: Session): Command {
  return defineCommand("cp", async (args, ctx) => {
    if (!ctx.origCommand) return fail("cp: unavailable\n");
    const mapped: string[] = [];
    let operandsOnly = false;
    for (const a of args) {
      if (operandsOnly || !a.startsWith("-") || a === "-") mapped.push(a);
      else if (a === "--") {
        operandsOnly = true;
        mapped.push(a);
      } else if (a === "--archive") mapped.push("-r", "-p");
      else if (a === "--preserve" || a.startsWith("--preserve=")) mapped.push("-p");
      else if (a === "--force" || a === "--no-dereference" || a.startsWith("--no-preserve")) continue;
      else if (!a.startsWith("--")) {
        const letters = a
          .slice(1)
          .replace(/a/g, "rp")
          .replace(/[fdPH]/g, "");
        if (letters) mapped.push(`-${[...new Set(letters)].join("")}`);
      } else mapped.push(a);
    }
    const preserve = mapped.some((a) => /^-[a-zA-Z]*p/.test(a));
    const operands = mapped.filter((a) => !a.startsWith("-") || a === "-");
    const sources = operands.slice(0, -1).map((o) => s.fs.resolvePath(ctx.cwd, o));
    const dest = operands.length > 1 ? s.fs.resolvePath(ctx.cwd, operands.at(-1) as string) : null;
    const destWasDir = dest ? (await s.fs.stat(dest).catch(() => null))?.isDirectory === true : false;
    const r = await ctx.origCommand(mapped);
    // -p keeps the sources' times (the copy itself is stamped with the World's clock)
    if (preserve && dest) {
      const keep = async (from: string, to: string): Promise<void> => {
        const st = await s.fs.stat(from).catch(() => null);
        if (!st || !(await s.fs.exists(to))) return;
        if (st.isDirectory) for (const n of await s.fs.readdir(from)) await keep(`${from}/${n}`, `${to}/${n}`);
        if ((await s.fs.layerOf(to)) === "world") await s.fs.audited.setMtime(to, st.mtime);
      };
      for (const src of sources) await keep(src, destWasDir ? `${dest}/${src.slice(src.lastIndexOf("/") + 1)}` : dest);
    }
    const stderr = r.stderr.replace(
      /^cp: cannot copy '[^']*': ENOSPC: [^\n]*?, write '([^'\n]*)'$/gm,
      "cp: error writing '$1': No space left on device",
    );
    return { ...r, stderr };
  });
}
