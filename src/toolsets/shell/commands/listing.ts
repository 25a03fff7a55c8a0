import { globRegExp } from "../../../world/glob.js";
import type { Command } from "just-bash";
import { defineCommand } from "just-bash";
import { diskKiB, humanSize, inodeOf, isoDate, lsTime, statTime, strftime } from "../format.js";
import { disksOf } from "../disks.js";
import { errorCode, errorText, type FileInfo } from "../host-fs.js";
import { fail, getopt, ok, type Session } from "../session.js";

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** The type letter and permission string of `ls -l` (`drwxr-sr-x`, `crw-rw-rw-`, `-rwsr-xr-x`). */
export function modeOf(info: Pick<FileInfo, "kind" | "mode">): string {
  const type = { file: "-", dir: "d", link: "l", char: "c", block: "b", socket: "s" }[info.kind];
  const m = info.mode;
  const bit = (mask: number, c: string) => (m & mask ? c : "-");
  const special = (exec: number, flag: number, on: string, off: string) =>
    m & flag ? (m & exec ? on : off) : m & exec ? "x" : "-";
  return (
    type +
    bit(0o400, "r") +
    bit(0o200, "w") +
    special(0o100, 0o4000, "s", "S") +
    bit(0o40, "r") +
    bit(0o20, "w") +
    special(0o10, 0o2000, "s", "S") +
    bit(0o4, "r") +
    bit(0o2, "w") +
    special(0o1, 0o1000, "t", "T")
  );
}

/** 1 KiB blocks a file occupies (what ls -s, ls -l's total and du count). */
function blocksKiB(info: FileInfo): number {
  if (info.kind === "dir") return 4;
  if (info.kind !== "file") return 0;
  if (info.layer === "base" && info.path.startsWith("/proc/")) return 0;
  return diskKiB(info.size);
}

function fileType(info: FileInfo): string {
  switch (info.kind) {
    case "dir":
      return "directory";
    case "link":
      return "symbolic link";
    case "char":
      return "character special file";
    case "block":
      return "block special file";
    case "socket":
      return "socket";
    default:
      return info.size === 0 ? "regular empty file" : "regular file";
  }
}

interface Entry {
  name: string;
  path: string;
  info: FileInfo | null;
  error?: string;
}

type TimeStyle =
  | { kind: "locale" }
  | { kind: "full-iso" | "long-iso" | "iso" }
  | { kind: "format"; old: string; recent: string };

const TIME_STYLE_HELP =
  "Valid arguments are:\n  - [posix-]full-iso\n  - [posix-]long-iso\n  - [posix-]iso\n  - [posix-]locale\n  - +FORMAT (e.g., +%H:%M) for a 'date'-style format\n";

function parseTimeStyle(value: string): TimeStyle | null {
  if (value.startsWith("+")) {
    const [old, recent] = value.slice(1).split("\n");
    return { kind: "format", old: old ?? "", recent: recent ?? old ?? "" };
  }
  const v = value.replace(/^posix-/, "");
  if (v === "full-iso" || v === "long-iso" || v === "iso") return { kind: v };
  if (v === "locale") return { kind: "locale" };
  return null;
}

function timeText(t: Date, now: Date, style: TimeStyle): string {
  const recent = t.getTime() <= now.getTime() && now.getTime() - t.getTime() < 15_778_476_000;
  if (style.kind === "format") return strftime(recent ? style.recent : style.old, t);
  return lsTime(t, now, style.kind === "locale" ? "default" : style.kind);
}

const LS_SHORT = "aAbBcCdDfFgGhHiIklLmnNopqQrRsStTuUvw1xXZ";

