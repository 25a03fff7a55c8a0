import type { Command, ExecResult } from "just-bash";
import { defineCommand } from "just-bash";
import { type Compression, codecSize } from "../../../world/codec.js";
import {
  compress,
  type DecompressError,
  decompress,
  gzipListing,
  looksLike,
  streamSource,
} from "../../../world/compress.js";
import { concatRopes, type Rope, ropeLength } from "../../../world/content.js";
import { errorText, readInput, ropeResult, stdinRope, writeRope } from "../rope-io.js";
import { fail, type Session } from "../session.js";

/**
 * gzip/gunzip/zcat, bzip2/bunzip2/bzcat, xz/unxz/xzcat, zstd/unzstd/zstdcat over ropes (src/world/compress.ts):
 * file in, file out with the suffix, the source removed (zstd keeps it), times kept, each tool's own messages.
 */

interface Family {
  kind: Compression;
  names: [string, string, string];
  suffix: string;
  keeps: boolean;
  messages: {
    missing: (f: string) => string;
    exists: (out: string) => string;
    error: (f: string, e: DecompressError) => string;
    suffix: (f: string) => string;
  };
}

const FAMILIES: Family[] = [
  {
    kind: "gzip",
    names: ["gzip", "gunzip", "zcat"],
    suffix: ".gz",
    keeps: false,
    messages: {
      missing: (f) => `gzip: ${f}: No such file or directory\n`,
      exists: (out) => `gzip: ${out} already exists;\tnot overwritten\n`,
      error: (f, e) =>
        e === "format"
          ? `\ngzip: ${f}: not in gzip format\n`
          : e === "truncated"
            ? `\ngzip: ${f}: unexpected end of file\n`
            : e === "trailing"
              ? `gzip: ${f}: decompression OK, trailing garbage ignored\n`
              : `\ngzip: ${f}: invalid compressed data--format violated\n`,
      suffix: (f) => `gzip: ${f}: unknown suffix -- ignored\n`,
    },
  },
  {
    kind: "bzip2",
    names: ["bzip2", "bunzip2", "bzcat"],
    suffix: ".bz2",
    keeps: false,
    messages: {
      missing: (f) => `bzip2: Can't open input file ${f}: No such file or directory.\n`,
      exists: (out) => `bzip2: Output file ${out} already exists.\n`,
      error: (f, e) =>
        e === "format"
          ? `bzip2: ${f} is not a bzip2 file.\n`
          : e === "trailing"
            ? `bzip2: ${f}: trailing garbage after EOF ignored\n`
            : `\nbzip2: Compressed file ends unexpectedly;\n\tperhaps it is corrupted?  *Possible* reason follows.\nbzip2: Inappropriate ioctl for device\n\tInput file = ${f}, output file = (stdout)\n\nIt is possible that the compressed file(s) have become corrupted.\nYou can use the -tvv option to test integrity of such files.\n\nYou can use the \`bzip2recover' program to attempt to recover\ndata from undamaged sections of corrupted files.\n\n`,
      suffix: (f) => `bzip2: Can't guess original name for ${f} -- using ${f}.out\n`,
    },
  },
  {
    kind: "xz",
    names: ["xz", "unxz", "xzcat"],
    suffix: ".xz",
    keeps: false,
    messages: {
      missing: (f) => `xz: ${f}: No such file or directory\n`,
      exists: (out) => `xz: ${out}: File exists\n`,
      error: (f, e) =>
        e === "format"
          ? `xz: ${f}: File format not recognized\n`
          : e === "truncated"
            ? `xz: ${f}: Unexpected end of input\n`
            : `xz: ${f}: Compressed data is corrupt\n`,
      suffix: (f) => `xz: ${f}: Filename has an unknown suffix, skipping\n`,
    },
  },
  {
    kind: "zstd",
    names: ["zstd", "unzstd", "zstdcat"],
    suffix: ".zst",
    keeps: true,
    messages: {
      missing: (f) => `zstd: can't stat ${f} : No such file or directory -- ignored \n`,
      exists: (out) => `zstd: ${out} already exists; not overwritten  \n`,
      error: (f, e) =>
        e === "format"
          ? `zstd: ${f}: unsupported format \n`
          : e === "truncated"
            ? `zstd: ${f}: Read error (39) : premature end \n`
            : `zstd: ${f}: Decoding error (36) : Data corruption detected \n`,
      suffix: (f) =>
        `zstd: ${f}: unknown suffix (.zst/.tzst/.gz/.xz/.lzma expected). Can't derive the output file name. Specify it with -o dstFileName. Ignoring.\n`,
    },
  },
];

