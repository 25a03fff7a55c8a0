import type { Command, FsStat } from "just-bash";
import { defineCommand } from "just-bash";
import { diskKiB, humanSize, inodeOf, lsTime, modeString, parseDate, statTime } from "../format.js";
import { disksOf } from "../disks.js";
import { LOGIN_UID } from "../hosts.js";
import { fail, getopt, ok, type Session } from "../session.js";

/** Owner shown for a file: the scenario's owner if it declared one, root for system files, else the agent. */
export async function ownerOf(s: Session, path: string): Promise<string> {
  const declared = s.scenario.hosts[s.host.worldName]?.[path]?.owner;
  if (declared) return declared;
  return (await s.fs.layerOf(path)) === "system" ? "root" : s.user;
}
export function uidOf(owner: string): number {
  if (owner === "root") return 0;
  return owner === "agent" ? LOGIN_UID : 1001;
}

function kindOf(st: FsStat): "file" | "dir" | "link" {
  return st.isDirectory ? "dir" : st.isSymbolicLink ? "link" : "file";
}

function errText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.startsWith("EACCES")) return "Permission denied";
  if (msg.startsWith("ENOTDIR")) return "Not a directory";
  return "No such file or directory";
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

interface Entry {
  name: string;
  path: string;
  st: FsStat;
}

