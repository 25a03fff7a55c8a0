import type { Command } from "just-bash";
import { defineCommand } from "just-bash";
import {
  concatRopes,
  literal,
  MATERIALIZE_MAX,
  materialize,
  type Rope,
  readRange,
  ropeLength,
  sliceRope,
  transformed,
} from "../../../world/content.js";
import { type DumpStyle, dumpAll } from "../../../world/dump.js";
import { parseSize, readInput, ropeResult } from "../rope-io.js";
import { fail, type Session } from "../session.js";

/**
 * Dumps and inspection over ropes: xxd (and -r), hexdump/hd, od, strings, file. Small input is dumped in full
 * (with the `*` squeezing od and hexdump do); larger input becomes the dump's exact transform, so `xxd w | head`
 * reads only what `head` shows.
 */

const EAGER_MAX = 8 * 1024 * 1024;

function dump(style: DumpStyle, rope: Rope, squeeze: boolean): Rope {
  if (ropeLength(rope) <= EAGER_MAX) return literal(dumpAll(style, materialize(rope), squeeze));
  return transformed({ kind: "dump", style }, rope);
}

const DEFAULT_STYLE: DumpStyle = {
  tool: "xxd",
  cols: 16,
  group: 2,
  type: "o2",
  upper: false,
  base: 0,
  radix: "o",
  z: false,
};

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  if (/^-?0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t, 16);
  if (/^-?0[0-7]+$/.test(t)) return Number.parseInt(t, 8);
  return parseSize(t.replace(/^\+/, ""));
}

/** Bytes from hex text: xxd -r (with offsets) and xxd -r -p (plain). */
function unhex(text: string, plain: boolean): Uint8Array {
  const out: number[] = [];
  if (plain) {
    const digits = text.replace(/[^0-9a-fA-F]/g, "");
    for (let i = 0; i + 1 < digits.length; i += 2) out.push(Number.parseInt(digits.slice(i, i + 2), 16));
    return new Uint8Array(out);
  }
  const bytes: number[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^\s*([0-9a-fA-F]+):\s?((?:[0-9a-fA-F]{2}\s?)*)/);
    if (!m) continue;
    const at = Number.parseInt(m[1] as string, 16);
    const hex = (m[2] as string).split("  ")[0]?.replace(/\s+/g, "") ?? "";
    for (let i = 0; i + 1 < hex.length; i += 2) bytes[at + i / 2] = Number.parseInt(hex.slice(i, i + 2), 16);
  }
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i] ?? 0);
  return new Uint8Array(out);
}

/** `xxd [-s off] [-l len] [-c cols] [-g bytes] [-p] [-u] [-i] [-r] [file [outfile]]`. */
export function xxdCommand(s: Session): Command {
  return defineCommand("xxd", async (args, ctx) => {
    let skip = 0;
    let len: number | null = null;
    let cols: number | null = null;
    let group: number | null = null;
    let plain = false;
    let upper = false;
    let include = false;
    let reverse = false;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const val = (inline: string) => (inline !== "" ? inline : (args[++i] ?? ""));
      const m = a.match(/^-(s|seek|l|len|c|cols|g|groupsize)(.*)$/);
      if (m && a.startsWith("-") && !["-ps", "-plain", "-postscript"].includes(a)) {
        const raw = val((m[2] as string).replace(/^=/, ""));
        const v = num(raw);
        if (v === null) return fail(`xxd: ${raw}: invalid number\n`);
        const k = m[1] as string;
        if (k === "s" || k === "seek") skip = v;
        else if (k === "l" || k === "len") len = v;
        else if (k === "c" || k === "cols") cols = v;
        else group = v;
      } else if (a === "-p" || a === "-ps" || a === "-plain" || a === "-postscript") plain = true;
      else if (a === "-u") upper = true;
      else if (a === "-i" || a === "-include") include = true;
      else if (a === "-r" || a === "-revert") reverse = true;
      else if (a === "-rp" || a === "-pr") reverse = plain = true;
      else if (a.startsWith("-") && a !== "-") return fail(`xxd: invalid option -- '${a.slice(1)}'\n`);
      else files.push(a);
    }
    const input = await readInput(s, ctx, files[0] ?? "-", "xxd");
    if ("error" in input) return fail(input.error.replace(/^xxd: (.*): (.*)\n$/, "xxd: $1: $2\n"), 2);
    let out: Rope;
    if (reverse) {
      if (ropeLength(input.rope) > MATERIALIZE_MAX) return fail("xxd: Cannot allocate memory\n", 1);
      out = literal(unhex(Buffer.from(materialize(input.rope)).toString("latin1"), plain));
    } else {
      const start = skip < 0 ? Math.max(0, ropeLength(input.rope) + skip) : skip;
      const body = sliceRope(input.rope, start, len ?? undefined);
      if (include) {
        const bytes = materialize(sliceRope(body, 0, MATERIALIZE_MAX));
        const name = (files[0] ?? "").replace(/[^A-Za-z0-9]/g, "_");
        const lines: string[] = [];
        for (let i = 0; i < bytes.length; i += 12)
          lines.push(
            `  ${[...bytes.subarray(i, i + 12)].map((b) => `0x${b.toString(16).padStart(2, "0")}`).join(", ")}`,
          );
        const text = files[0]
          ? `unsigned char ${name}[] = {\n${lines.join(",\n")}\n};\nunsigned int ${name}_len = ${bytes.length};\n`
          : `${lines.join(",\n")}\n`;
        out = literal(text);
      } else {
        const style: DumpStyle = plain
          ? { ...DEFAULT_STYLE, tool: "xxd-plain", cols: cols ?? 30, upper }
          : { ...DEFAULT_STYLE, tool: "xxd", cols: cols ?? 16, group: group ?? 2, upper, base: start };
        out = dump(style, body, false);
      }
    }
    if (files[1]) {
      const path = s.fs.resolvePath(ctx.cwd, files[1]);
      await s.fs.writeFile(
        path,
        Buffer.from(materialize(sliceRope(out, 0, MATERIALIZE_MAX))).toString("latin1"),
        "binary",
      );
      return { stdout: "", stderr: "", exitCode: 0 };
    }
    return ropeResult(out);
  });
}