function humanZstd(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? String(n) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

interface Options {
  decompress: boolean;
  stdout: boolean;
  keep: boolean;
  force: boolean;
  verbose: boolean;
  quiet: boolean;
  list: boolean;
  test: boolean;
  level: number;
  noName: boolean;
  suffix: string;
  output: string | null;
  files: string[];
}

function parse(f: Family, tool: string, args: string[]): Options | { error: string } {
  const o: Options = {
    decompress: tool === f.names[1] || tool === f.names[2],
    stdout: tool === f.names[2],
    keep: f.keeps,
    force: false,
    verbose: false,
    quiet: false,
    list: false,
    test: false,
    level: f.kind === "zstd" ? 3 : f.kind === "bzip2" ? 9 : 6,
    noName: false,
    suffix: f.suffix,
    output: null,
    files: [],
  };
  const long: Record<string, () => void> = {
    "--stdout": () => (o.stdout = true),
    "--to-stdout": () => (o.stdout = true),
    "--decompress": () => (o.decompress = true),
    "--uncompress": () => (o.decompress = true),
    "--keep": () => (o.keep = true),
    "--force": () => (o.force = true),
    "--verbose": () => (o.verbose = true),
    "--quiet": () => (o.quiet = true),
    "--list": () => (o.list = true),
    "--test": () => (o.test = true),
    "--fast": () => (o.level = 1),
    "--best": () => (o.level = 9),
    "--no-name": () => (o.noName = true),
    "--name": () => (o.noName = false),
    "--rm": () => (o.keep = false),
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      o.files.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const [name, value] = a.split("=", 2) as [string, string | undefined];
      if (name === "--suffix") o.suffix = value ?? args[++i] ?? "";
      else if (name === "--threads" || name === "--memlimit" || name === "--format" || name === "--check") {
        if (value === undefined) i++;
      } else if (long[name]) long[name]();
      else return { error: `${tool}: unrecognized option '${a}'\nTry \`${tool} --help' for more information.\n` };
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if (/\d/.test(c)) o.level = Number(a.slice(j).match(/^\d+/)?.[0]);
        else if (c === "c") o.stdout = true;
        else if (c === "d") o.decompress = true;
        else if (c === "z") o.decompress = false;
        else if (c === "k") o.keep = true;
        else if (c === "f") o.force = true;
        else if (c === "v") o.verbose = true;
        else if (c === "q") o.quiet = true;
        else if (c === "l") o.list = true;
        else if (c === "t") o.test = true;
        else if (c === "n") o.noName = true;
        else if (c === "N") o.noName = false;
        else if (c === "r") continue;
        else if (c === "S" || c === "T" || c === "o") {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (c === "S") o.suffix = v ?? "";
          if (c === "o") o.output = v ?? null;
          break;
        } else return { error: `${tool}: invalid option -- '${c}'\nTry \`${tool} --help' for more information.\n` };
        if (/\d/.test(c)) break;
      }
      continue;
    }
    o.files.push(a);
  }
  if (o.files.length === 0) o.files.push("-");
  return o;
}