/** `ls` with GNU's long format, nominal sizes, the World's clock, owners, and one name per line (not a tty). */
export function lsCommand(s: Session): Command {
  return defineCommand("ls", async (args, ctx) => {
    const o = getopt(args, {
      short: "laAhtrSR1dFnogciGUvXpQCxLHBkNqbs",
      long: {
        all: { key: "a" },
        "almost-all": { key: "A" },
        "human-readable": { key: "h" },
        reverse: { key: "r" },
        recursive: { key: "R" },
        directory: { key: "d" },
        classify: { key: "F" },
        "numeric-uid-gid": { key: "n" },
        inode: { key: "i" },
        "full-time": { key: "full-time" },
        "time-style": { key: "time-style", value: true },
        color: { key: "color", value: false },
        "group-directories-first": { key: "gdf" },
        help: { key: "help" },
      },
    });
    // --color=auto and friends are accepted and ignored
    const colorArgs = args.filter((a) => a.startsWith("--color="));
    if (o.error && colorArgs.length === 0) {
      return fail(`ls: ${o.error}\nTry 'ls --help' for more information.\n`, 2);
    }
    if (o.error) {
      return lsCommand(s).execute(
        args.filter((a) => !a.startsWith("--color=")),
        ctx,
      );
    }
    if (o.flags.has("help"))
      return ok(
        "Usage: ls [OPTION]... [FILE]...\nList information about the FILEs (the current directory by default).\n",
      );
    const f = o.flags;
    const long = f.has("l") || f.has("n") || f.has("o") || f.has("g") || f.has("full-time");
    let style: "default" | "full-iso" | "long-iso" | "iso" = f.has("full-time") ? "full-iso" : "default";
    const ts = o.values.get("time-style")?.at(-1);
    if (ts) {
      const t = ts.replace(/^posix-/, "");
      if (t === "full-iso" || t === "long-iso" || t === "iso") style = t;
      else if (t !== "locale") return fail(`ls: invalid argument '${ts}' for 'time style'\n`, 2);
    }
    const now = s.world.now();
    const fs = s.fs;
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
          const st = await fs.stat(path);
          if (st.isDirectory && !f.has("d")) dirs.push({ name: op, path, st });
          else files.push({ name: op, path, st });
        } catch (e) {
          stderr += `ls: cannot access '${op}': ${errText(e)}\n`;
          exit = 2;
        }
      }
      const sortEntries = (list: Entry[]) => {
        list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        if (f.has("t")) list.sort((a, b) => b.st.mtime.getTime() - a.st.mtime.getTime());
        else if (f.has("S")) list.sort((a, b) => b.st.size - a.st.size);
        if (f.has("r")) list.reverse();
        return list;
      };
      const suffix = (e: Entry) => {
        if (!f.has("F") && !f.has("p")) return "";
        if (e.st.isDirectory) return "/";
        if (!f.has("F")) return "";
        if (e.st.isSymbolicLink) return "@";
        return e.st.mode & 0o111 ? "*" : "";
      };
      const render = async (list: Entry[], withTotal: boolean): Promise<string> => {
        if (!long)
          return list
            .map((e) => `${f.has("i") ? `${inodeOf(s.host.worldName, e.path)} ` : ""}${e.name}${suffix(e)}\n`)
            .join("");
        const rows: string[][] = [];
        let totalKiB = 0;
        for (const e of list) {
          totalKiB += e.st.isDirectory ? 4 : diskKiB(e.st.size);
          const owner = await ownerOf(s, e.path);
          const ownerCol = f.has("n") ? String(uidOf(owner)) : owner;
          const size = e.st.isDirectory ? 4096 : e.st.size;
          let name = `${e.name}${suffix(e)}`;
          if (e.st.isSymbolicLink) name += ` -> ${await fs.readlink(e.path).catch(() => "?")}`;
          const row = [modeString(e.st.mode, kindOf(e.st)), e.st.isDirectory ? "2" : "1"];
          if (!f.has("g")) row.push(ownerCol);
          if (!f.has("o")) row.push(ownerCol);
          row.push(f.has("h") ? humanSize(size) : String(size), lsTime(e.st.mtime, now, style), name);
          if (f.has("i")) row.unshift(String(inodeOf(s.host.worldName, e.path)));
          rows.push(row);
        }
        const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
        const n = rows[0]?.length ?? 0;
        const lines = rows.map((r) =>
          r
            .map((c, i) => {
              if (i === n - 1 || i === n - 2) return c;
              const numeric = /^\d/.test(c) || (f.has("h") && i === n - 3);
              return numeric ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0);
            })
            .join(" "),
        );
        const total = withTotal ? `total ${f.has("h") ? humanSize(totalKiB * 1024) : totalKiB}\n` : "";
        return total + lines.map((l) => `${l}\n`).join("");
      };
      const listDir = async (d: Entry, header: boolean): Promise<void> => {
        let names: string[];
        try {
          names = await fs.readdir(d.path);
        } catch (e) {
          stderr += `ls: cannot open directory '${d.name}': ${errText(e)}\n`;
          exit = 2;
          return;
        }
        const entries: Entry[] = [];
        if (f.has("a")) {
          entries.push({ name: ".", path: d.path, st: d.st });
          const parent = d.path === "/" ? "/" : d.path.slice(0, d.path.lastIndexOf("/")) || "/";
          entries.push({ name: "..", path: parent, st: await fs.stat(parent) });
        }
        for (const name of names) {
          if (name.startsWith(".") && !f.has("a") && !f.has("A")) continue;
          const path = join(d.path, name);
          try {
            entries.push({ name, path, st: await fs.lstat(path) });
          } catch {
            // vanished between readdir and stat
          }
        }
        sortEntries(entries);
        if (header) stdout += `${stdout || stderr ? "\n" : ""}${d.name}:\n`;
        stdout += await render(entries, true);
        if (f.has("R")) {
          for (const e of entries) {
            if (e.st.isDirectory && e.name !== "." && e.name !== "..") {
              await listDir(
                { name: join(d.name === "/" ? "" : d.name, e.name).replace(/^\/\//, "/"), path: e.path, st: e.st },
                true,
              );
            }
          }
        }
      };
      stdout += await render(sortEntries(files), false);
      sortEntries(dirs);
      const headers = operands.length > 1 || f.has("R");
      for (const d of dirs) await listDir(d, headers);
      return { stdout, stderr, exitCode: exit };
    });
  });
}