/** `hexdump [-C] [-v] [-n len] [-s off] [file...]` and `hd` (= hexdump -C). */
export function hexdumpCommands(s: Session): Command[] {
  return ["hexdump", "hd"].map((name) =>
    defineCommand(name, async (args, ctx) => {
      let canonical = name === "hd";
      let squeeze = true;
      let len: number | null = null;
      let skip = 0;
      const files: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        if (a === "-C" || a === "--canonical") canonical = true;
        else if (a === "-v" || a === "--no-squeezing") squeeze = false;
        else if (a === "-n" || a === "--length") len = num(args[++i]);
        else if (a.startsWith("-n") && a.length > 2) len = num(a.slice(2));
        else if (a === "-s" || a === "--skip") skip = num(args[++i]) ?? 0;
        else if (a.startsWith("-s") && a.length > 2) skip = num(a.slice(2)) ?? 0;
        else if (/^-[Cv]+$/.test(a)) {
          canonical ||= a.includes("C");
          squeeze &&= !a.includes("v");
        } else if (a.startsWith("-") && a !== "-") return fail(`${name}: invalid option -- '${a.slice(1, 2)}'\n`);
        else files.push(a);
      }
      const parts: Rope[] = [];
      let stderr = "";
      for (const f of files.length ? files : ["-"]) {
        const r = await readInput(s, ctx, f, name);
        if ("error" in r) stderr += r.error;
        else parts.push(r.rope);
      }
      if (stderr && parts.length === 0) return fail(`${stderr}${name}: all input file arguments failed\n`);
      const body = sliceRope(concatRopes(...parts), skip, len ?? undefined);
      const style: DumpStyle = { ...DEFAULT_STYLE, tool: canonical ? "hexdump-C" : "hexdump", cols: 16, base: skip };
      return ropeResult(dump(style, body, squeeze), stderr, stderr ? 1 : 0);
    }),
  );
}