function listing(f: Family, inputs: { name: string; rope: Rope }[]): string {
  if (f.kind === "gzip") {
    let out = "         compressed        uncompressed  ratio uncompressed_name\n";
    for (const { name, rope } of inputs) {
      const l = gzipListing(rope);
      if (!l) continue;
      const overhead = 18 + (l.name ? l.name.length + 1 : 0);
      const ratio = l.uncompressed ? ((l.uncompressed - (l.compressed - overhead)) / l.uncompressed) * 100 : 0;
      const shown = name === "-" ? "stdout" : name.replace(/\.gz$/, "");
      out += `${String(l.compressed).padStart(19)} ${String(l.uncompressed).padStart(19)} ${ratio.toFixed(1).padStart(5)}% ${shown}\n`;
    }
    return out;
  }
  if (f.kind === "xz") {
    let out = "Strms  Blocks   Compressed Uncompressed  Ratio  Check   Filename\n";
    for (const { name, rope } of inputs) {
      const src = streamSource(rope);
      const u = src && src.t === "xf" ? ropeLength(src.src) : 0;
      const c = ropeLength(rope);
      out += `    1       1 ${humanZstd(c).replace(" B", " B").padStart(12)} ${humanZstd(u).padStart(12)}  ${(u ? c / u : 0).toFixed(3)}  CRC64   ${name}\n`;
    }
    return out;
  }
  let out = "Frames  Skips  Compressed  Uncompressed  Ratio  Check  Filename\n";
  for (const { name, rope } of inputs) {
    const src = streamSource(rope);
    const u = src && src.t === "xf" ? ropeLength(src.src) : 0;
    const c = ropeLength(rope);
    out += `     1      0 ${humanZstd(c).padStart(11)} ${humanZstd(u).padStart(13)}  ${(u ? u / c : 0).toFixed(3)}  XXH64  ${name}\n`;
  }
  return out;
}