/** `stat` with GNU's default layout and the common `-c` formats (%n %s %y %Y %a %A %U %F ...). */
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
        help: { key: "help" },
      },
    });
    if (o.error) return fail(`stat: ${o.error}\nTry 'stat --help' for more information.\n`);
    if (o.operands.length === 0) return fail("stat: missing operand\nTry 'stat --help' for more information.\n");
    const fmt = o.values.get("c")?.at(-1);
    const printf = o.values.get("printf")?.at(-1);
    return s.fs.withNominalSizes(async () => {
      let stdout = "";
      let stderr = "";
      let exit = 0;
      for (const op of o.operands) {
        const path = s.fs.resolvePath(ctx.cwd, op);
        let st: FsStat;
        try {
          st = o.flags.has("L") ? await s.fs.stat(path) : await s.fs.lstat(path);
        } catch (e) {
          stderr += `stat: cannot statx '${op}': ${errText(e)}\n`;
          exit = 1;
          continue;
        }
        const owner = await ownerOf(s, path);
        const uid = uidOf(owner);
        const kind = st.isDirectory
          ? "directory"
          : st.isSymbolicLink
            ? "symbolic link"
            : st.size === 0
              ? "regular empty file"
              : "regular file";
        const size = st.isDirectory ? 4096 : st.size;
        const blocks = st.isDirectory ? 8 : diskKiB(size) * 2;
        const perm = (st.mode & 0o7777).toString(8).padStart(4, "0");
        const mstr = modeString(st.mode, kindOf(st));
        const secs = Math.floor(st.mtime.getTime() / 1000);
        const ino = inodeOf(s.host.worldName, path);
        const spec: Record<string, string> = {
          n: op,
          N: `'${op}'`,
          s: String(size),
          b: String(blocks),
          B: "512",
          o: "4096",
          a: (st.mode & 0o7777).toString(8),
          A: mstr,
          f: ((st.mode & 0o7777) | (st.isDirectory ? 0o40000 : 0o100000)).toString(16),
          F: kind,
          u: String(uid),
          U: owner,
          g: String(uid),
          G: owner,
          h: st.isDirectory ? "2" : "1",
          i: String(ino),
          d: "2049",
          D: "801",
          m: "/",
          t: "0",
          T: "0",
          w: "-",
          W: "0",
          x: statTime(st.mtime),
          X: String(secs),
          y: statTime(st.mtime),
          Y: String(secs),
          z: statTime(st.mtime),
          Z: String(secs),
          "%": "%",
        };
        const expand = (f: string) => f.replace(/%(.)/g, (m, c: string) => spec[c] ?? m);
        if (printf !== undefined) {
          stdout += expand(printf).replace(/\\n/g, "\n").replace(/\\t/g, "\t");
        } else if (fmt !== undefined) {
          stdout += `${expand(fmt)}\n`;
        } else if (o.flags.has("t")) {
          stdout += `${op} ${size} ${blocks} ${spec.f} ${uid} ${uid} 801 ${ino} 1 0 0 ${secs} ${secs} ${secs} 0 4096\n`;
        } else {
          stdout +=
            `  File: ${op}\n` +
            `  Size: ${String(size).padEnd(15)}\tBlocks: ${String(blocks).padEnd(10)} IO Block: 4096   ${kind}\n` +
            `Device: 801h/2049d\tInode: ${String(ino).padEnd(11)} Links: ${spec.h}\n` +
            `Access: (${perm}/${mstr})  Uid: (${String(uid).padStart(5)}/${owner.padStart(8)})   Gid: (${String(uid).padStart(5)}/${owner.padStart(8)})\n` +
            `Access: ${statTime(st.mtime)}\n` +
            `Modify: ${statTime(st.mtime)}\n` +
            `Change: ${statTime(st.mtime)}\n` +
            " Birth: -\n";
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
      short: "shackmbxLlD0",
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
        si: { key: "h" },
        help: { key: "help" },
      },
    });
    if (o.error) return fail(`du: ${o.error}\nTry 'du --help' for more information.\n`);
    const f = o.flags;
    const apparent = f.has("b") || f.has("apparent");
    const maxDepth = f.has("s") ? 0 : o.values.has("d") ? Number(o.values.get("d")?.at(-1)) : Number.POSITIVE_INFINITY;
    const show = (bytes: number): string => {
      if (f.has("h")) return humanSize(bytes);
      if (f.has("b")) return String(bytes);
      if (f.has("m")) return String(Math.ceil(bytes / 1048576));
      return String(Math.ceil(bytes / 1024));
    };
    const usage = (st: FsStat) => {
      const size = st.isDirectory ? 4096 : st.size;
      return apparent ? size : diskKiB(size) * 1024;
    };
    return s.fs.withNominalSizes(async () => {
      let stdout = "";
      let stderr = "";
      let exit = 0;
      let grand = 0;
      const walk = async (path: string, label: string, depth: number): Promise<number> => {
        const st = await s.fs.lstat(path);
        if (!st.isDirectory) {
          const u = usage(st);
          if (depth === 0 || f.has("a")) stdout += `${show(u)}\t${label}\n`;
          return u;
        }
        let total = usage(st);
        let names: string[] = [];
        try {
          names = await s.fs.readdir(path);
        } catch {
          stderr += `du: cannot read directory '${label}': Permission denied\n`;
          exit = 1;
        }
        for (const name of names)
          total += await walk(
            path === "/" ? `/${name}` : `${path}/${name}`,
            label.endsWith("/") ? `${label}${name}` : `${label}/${name}`,
            depth + 1,
          );
        if (depth <= maxDepth) stdout += `${show(total)}\t${label}\n`;
        return total;
      };
      for (const op of o.operands.length ? o.operands : ["."]) {
        const path = s.fs.resolvePath(ctx.cwd, op);
        try {
          grand += await walk(path, op, 0);
        } catch (e) {
          stderr += `du: cannot access '${op}': ${errText(e)}\n`;
          exit = 1;
        }
      }
      if (f.has("c")) stdout += `${show(grand)}\ttotal\n`;
      return { stdout, stderr, exitCode: exit };
    });
  });
}