/** `od [-A radix] [-t type] [-c -x -o -d -b] [-j skip] [-N count] [-w width] [-v] [file...]`. */
export function odCommand(s: Session): Command {
  return defineCommand("od", async (args, ctx) => {
    let radix: DumpStyle["radix"] = "o";
    let type = "o2";
    let z = false;
    let skip = 0;
    let count: number | null = null;
    let width = 16;
    let squeeze = true;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const take = (inline: string) => (inline !== "" ? inline : (args[++i] ?? ""));
      const opt = (short: string, long: string): string | null => {
        if (a === short || a === `--${long}`) return take("");
        if (a.startsWith(short) && a.length > short.length) return a.slice(short.length);
        if (a.startsWith(`--${long}=`)) return a.slice(long.length + 3);
        return null;
      };
      const addr = opt("-A", "address-radix");
      const format = addr === null ? opt("-t", "format") : null;
      const skipped = addr === null && format === null ? opt("-j", "skip-bytes") : null;
      const read = addr === null && format === null && skipped === null ? opt("-N", "read-bytes") : null;
      if (addr !== null) {
        if (!["o", "d", "x", "n"].includes(addr))
          return fail(`od: invalid output address radix '${addr}'; it must be one character from [doxn]\n`);
        radix = addr as DumpStyle["radix"];
      } else if (format !== null) {
        let t = format;
        if (t.endsWith("z")) {
          z = true;
          t = t.slice(0, -1);
        }
        if (!/^(c|a|[xoud][1248]?|[xoud]C|[xoud]S|[xoud]I|[xoud]L)$/.test(t))
          return fail(`od: invalid type string ‘${t}’\n`);
        type = t.replace(/C$/, "1").replace(/S$/, "2").replace(/I$/, "4").replace(/L$/, "8");
        if (/^[xoud]$/.test(type)) type += "4";
      } else if (skipped !== null) skip = num(skipped) ?? 0;
      else if (read !== null) count = num(read);
      else if (a.startsWith("-w") || a.startsWith("--width"))
        width = num(a.replace(/^(-w|--width=?)/, "") || "32") ?? 32;
      else if (a === "-v" || a === "--output-duplicates") squeeze = false;
      else if (a === "-c") type = "c";
      else if (a === "-x") type = "x2";
      else if (a === "-o") type = "o2";
      else if (a === "-d") type = "u2";
      else if (a === "-b") type = "o1";
      else if (a.startsWith("-") && a !== "-")
        return fail(`od: invalid option -- '${a.slice(1, 2)}'\nTry 'od --help' for more information.\n`);
      else files.push(a);
    }
    const parts: Rope[] = [];
    let stderr = "";
    for (const f of files.length ? files : ["-"]) {
      const r = await readInput(s, ctx, f, "od");
      if ("error" in r) stderr += r.error;
      else parts.push(r.rope);
    }
    const body = sliceRope(concatRopes(...parts), skip, count ?? undefined);
    const style: DumpStyle = { ...DEFAULT_STYLE, tool: "od", cols: width, type, radix, z, base: skip };
    return ropeResult(dump(style, body, squeeze), stderr, stderr ? 1 : 0);
  });
}

function isStringByte(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x09;
}

/** `strings [-n min] [-t d|o|x] [-a] [file...]`: runs of printable characters (GNU binutils' defaults). */
export function stringsCommand(s: Session): Command {
  return defineCommand("strings", async (args, ctx) => {
    let min = 4;
    let radix: string | null = null;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-n" || a === "--bytes") min = Number(args[++i]);
      else if (/^-n\d+$/.test(a)) min = Number(a.slice(2));
      else if (/^-\d+$/.test(a)) min = Number(a.slice(1));
      else if (a.startsWith("--bytes=")) min = Number(a.slice(8));
      else if (a === "-t" || a === "--radix") radix = args[++i] ?? "d";
      else if (a.startsWith("--radix=")) radix = a.slice(8);
      else if (a === "-a" || a === "--all" || a === "-") continue;
      else if (a.startsWith("-")) return fail(`strings: invalid option -- '${a.slice(1, 2)}'\n`);
      else files.push(a);
    }
    if (!Number.isFinite(min) || min < 1) return fail(`strings: invalid minimum string length ${min}\n`);
    let out = "";
    let stderr = "";
    const lines: string[] = [];
    for (const f of files.length ? files : ["-"]) {
      const r = await readInput(s, ctx, f, "strings");
      if ("error" in r) {
        stderr += `strings: '${f}': No such file\n`;
        continue;
      }
      // real strings reads everything; past the time a command line may run, show what was read by then
      const n = Math.min(ropeLength(r.rope), MATERIALIZE_MAX);
      let run = "";
      let runAt = 0;
      for (let at = 0; at < n; at += 1 << 20) {
        const bytes = readRange(r.rope, at, Math.min(1 << 20, n - at));
        for (let i = 0; i < bytes.length; i++) {
          const b = bytes[i] as number;
          if (isStringByte(b)) {
            if (run === "") runAt = at + i;
            run += String.fromCharCode(b);
          } else {
            if (run.length >= min) {
              const off = radix === "x" ? runAt.toString(16) : radix === "o" ? runAt.toString(8) : String(runAt);
              lines.push(radix ? `${off.padStart(7)} ${run}` : run);
            }
            run = "";
          }
        }
      }
      if (run.length >= min) lines.push(run);
    }
    out = lines.length ? `${lines.join("\n")}\n` : "";
    return { stdout: out, stderr, exitCode: stderr ? 1 : 0 };
  });
}