/** `ls` as GNU's, not on a terminal: one name per line, owners and groups from the host's accounts, the World's clock. */
export function lsCommand(s: Session): Command {
  return defineCommand("ls", async (args, ctx) => {
    const o = getopt(args, {
      short: LS_SHORT.replace(/[ITw]/g, ""),
      shortWithValue: "ITw",
      long: {
        all: { key: "a" },
        "almost-all": { key: "A" },
        "human-readable": { key: "h" },
        si: { key: "si" },
        reverse: { key: "r" },
        recursive: { key: "R" },
        directory: { key: "d" },
        classify: { key: "F", optional: true },
        "file-type": { key: "file-type" },
        "numeric-uid-gid": { key: "n" },
        inode: { key: "i" },
        size: { key: "s" },
        "full-time": { key: "full-time" },
        "time-style": { key: "time-style", value: true },
        color: { key: "color", optional: true },
        "group-directories-first": { key: "gdf" },
        "no-group": { key: "G" },
        dereference: { key: "L" },
        "dereference-command-line": { key: "H" },
        "ignore-backups": { key: "B" },
        literal: { key: "N" },
        "hide-control-chars": { key: "q" },
        "quote-name": { key: "Q" },
        escape: { key: "b" },
        "indicator-style": { key: "indicator-style", value: true },
        "quoting-style": { key: "quoting-style", value: true },
        sort: { key: "sort", value: true },
        time: { key: "time", value: true },
        format: { key: "format", value: true },
        width: { key: "w", value: true },
        tabsize: { key: "T", value: true },
        ignore: { key: "I", value: true },
        hide: { key: "hide", value: true },
        "block-size": { key: "block-size", value: true },
        kibibytes: { key: "k" },
        context: { key: "Z" },
        author: { key: "author" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`ls: ${o.error}\nTry 'ls --help' for more information.\n`, 2);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("ls"));
    if (o.flags.has("help")) return ok(LS_HELP);
    const f = o.flags;
    let style: TimeStyle = f.has("full-time") ? { kind: "full-iso" } : { kind: "locale" };
    const ts = o.values.get("time-style")?.at(-1);
    const longFormat =
      f.has("l") ||
      f.has("n") ||
      f.has("o") ||
      f.has("g") ||
      f.has("full-time") ||
      ["long", "verbose"].includes(o.values.get("format")?.at(-1) ?? "");
    // the style is only looked at (and checked) for a long listing
    if (ts !== undefined && longFormat) {
      const parsed = parseTimeStyle(ts);
      if (!parsed)
        return fail(
          `ls: invalid argument ‘${ts}’ for ‘time style’\n${TIME_STYLE_HELP}Try 'ls --help' for more information.\n`,
          2,
        );
      style = parsed;
    }
    const sortWord = o.values.get("sort")?.at(-1);
    const formatWord = o.values.get("format")?.at(-1);
    const long =
      f.has("l") ||
      f.has("n") ||
      f.has("o") ||
      f.has("g") ||
      f.has("full-time") ||
      formatWord === "long" ||
      formatWord === "verbose";
    const commas = f.has("m") || formatWord === "commas";
    const sortBy =
      f.has("U") || f.has("f") || sortWord === "none"
        ? "none"
        : f.has("t") || sortWord === "time"
          ? "time"
          : f.has("S") || sortWord === "size"
            ? "size"
            : f.has("X") || sortWord === "extension"
              ? "extension"
              : f.has("v") || sortWord === "version"
                ? "version"
                : "name";
    const all = f.has("a") || f.has("f");
    const almost = f.has("A");
    const human = f.has("h") || f.has("si");
    const ignores = (o.values.get("I") ?? []).concat(o.values.get("hide") ?? []).map((g) => globRegExp(g));
    const now = s.world.now();
    const fs = s.fs;
    const indicator = (e: Entry) => {
      const i = e.info;
      if (!i) return "";
      const style =
        o.values.get("indicator-style")?.at(-1) ??
        (f.has("F") ? "classify" : f.has("p") ? "slash" : f.has("file-type") ? "file-type" : "none");
      if (style === "none") return "";
      if (i.kind === "dir") return "/";
      if (style === "slash") return "";
      if (i.kind === "link") return long ? "" : "@";
      if (i.kind === "socket") return "=";
      if (style === "classify" && i.kind === "file" && i.mode & 0o111) return "*";
      return "";
    };

    return fs.withNominalSizes(async () => {
      let stdout = "";
      let stderr = "";
      let exit = 0;
      const operands = o.operands.length ? o.operands : ["."];
      const files: Entry[] = [];
      const dirs: Entry[] = [];
      for (const op of operands) {
        const path = fs.resolvePath(ctx.cwd, op);
        try {
          const follow = f.has("L") || f.has("H") || (!long && !f.has("d") && !f.has("F"));
          let info = await fs.info(path, follow);
          if (!follow && info.kind === "link" && !f.has("d") && !long)
            info = await fs.info(path, true).catch(() => info);
          if (info.kind === "link" && long && !f.has("d") && op.endsWith("/")) info = await fs.info(path, true);
          // a link to a directory given on the command line is listed as the directory (unless -l or -d)
          if (info.kind === "link" && !long && !f.has("d")) {
            const target = await fs.info(path, true).catch(() => null);
            if (target?.kind === "dir") info = target;
          }
          if (info.kind === "dir" && !f.has("d")) dirs.push({ name: op, path, info });
          else files.push({ name: op, path, info });
        } catch (e) {
          stderr += `ls: cannot access '${op}': ${errorText(e)}\n`;
          exit = 2;
        }
      }
      const compare = (a: Entry, b: Entry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const sortEntries = (list: Entry[]) => {
        if (sortBy !== "none") list.sort(compare);
        if (sortBy === "time") list.sort((a, b) => (b.info?.mtime.getTime() ?? 0) - (a.info?.mtime.getTime() ?? 0));
        else if (sortBy === "size") list.sort((a, b) => (b.info?.size ?? 0) - (a.info?.size ?? 0));
        else if (sortBy === "extension")
          list.sort((a, b) => {
            const ea = a.name.includes(".") ? a.name.slice(a.name.lastIndexOf(".")) : "";
            const eb = b.name.includes(".") ? b.name.slice(b.name.lastIndexOf(".")) : "";
            return ea < eb ? -1 : ea > eb ? 1 : 0;
          });
        else if (sortBy === "version") list.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
        if (f.has("r")) list.reverse();
        if (f.has("gdf")) list.sort((a, b) => Number(b.info?.kind === "dir") - Number(a.info?.kind === "dir"));
        return list;
      };
      const sizeText = (i: FileInfo) => {
        if (i.device) return `${i.device[0]}, ${i.device[1]}`;
        const bs = o.values.get("block-size")?.at(-1);
        if (human) return humanSize(i.size, f.has("si"));
        if (bs) return String(Math.ceil(i.size / blockSizeOf(bs)));
        return String(i.size);
      };
      const render = (list: Entry[], withTotal: boolean): string => {
        if (commas) return list.length ? `${list.map((e) => e.name + indicator(e)).join(", ")}\n` : "";
        if (!long) {
          return list
            .map((e) => {
              const prefix =
                (f.has("i") ? `${e.info ? inodeOf(s.host.worldName, e.info.path) : "?"} ` : "") +
                (f.has("s") ? `${e.info ? blocksKiB(e.info) : "?"} ` : "");
              return `${prefix}${e.name}${indicator(e)}\n`;
            })
            .join("");
        }
        // columns: [inode] [blocks] mode links owner group size time name; numbers right-aligned, names left
        const rows: string[][] = [];
        const right: boolean[] = [];
        const push = (row: string[], cell: string, alignRight: boolean) => {
          right[row.length] = alignRight;
          row.push(cell);
        };
        let totalKiB = 0;
        for (const e of list) {
          const i = e.info;
          const row: string[] = [];
          if (f.has("i")) push(row, i ? String(inodeOf(s.host.worldName, i.path)) : "?", true);
          if (f.has("s")) push(row, i ? String(blocksKiB(i)) : "?", true);
          push(row, i ? modeOf(i) : "-?????????", false);
          push(row, i ? String(i.nlink) : "?", true);
          if (!f.has("g")) push(row, i ? (f.has("n") ? String(i.uid) : i.owner) : "?", f.has("n"));
          if (!f.has("o") && !f.has("G")) push(row, i ? (f.has("n") ? String(i.gid) : i.group) : "?", f.has("n"));
          push(row, i ? sizeText(i) : "?", true);
          push(row, i ? timeText(i.mtime, now, style) : "           ?", true);
          let name = `${e.name}${indicator(e)}`;
          if (i?.kind === "link") name += ` -> ${i.target ?? ""}`;
          push(row, name, false);
          if (i) totalKiB += blocksKiB(i);
          rows.push(row);
        }
        const n = rows[0]?.length ?? 0;
        const widths: number[] = [];
        for (const r of rows)
          r.forEach((c, k) => {
            widths[k] = Math.max(widths[k] ?? 0, c.length);
          });
        const lines = rows.map((r) =>
          r
            .map((c, k) => {
              if (k === n - 1) return c;
              return right[k] ? c.padStart(widths[k] ?? 0) : c.padEnd(widths[k] ?? 0);
            })
            .join(" "),
        );
        const total = withTotal ? `total ${human ? humanSize(totalKiB * 1024, f.has("si")) : totalKiB}\n` : "";
        return total + lines.map((l) => `${l}\n`).join("");
      };
      const listDir = async (d: Entry, header: boolean, top: boolean): Promise<void> => {
        let names: string[];
        try {
          names = await fs.readdir(d.path);
        } catch (e) {
          if (header) stdout += `${stdout || stderr ? "\n" : ""}${d.name}:\n`;
          stderr += `ls: cannot open directory '${d.name}': ${errorText(e)}\n`;
          exit = top ? 2 : Math.max(exit, 1);
          return;
        }
        const entries: Entry[] = [];
        if (all) {
          entries.push({ name: ".", path: d.path, info: d.info });
          const parent = d.path === "/" ? "/" : d.path.slice(0, d.path.lastIndexOf("/")) || "/";
          entries.push({ name: "..", path: parent, info: await fs.info(parent, true).catch(() => null) });
        }
        for (const name of names) {
          if (name.startsWith(".") && !all && !almost) continue;
          if (ignores.some((re) => re.test(name))) continue;
          if (f.has("B") && name.endsWith("~")) continue;
          const path = join(d.path, name);
          try {
            entries.push({ name, path, info: await fs.info(path, f.has("L")) });
          } catch (e) {
            if (errorCode(e) === "ENOENT") continue; // vanished between readdir and stat
            stderr += `ls: cannot access '${join(d.name, name).replace(/^\.\/\.\//, "./")}': ${errorText(e)}\n`;
            exit = Math.max(exit, 1);
            entries.push({ name, path, info: null });
          }
        }
        sortEntries(entries);
        if (header) stdout += `${stdout || stderr ? "\n" : ""}${d.name}:\n`;
        stdout += render(entries, long || f.has("s"));
        if (f.has("R")) {
          for (const e of entries) {
            if (e.info?.kind === "dir" && e.name !== "." && e.name !== "..")
              await listDir(
                { name: d.name === "/" ? `/${e.name}` : `${d.name}/${e.name}`, path: e.path, info: e.info },
                true,
                false,
              );
          }
        }
      };
      stdout += render(sortEntries(files), false);
      sortEntries(dirs);
      const headers = operands.length > 1 || f.has("R");
      for (const d of dirs) await listDir(d, headers, true);
      return { stdout, stderr, exitCode: exit };
    });
  });
}

function blockSizeOf(spec: string): number {
  const m = spec.match(/^(\d*)([KMGT]?)(i?B?)$/i);
  if (!m) return 1;
  const n = m[1] ? Number(m[1]) : 1;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[(m[2] ?? "").toUpperCase()] ?? 1;
  return n * (m[3]?.toUpperCase() === "B" && !m[3].startsWith("i") && m[2] ? (unit / 1024) * 1000 : unit);
}

export function COREUTILS_VERSION(name: string): string {
  return `${name} (GNU coreutils) 9.1\nCopyright (C) 2022 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\nWritten by Richard M. Stallman and David MacKenzie.\n`;
}

const LS_HELP = `Usage: ls [OPTION]... [FILE]...
List information about the FILEs (the current directory by default).
Sort entries alphabetically if none of -cftuvSUX nor --sort is specified.

Mandatory arguments to long options are mandatory for short options too.
  -a, --all                  do not ignore entries starting with .
  -A, --almost-all           do not list implied . and ..
  -d, --directory            list directories themselves, not their contents
  -F, --classify[=WHEN]      append indicator (one of */=>@|) to entries WHEN
  -h, --human-readable       with -l and -s, print sizes like 1K 234M 2G etc.
  -i, --inode                print the index number of each file
  -l                         use a long listing format
  -n, --numeric-uid-gid      like -l, but list numeric user and group IDs
  -r, --reverse              reverse order while sorting
  -R, --recursive            list subdirectories recursively
  -s, --size                 print the allocated size of each file, in blocks
  -S                         sort by file size, largest first
  -t                         sort by time, newest first; see --time
      --time-style=TIME_STYLE  time/date format with -l; see TIME_STYLE below
  -1                         list one file per line

GNU coreutils online help: <https://www.gnu.org/software/coreutils/>
Full documentation <https://www.gnu.org/software/coreutils/ls>
or available locally via: info '(coreutils) ls invocation'
`;

/** `stat` with coreutils 9.1's layout and formats (-c, --printf, -t, -L). */
export function statCommand(s: Session): Command {
  return defineCommand("stat", async (args, ctx) => {
    const o = getopt(args, {
      short: "LtfN",
      shortWithValue: "c",
      long: {
        format: { key: "c", value: true },
        printf: { key: "printf", value: true },
        dereference: { key: "L" },
        terse: { key: "t" },
        "file-system": { key: "f" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`stat: ${o.error}\nTry 'stat --help' for more information.\n`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("stat"));
    if (o.operands.length === 0) return fail("stat: missing operand\nTry 'stat --help' for more information.\n");
    const fmt = o.values.get("c")?.at(-1);
    const printf = o.values.get("printf")?.at(-1);
    const disks = s.host.disks;
    return s.fs.withNominalSizes(async () => {
      let stdout = "";
      let stderr = "";
      let exit = 0;
      for (const op of o.operands) {
        const path = s.fs.resolvePath(ctx.cwd, op);
        let info: FileInfo;
        try {
          info = await s.fs.info(path, o.flags.has("L"));
        } catch (e) {
          stderr += `stat: cannot statx '${op}': ${errorText(e)}\n`;
          exit = 1;
          continue;
        }
        const disk = disks
          .filter((d) => d.mount === "/" || info.path === d.mount || info.path.startsWith(`${d.mount}/`))
          .at(-1);
        const special =
          info.path.startsWith("/dev") ||
          info.path.startsWith("/proc") ||
          info.path.startsWith("/run") ||
          info.path.startsWith("/sys");
        const [devMajor, devMinor] = special
          ? info.path.startsWith("/proc")
            ? [0, 22]
            : info.path.startsWith("/dev")
              ? [0, 5]
              : [0, 24]
          : disk === disks[0]
            ? disk?.device.startsWith("/dev/nvme")
              ? [259, 2]
              : [8, 1]
            : [8, 17];
        const blocks = blocksKiB(info) * 2;
        const perm = (info.mode & 0o7777).toString(8).padStart(4, "0");
        const mstr = modeOf(info);
        const secs = Math.floor(info.mtime.getTime() / 1000);
        const ino = inodeOf(s.host.worldName, info.path);
        const typeBits = {
          file: 0o100000,
          dir: 0o40000,
          link: 0o120000,
          char: 0o20000,
          block: 0o60000,
          socket: 0o140000,
        }[info.kind];
        const quoted = info.kind === "link" ? `'${op}' -> '${info.target ?? ""}'` : `'${op}'`;
        const spec: Record<string, string> = {
          n: op,
          N: quoted,
          s: String(info.size),
          b: String(blocks),
          B: "512",
          o: "4096",
          a: (info.mode & 0o7777).toString(8),
          A: mstr,
          f: ((info.mode & 0o7777) | typeBits).toString(16),
          F: fileType(info),
          u: String(info.uid),
          U: info.owner,
          g: String(info.gid),
          G: info.group,
          h: String(info.nlink),
          i: String(ino),
          d: String(devMajor * 256 + devMinor),
          D: (devMajor * 256 + devMinor).toString(16),
          m: special ? info.path.split("/").slice(0, 2).join("/") || "/" : (disk?.mount ?? "/"),
          t: (info.device?.[0] ?? 0).toString(16),
          T: (info.device?.[1] ?? 0).toString(16),
          Hr: String(info.device?.[0] ?? 0),
          Lr: String(info.device?.[1] ?? 0),
          w: statTime(info.mtime),
          W: String(secs),
          x: statTime(info.mtime),
          X: String(secs),
          y: statTime(info.mtime),
          Y: String(secs),
          z: statTime(info.mtime),
          Z: String(secs),
          "%": "%",
        };
        const expand = (text: string) =>
          text.replace(/%(Hr|Lr|[a-zA-Z%])/g, (m, c: string) => spec[c] ?? (c.length === 1 ? "?" : m));
        if (printf !== undefined) {
          stdout += expand(printf).replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\\\/g, "\\");
        } else if (fmt !== undefined) {
          stdout += `${expand(fmt)}\n`;
        } else if (o.flags.has("t")) {
          stdout += `${op} ${info.size} ${blocks} ${spec.f} ${info.uid} ${info.gid} ${spec.D} ${ino} ${info.nlink} ${spec.t} ${spec.T} ${secs} ${secs} ${secs} ${secs} 4096\n`;
        } else {
          const name = info.kind === "link" ? `${op} -> ${info.target ?? ""}` : op;
          const devType = info.device ? `     Device type: ${info.device[0]},${info.device[1]}` : "";
          stdout +=
            `  File: ${name}\n` +
            `  Size: ${String(info.size).padEnd(10)}\tBlocks: ${String(blocks).padEnd(10)} IO Block: 4096   ${fileType(info)}\n` +
            `Device: ${devMajor},${devMinor}\tInode: ${String(ino).padEnd(11)} Links: ${info.nlink}${devType}\n` +
            `Access: (${perm}/${mstr})  Uid: (${String(info.uid).padStart(5)}/${info.owner.padStart(8)})   Gid: (${String(info.gid).padStart(5)}/${info.group.padStart(8)})\n` +
            `Access: ${statTime(info.mtime)}\n` +
            `Modify: ${statTime(info.mtime)}\n` +
            `Change: ${statTime(info.mtime)}\n` +
            ` Birth: ${statTime(info.mtime)}\n`;
        }
      }
      return { stdout, stderr, exitCode: exit };
    });
  });
}

/** `du` in 1 KiB disk blocks (or -h, -b, --apparent-size), summing nominal sizes. */
export function duCommand(s: Session): Command {
  return defineCommand("du", async (args, ctx) => {
    const o = getopt(args, {
      short: "shackmbxLlD0S",
      shortWithValue: "dB",
      long: {
        summarize: { key: "s" },
        "human-readable": { key: "h" },
        all: { key: "a" },
        total: { key: "c" },
        bytes: { key: "b" },
        "apparent-size": { key: "apparent" },
        "max-depth": { key: "d", value: true },
        "one-file-system": { key: "x" },
        si: { key: "si" },
        "block-size": { key: "B", value: true },
        exclude: { key: "exclude", value: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`du: ${o.error}\nTry 'du --help' for more information.\n`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("du"));
    const f = o.flags;
    const apparent = f.has("b") || f.has("apparent");
    const maxDepth = f.has("s") ? 0 : o.values.has("d") ? Number(o.values.get("d")?.at(-1)) : Number.POSITIVE_INFINITY;
    const excludes = (o.values.get("exclude") ?? []).map((g) => globRegExp(g));
    const show = (bytes: number): string => {
      if (f.has("h") || f.has("si")) return humanSize(bytes, f.has("si"));
      if (f.has("b")) return String(bytes);
      if (f.has("m")) return String(Math.ceil(bytes / 1048576));
      const bs = o.values.get("B")?.at(-1);
      if (bs) return String(Math.ceil(bytes / blockSizeOf(bs)));
      return String(Math.ceil(bytes / 1024));
    };
    const usage = (i: FileInfo) => (apparent ? (i.kind === "dir" ? 4096 : i.size) : blocksKiB(i) * 1024);
    return s.fs.withNominalSizes(async () => {
      let stdout = "";
      let stderr = "";
      let exit = 0;
      let grand = 0;
      const walk = async (path: string, label: string, depth: number): Promise<number> => {
        const i = await s.fs.info(path, depth === 0 && f.has("L"));
        if (i.kind !== "dir") {
          const u = usage(i);
          if (depth === 0 || f.has("a")) stdout += `${show(u)}\t${label}\n`;
          return u;
        }
        let total = usage(i);
        let names: string[] = [];
        try {
          names = await s.fs.readdir(path);
        } catch (e) {
          stderr += `du: cannot read directory '${label}': ${errorText(e)}\n`;
          exit = 1;
        }
        for (const name of names) {
          if (excludes.some((re) => re.test(name))) continue;
          const child = path === "/" ? `/${name}` : `${path}/${name}`;
          const childLabel = label.endsWith("/") ? `${label}${name}` : `${label}/${name}`;
          try {
            total += await walk(child, childLabel, depth + 1);
          } catch (e) {
            stderr += `du: cannot access '${childLabel}': ${errorText(e)}\n`;
            exit = 1;
          }
        }
        if (depth <= maxDepth) stdout += `${show(total)}\t${label}\n`;
        return total;
      };
      for (const op of o.operands.length ? o.operands : ["."]) {
        const path = s.fs.resolvePath(ctx.cwd, op);
        try {
          grand += await walk(path, op, 0);
        } catch (e) {
          stderr += `du: cannot access '${op}': ${errorText(e)}\n`;
          exit = 1;
        }
      }
      if (f.has("c")) stdout += `${show(grand)}\ttotal\n`;
      return { stdout, stderr, exitCode: exit };
    });
  });
}

/** `df`: the host's own disks (hosts.ts), their use computed from the nominal sizes of the files on them. */
export function dfCommand(s: Session): Command {
  return defineCommand("df", async (args, ctx) => {
    const o = getopt(args, {
      short: "hHkTalmPix",
      shortWithValue: "tB",
      long: {
        "human-readable": { key: "h" },
        si: { key: "H" },
        "print-type": { key: "T" },
        all: { key: "a" },
        help: { key: "help" },
        portability: { key: "P" },
        inodes: { key: "i" },
        local: { key: "l" },
        type: { key: "t", value: true },
        "exclude-type": { key: "x-type", value: true },
        output: { key: "output", value: true },
        total: { key: "total" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`df: ${o.error}\nTry 'df --help' for more information.\n`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("df"));
    // the disks (disks.ts), their use from the true sizes of the World's files on them
    const disks = disksOf(s.host).map((d) => ({ ...d, type: "ext4" }));
    const used = new Map<string, number>();
    for (const d of disks) used.set(d.mount, await s.fs.usedOn(d));
    const memTotal = s.host.memKiB.total * 1024;
    const tmpfs = [
      { dev: "udev", mount: "/dev", size: memTotal / 2 - 1_032_192, base: 0, reserved: 0, type: "devtmpfs" },
      { dev: "tmpfs", mount: "/run", size: memTotal / 10, base: 1_318_912, reserved: 0, type: "tmpfs" },
      { dev: "tmpfs", mount: "/dev/shm", size: memTotal / 2, base: 0, reserved: 0, type: "tmpfs" },
      { dev: "tmpfs", mount: "/run/lock", size: 5 * 1024 * 1024, base: 0, reserved: 0, type: "tmpfs" },
      { dev: "tmpfs", mount: `/run/user/1000`, size: memTotal / 10, base: 4096, reserved: 0, type: "tmpfs" },
    ];
    const all = [...disks.slice(0, 1), ...tmpfs.slice(0, 4), ...disks.slice(1), ...tmpfs.slice(4)];
    for (const t of tmpfs) used.set(t.mount, t.base);
    let chosen = all;
    if (o.operands.length) {
      chosen = [];
      for (const op of o.operands) {
        const path = s.fs.resolvePath(ctx.cwd, op);
        if (!(await s.fs.exists(path))) return fail(`df: ${op}: No such file or directory\n`);
        const d = all
          .filter((x) => x.mount === "/" || path === x.mount || path.startsWith(`${x.mount}/`))
          .sort((a, b) => b.mount.length - a.mount.length)[0];
        if (d && !chosen.includes(d)) chosen.push(d);
      }
    }
    const types = o.values.get("t");
    if (types) chosen = chosen.filter((d) => types.includes(d.type));
    const human = o.flags.has("h") || o.flags.has("H");
    const fmt = (b: number) => (human ? humanSize(b, o.flags.has("H")) : String(Math.ceil(b / 1024)));
    const rows = [
      [
        "Filesystem",
        ...(o.flags.has("T") ? ["Type"] : []),
        human ? "Size" : "1K-blocks",
        "Used",
        human ? "Avail" : "Available",
        "Use%",
        "Mounted on",
      ],
    ];
    for (const d of chosen) {
      const u = used.get(d.mount) ?? 0;
      // ext4's 5% reserve for root on system disks (disks.ts); the data disks were made with -m 0
      const avail = Math.max(0, d.size - d.reserved - u);
      rows.push([
        d.dev,
        ...(o.flags.has("T") ? [d.type] : []),
        fmt(d.size),
        fmt(u),
        fmt(avail),
        `${u === 0 ? 0 : Math.ceil((u / Math.max(1, u + avail)) * 100)}%`,
        d.mount,
      ]);
    }
    // GNU df's minimum field widths: source 14, type 4, sizes 5, Use% 4
    const minimum = [14, ...(o.flags.has("T") ? [4] : []), 5, 5, 5, 4, 0];
    const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), minimum);
    const out = rows
      .map((r) =>
        r
          .map((c, i) =>
            i === 0 || i === r.length - 1 || (o.flags.has("T") && i === 1)
              ? c.padEnd(i === r.length - 1 ? 0 : (widths[i] ?? 0))
              : c.padStart(widths[i] ?? 0),
          )
          .join(" "),
      )
      .join("\n");
    return ok(`${out}\n`);
  });
}

export { isoDate };