/** `df`: the host's disks, their use computed from the nominal sizes of the files on them. */
export function dfCommand(s: Session): Command {
  return defineCommand("df", async (args, ctx) => {
    const o = getopt(args, {
      short: "hHkTalmPi",
      long: {
        "human-readable": { key: "h" },
        si: { key: "H" },
        "print-type": { key: "T" },
        all: { key: "a" },
        help: { key: "help" },
        portability: { key: "P" },
      },
    });
    if (o.error) return fail(`df: ${o.error}\nTry 'df --help' for more information.\n`);
    const disks = disksOf(s.host);
    const used = new Map<string, number>();
    for (const d of disks) used.set(d.mount, await s.fs.usedOn(d));
    let chosen = disks;
    if (o.operands.length) {
      chosen = [];
      for (const op of o.operands) {
        const path = s.fs.resolvePath(ctx.cwd, op);
        if (!(await s.fs.exists(path))) return fail(`df: ${op}: No such file or directory\n`);
        const d = disks.filter((x) => x.mount === "/" || path === x.mount || path.startsWith(`${x.mount}/`)).at(-1);
        if (d && !chosen.includes(d)) chosen.push(d);
      }
    }
    const human = o.flags.has("h") || o.flags.has("H");
    const fmt = (b: number) => (human ? humanSize(b) : String(Math.ceil(b / 1024)));
    const rows = [
      [
        `Filesystem`,
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
      const avail = Math.max(0, d.size - d.reserved - u);
      rows.push([
        d.dev,
        ...(o.flags.has("T") ? ["ext4"] : []),
        fmt(d.size),
        fmt(u),
        fmt(avail),
        `${Math.ceil((u / (u + avail)) * 100)}%`,
        d.mount,
      ]);
    }
    const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
    const out = rows
      .map((r) =>
        r
          .map((c, i) =>
            i === 0 || i === r.length - 1 ? c.padEnd(i === 0 ? (widths[0] ?? 0) : 0) : c.padStart(widths[i] ?? 0),
          )
          .join(" "),
      )
      .join("\n");
    return ok(`${out}\n`);
  });
}

const TIME_TESTS = new Set(["-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newermt", "-newer"]);
const SIMPLE_TESTS = new Set(["-name", "-iname", "-type", "-size", "-maxdepth", "-mindepth", ...TIME_TESTS]);

/** GNU -size: [+-]N[cwbkMG], rounded up to the unit. */
function sizeMatches(spec: string, bytes: number): boolean | null {
  const m = spec.match(/^([+-]?)(\d+)([cwbkMG]?)$/);
  if (!m) return null;
  const unit = { c: 1, w: 2, b: 512, k: 1024, M: 1048576, G: 1073741824, "": 512 }[m[3] as string] ?? 512;
  const n = Number(m[2]);
  const v = Math.ceil(bytes / unit);
  return m[1] === "+" ? v > n : m[1] === "-" ? v < n : v === n;
}

/** GNU -mtime/-mmin: [+-]N whole days (minutes) of age, measured from the World's clock. */
function ageMatches(spec: string, ageMs: number, unitMs: number, floor: boolean): boolean | null {
  const m = spec.match(/^([+-]?)(\d+)$/);
  if (!m) return null;
  const n = Number(m[2]);
  const age = floor ? Math.floor(ageMs / unitMs) : ageMs / unitMs;
  return m[1] === "+" ? age > n : m[1] === "-" ? age < n : Math.floor(age) === n;
}

function globRegExp(glob: string, flags = ""): RegExp {
  const re = glob
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, flags);
}