/** ctime(3)'s layout in UTC: "Thu Oct 17 03:48:52 2024". */
export function ctimeOf(d: Date): string {
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()] as string;
  const month = d.toUTCString().slice(8, 11);
  const time = d.toISOString().slice(11, 19);
  return `${weekday} ${month} ${String(d.getUTCDate()).padStart(2)} ${time} ${d.getUTCFullYear()}`;
}

/** What `file` says about content, from its first bytes (file 5.44's wording for what the machines hold). */
function describe(head: Uint8Array, length: number, name: string): string {
  const b = Buffer.from(head);
  if (length === 0) return "empty";
  if (b[0] === 0x1f && b[1] === 0x8b) {
    const flags = b[3] as number;
    const mtime = b.readUInt32LE(4);
    let what = "gzip compressed data";
    if (flags & 0x08) {
      const end = b.indexOf(0, 10);
      what += `, was "${b.subarray(10, end > 0 ? end : 10).toString("latin1")}"`;
    }
    if (mtime) what += `, last modified: ${ctimeOf(new Date(mtime * 1000))}`;
    what += ", from Unix";
    return `${what}, original size modulo 2^32 ${length >= 4 ? "" : ""}`.trimEnd();
  }
  if (b.subarray(0, 3).toString("latin1") === "BZh")
    return `bzip2 compressed data, block size = ${String.fromCharCode(b[3] as number)}00k`;
  if (b[0] === 0xfd && b.subarray(1, 6).toString("latin1") === "7zXZ\u0000")
    return "XZ compressed data, checksum CRC64";
  if (b.readUInt32LE(0) === 0xfd2fb528) return "Zstandard compressed data (v0.8+), Dictionary ID: None";
  if (b.length >= 512 && b.subarray(257, 262).toString("latin1") === "ustar")
    return b[262] === 0x20 ? "POSIX tar archive (GNU)" : "POSIX tar archive";
  if (b.subarray(0, 4).toString("latin1") === "PK\u0003\u0004") {
    const method = b.readUInt16LE(8);
    return `Zip archive data, at least v${method === 8 ? "2.0" : "1.0"} to extract, compression method=${method === 8 ? "deflate" : "store"}`;
  }
  if (b.subarray(0, 5).toString("latin1") === "%PDF-")
    return `PDF document, version ${b.subarray(5, 8).toString("latin1")}`;
  void name;
  const text = b.toString("latin1");
  if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return "data";
  if (/[\u0080-\u00ff]/.test(text)) {
    const utf = b.toString("utf8");
    return utf.includes("\ufffd") ? "ISO-8859 text" : "Unicode text, UTF-8 text";
  }
  if (text.includes("\r\n")) return "ASCII text, with CRLF line terminators";
  const longest = Math.max(...text.split("\n").map((l) => l.length));
  return longest > 300 ? "ASCII text, with very long lines" : "ASCII text";
}

/** `file [-b] FILE...` on the machines' files. */
export function fileCommand(s: Session): Command {
  return defineCommand("file", async (args, ctx) => {
    const brief = args.includes("-b") || args.includes("--brief");
    const files = args.filter((a) => !a.startsWith("-"));
    if (files.length === 0)
      return fail(
        "Usage: file [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n       file -C [-m <magicfiles>]\n       file [--help]\n",
      );
    const width = Math.max(...files.map((f) => f.length)) + 1;
    let out = "";
    for (const f of files) {
      const label = brief ? "" : `${`${f}:`.padEnd(width)} `;
      const path = s.fs.resolvePath(ctx.cwd, f);
      const st = await s.fs.stat(path).catch(() => null);
      if (!st) {
        out += `${label}cannot open \`${f}' (No such file or directory)\n`;
        continue;
      }
      if (st.isDirectory) {
        out += `${label}${(st.mode & 0o1000) !== 0 ? "sticky, " : ""}directory\n`;
        continue;
      }
      const r = await readInput(s, ctx, f, "file");
      if ("error" in r) {
        out += `${label}regular file, no read permission\n`;
        continue;
      }
      const n = ropeLength(r.rope);
      let what = describe(readRange(r.rope, 0, 65536), n, f);
      if (what.startsWith("gzip compressed data"))
        what += ` ${Buffer.from(readRange(r.rope, n - 4, 4)).readUInt32LE(0)}`;
      out += `${label}${what}\n`;
    }
    return { stdout: out, stderr: "", exitCode: 0 };
  });
}