export function compressionCommands(s: Session): Command[] {
  return FAMILIES.flatMap((f) =>
    f.names.map((tool) =>
      defineCommand(tool, async (args, ctx): Promise<ExecResult> => {
        const o = parse(f, tool, args);
        if ("error" in o) return fail(o.error);
        const m = f.messages;
        let stderr = "";
        let exit = 0;
        const outParts: Rope[] = [];
        if (o.list) {
          const inputs: { name: string; rope: Rope }[] = [];
          for (const file of o.files) {
            const r = await readInput(s, ctx, file, tool);
            if ("error" in r) {
              stderr += m.missing(file);
              exit = 1;
            } else inputs.push({ name: file, rope: r.rope });
          }
          return { stdout: listing(f, inputs), stderr, exitCode: exit };
        }
        for (const file of o.files) {
          const fromStdin = file === "-";
          const label = fromStdin ? "stdin" : file;
          const r = fromStdin ? { rope: stdinRope(ctx), name: "-", path: null } : await readInput(s, ctx, file, tool);
          if ("error" in r) {
            stderr += r.error.includes("Is a directory")
              ? `${f.kind}: ${file} is a directory -- ignored\n`
              : m.missing(file);
            exit = 1;
            continue;
          }
          const srcStat = r.path ? await s.fs.stat(r.path) : null;
          if (o.decompress || o.test) {
            let outPath: string | null = null;
            if (!o.stdout && !o.test && r.path) {
              if (!r.path.endsWith(o.suffix) && !(f.kind === "gzip" && /\.(tgz|taz)$/.test(r.path))) {
                if (f.kind === "bzip2") outPath = `${r.path}.out`;
                else {
                  stderr += m.suffix(file);
                  exit = f.kind === "gzip" ? 2 : 1;
                  continue;
                }
              } else
                outPath = r.path
                  .replace(/\.(tgz|taz)$/, ".tar")
                  .replace(new RegExp(`${o.suffix.replace(/\./g, "\\.")}$`), "");
            }
            // gzip reads at least a header: nothing at all is a truncated stream
            const d: ReturnType<typeof decompress> =
              f.kind === "gzip" && ropeLength(r.rope) === 0
                ? { rope: r.rope, error: "truncated" }
                : decompress(f.kind, r.rope);
            if (d.error && d.error !== "trailing") {
              stderr += m.error(label, d.error);
              exit = 1;
              if (d.error !== "truncated" || !o.stdout) continue;
            } else if (d.error === "trailing") {
              stderr += m.error(label, d.error);
              if (exit === 0) exit = 2;
            }
            if (o.test) continue;
            if (outPath === null) {
              outParts.push(d.rope);
              continue;
            }
            if ((await s.fs.exists(outPath)) && !o.force) {
              stderr += m.exists(
                outPath.slice(outPath.lastIndexOf("/") + 1) === outPath
                  ? outPath
                  : file.replace(new RegExp(`${o.suffix.replace(/\./g, "\\.")}$`), ""),
              );
              exit = 1;
              continue;
            }
            try {
              await writeRope(s, outPath, d.rope);
              if (srcStat) await s.fs.audited.setMtime(outPath, srcStat.mtime);
              if (!o.keep && r.path) await s.fs.rm(r.path);
              if (o.verbose && f.kind === "gzip") {
                const ratio = ropeLength(d.rope) ? (1 - ropeLength(r.rope) / ropeLength(d.rope)) * 100 : 0;
                stderr += `${file}:\t${ratio.toFixed(1).padStart(5)}% -- replaced with ${file.replace(/\.gz$/, "")}\n`;
              }
              if (f.kind === "zstd" && !o.quiet) stderr += `${`${file}`.padEnd(20)}: ${ropeLength(d.rope)} bytes \n`;
            } catch (e) {
              stderr += `${tool}: ${outPath}: ${errorText(e)}\n`;
              exit = 1;
            }
            continue;
          }
          // compress
          const has = f.kind === "gzip" ? r.path?.match(/\.(gz|tgz|taz|z|Z)$/)?.[0] : undefined;
          if ((r.path?.endsWith(o.suffix) || has) && !o.stdout && !o.force) {
            stderr +=
              f.kind === "gzip"
                ? `gzip: ${file} already has ${has ?? o.suffix} suffix -- unchanged\n`
                : `${f.kind}: ${file}: File already has \`${o.suffix}' suffix, skipping\n`;
            // gzip 1.12 warns and goes on with status 0
            if (f.kind !== "gzip") exit = 1;
            continue;
          }
          const name = r.path && !o.noName ? r.path.slice(r.path.lastIndexOf("/") + 1) : null;
          const mtime = srcStat && !o.noName ? Math.floor(srcStat.mtime.getTime() / 1000) : 0;
          const packed = compress(f.kind, r.rope, { level: o.level, name, mtime });
          const outPath = o.output
            ? s.fs.resolvePath(ctx.cwd, o.output)
            : o.stdout || !r.path
              ? null
              : `${r.path}${o.suffix}`;
          if (outPath === null) {
            outParts.push(packed);
            continue;
          }
          if ((await s.fs.exists(outPath)) && !o.force) {
            stderr += m.exists(o.output ?? `${file}${o.suffix}`);
            exit = 1;
            continue;
          }
          try {
            await writeRope(s, outPath, packed);
            if (srcStat) await s.fs.audited.setMtime(outPath, srcStat.mtime);
            if (!o.keep && r.path) await s.fs.rm(r.path);
            const n = ropeLength(r.rope);
            const c = ropeLength(packed);
            if (o.verbose && f.kind === "gzip") {
              const ratio = n ? (1 - (c - 18 - (name ? name.length + 1 : 0)) / n) * 100 : 0;
              stderr += `${file}:\t${ratio.toFixed(1).padStart(5)}% -- replaced with ${file}${o.suffix}\n`;
            }
            if (f.kind === "zstd" && !o.quiet) {
              stderr += `${file.padEnd(20)} :${((c / Math.max(1, n)) * 100).toFixed(2)}%   (${humanZstd(n).padStart(10)} => ${humanZstd(c).padStart(10)}, ${o.output ?? `${file}${o.suffix}`}) \n`;
            }
          } catch (e) {
            stderr += `${tool}: ${outPath}: ${errorText(e)}\n`;
            exit = 1;
          }
        }
        const out = concatRopes(...outParts);
        void codecSize;
        return { ...ropeResult(out), stderr, exitCode: exit };
      }),
    ),
  );
}

export { looksLike };