/**
 * `find`: the bundled one (with -size and -ls seeing nominal sizes), except that a plain conjunction of tests
 * that involves time (-mtime, -mmin, -newermt, -newer) is evaluated here against the World's clock.
 */
export function findCommand(s: Session): Command {
  return defineCommand("find", async (args, ctx) => {
    if (!ctx.origCommand) return fail("find: unavailable\n");
    const orig = ctx.origCommand;
    const firstTest = args.findIndex((a) => a.startsWith("-") || a === "(" || a === "!");
    const roots = firstTest < 0 ? args : args.slice(0, firstTest);
    const expr = firstTest < 0 ? [] : args.slice(firstTest);
    const usesTime = expr.some((a) => TIME_TESTS.has(a));
    const simple =
      expr.every((a, i) => (i % 2 === 0 ? SIMPLE_TESTS.has(a) || a === "-print" : true)) && !expr.includes("-print");
    if (!usesTime || !simple || expr.length % 2 !== 0) return s.fs.withNominalSizes(() => orig(args));
    const tests: [string, string][] = [];
    for (let i = 0; i < expr.length; i += 2) tests.push([expr[i] as string, expr[i + 1] as string]);
    const now = s.world.now().getTime();
    let maxDepth = Number.POSITIVE_INFINITY;
    let minDepth = 0;
    for (const [t, v] of tests) {
      if (t === "-maxdepth") maxDepth = Number(v);
      if (t === "-mindepth") minDepth = Number(v);
    }
    let stdout = "";
    let stderr = "";
    const check = async (name: string, st: FsStat): Promise<boolean> => {
      for (const [t, v] of tests) {
        let ok: boolean | null = true;
        if (t === "-name") ok = globRegExp(v).test(name);
        else if (t === "-iname") ok = globRegExp(v, "i").test(name);
        else if (t === "-type")
          ok = v === "d" ? st.isDirectory : v === "f" ? st.isFile : v === "l" ? st.isSymbolicLink : false;
        else if (t === "-size") ok = sizeMatches(v, st.size);
        else if (t === "-mtime" || t === "-atime" || t === "-ctime")
          ok = ageMatches(v, now - st.mtime.getTime(), 86_400_000, true);
        else if (t === "-mmin" || t === "-amin" || t === "-cmin")
          ok = ageMatches(v, now - st.mtime.getTime(), 60_000, false);
        else if (t === "-newermt") {
          const when = parseDate(v, new Date(now));
          if (!when) throw new Error(`find: I cannot figure out how to interpret '${v}' as a date or time\n`);
          ok = st.mtime.getTime() > when.getTime();
        } else if (t === "-newer") {
          const ref = await s.fs.stat(s.fs.resolvePath(ctx.cwd, v)).catch(() => null);
          if (!ref) throw new Error(`find: '${v}': No such file or directory\n`);
          ok = st.mtime.getTime() > ref.mtime.getTime();
        }
        if (ok === null) throw new Error(`find: invalid argument '${v}' to '${t}'\n`);
        if (!ok) return false;
      }
      return true;
    };
    const walk = async (path: string, shown: string, depth: number): Promise<void> => {
      const st = await s.fs.lstat(path);
      const name = shown === "/" ? "/" : shown.slice(shown.replace(/\/+$/, "").lastIndexOf("/") + 1);
      if (depth >= minDepth && (await check(name, st))) stdout += `${shown}\n`;
      if (!st.isDirectory || depth >= maxDepth) return;
      for (const child of await s.fs.readdir(path)) {
        await walk(
          path === "/" ? `/${child}` : `${path}/${child}`,
          shown.endsWith("/") ? `${shown}${child}` : `${shown}/${child}`,
          depth + 1,
        );
      }
    };
    return s.fs.withNominalSizes(async () => {
      let exit = 0;
      for (const root of roots.length ? roots : ["."]) {
        try {
          await walk(s.fs.resolvePath(ctx.cwd, root), root, 0);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          if (msg.startsWith("find: ")) return { stdout, stderr: stderr + msg, exitCode: 1 };
          stderr += `find: '${root}': No such file or directory\n`;
          exit = 1;
        }
      }
      return { stdout, stderr, exitCode: exit };
    });
  });
}
