import { globRegExp } from "../../../world/glob.js";
import type { Command, CommandContext } from "just-bash";
import { defineCommand } from "just-bash";
import { diskKiB, inodeOf, lsTime, parseDate, shellQuote, strftime } from "../format.js";
import { errorText, type FileInfo } from "../host-fs.js";
import { hash32 } from "../noise.js";
import { EXECUTE, READ, WRITE } from "../permissions.js";
import type { Session } from "../session.js";
import { modeOf } from "./listing.js";

/** One file as find visits it. */
interface Visit {
  /** Path as find prints it (starting point + relative part). */
  shown: string;
  /** Absolute path. */
  path: string;
  /** The starting point it was found under. */
  start: string;
  depth: number;
  info: FileInfo;
}

type Node =
  | { op: "and" | "or" | "comma"; left: Node; right: Node }
  | { op: "not"; expr: Node }
  | { op: "test"; name: string; eval: (v: Visit) => Promise<boolean> | boolean; action: boolean };

class FindError extends Error {}

/** GNU's quoting in messages under a UTF-8 locale: ‘…’. */
function q(s: string): string {
  return `‘${s}’`;
}

/** GNU find's default regex dialect (emacs): \( \) \| group, ( ) | are literal. */
function emacsRegExp(src: string, flags = ""): RegExp {
  let re = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === "\\" && i + 1 < src.length) {
      const n = src[++i] as string;
      re += "()|{}".includes(n) ? n : `\\${n}`;
    } else if ("()|{}".includes(c)) re += `\\${c}`;
    else re += c;
  }
  return new RegExp(`^(?:${re})$`, `s${flags}`);
}

function sizeTest(spec: string): ((bytes: number) => boolean) | null {
  const m = spec.match(/^([+-]?)(\d+)([cwbkMG]?)$/);
  if (!m) return null;
  const unit = { c: 1, w: 2, b: 512, k: 1024, M: 1048576, G: 1073741824, "": 512 }[m[3] as string] ?? 512;
  const n = Number(m[2]);
  return (bytes) => {
    const v = Math.ceil(bytes / unit);
    return m[1] === "+" ? v > n : m[1] === "-" ? v < n : v === n;
  };
}

function numberTest(spec: string): ((v: number) => boolean) | null {
  const m = spec.match(/^([+-]?)(\d+)$/);
  if (!m) return null;
  const n = Number(m[2]);
  return (v) => (m[1] === "+" ? v > n : m[1] === "-" ? v < n : v === n);
}

/** -perm MODE / -MODE / /MODE, octal or symbolic (u=rwx,g+s ...). */
function permTest(spec: string): ((mode: number) => boolean) | null {
  let kind: "exact" | "all" | "any" = "exact";
  let s = spec;
  if (s.startsWith("-")) {
    kind = "all";
    s = s.slice(1);
  } else if (s.startsWith("/")) {
    kind = "any";
    s = s.slice(1);
  }
  let bits: number;
  if (/^[0-7]+$/.test(s)) bits = Number.parseInt(s, 8);
  else {
    bits = 0;
    for (const clause of s.split(",")) {
      const m = clause.match(/^([ugoa]*)([=+])([rwxst]*)$/);
      if (!m) return null;
      const who = m[1] || "a";
      let perm = 0;
      for (const p of m[3] as string) perm |= { r: 4, w: 2, x: 1, s: 0, t: 0 }[p] ?? 0;
      if (who.includes("u") || who.includes("a")) bits |= perm << 6;
      if (who.includes("g") || who.includes("a")) bits |= perm << 3;
      if (who.includes("o") || who.includes("a")) bits |= perm;
      if ((m[3] as string).includes("s"))
        bits |=
          (who.includes("u") || who.includes("a") ? 0o4000 : 0) | (who.includes("g") || who.includes("a") ? 0o2000 : 0);
      if ((m[3] as string).includes("t")) bits |= 0o1000;
    }
  }
  return (mode) => {
    const m = mode & 0o7777;
    if (kind === "exact") return m === bits;
    if (kind === "all") return (m & bits) === bits;
    return bits === 0 || (m & bits) !== 0;
  };
}

const TYPE_LETTER: Record<FileInfo["kind"], string> = {
  file: "f",
  dir: "d",
  link: "l",
  char: "c",
  block: "b",
  socket: "s",
};

/** `find -printf` directives. */
function printfLine(format: string, v: Visit): string {
  const i = v.info;
  const time = (t: Date, k: string) => {
    if (k === "@") return `${Math.floor(t.getTime() / 1000)}.${String(t.getUTCMilliseconds()).padStart(3, "0")}0000000`;
    if (k === "+") return `${strftime("%F+%T", t)}.${String(t.getUTCMilliseconds()).padStart(3, "0")}0000000`;
    if (k === "S") return `${strftime("%S", t)}.${String(t.getUTCMilliseconds()).padStart(3, "0")}0000000`;
    if (k === "T") return `${strftime("%T", t)}.${String(t.getUTCMilliseconds()).padStart(3, "0")}0000000`;
    return strftime(`%${k}`, t);
  };
  const ctime = (t: Date) =>
    `${strftime("%a %b %e %H:%M:%S", t)}.${String(t.getUTCMilliseconds()).padStart(3, "0")}0000000 ${t.getUTCFullYear()}`;
  let out = "";
  for (let k = 0; k < format.length; k++) {
    const c = format[k] as string;
    if (c === "\\") {
      const n = format[++k];
      out +=
        n === "n"
          ? "\n"
          : n === "t"
            ? "\t"
            : n === "0"
              ? "\0"
              : n === "\\"
                ? "\\"
                : n === "a"
                  ? "\x07"
                  : n === "r"
                    ? "\r"
                    : `\\${n ?? ""}`;
      continue;
    }
    if (c !== "%") {
      out += c;
      continue;
    }
    const m = format.slice(k + 1).match(/^([-+ #0]*)(\d*)(?:\.(\d+))?([ACT].|[a-zA-Z%@])/);
    if (!m) {
      out += "%";
      continue;
    }
    k += m[0].length;
    const [, flags = "", width = "", , d = ""] = m;
    let val: string;
    const name = v.shown.replace(/\/+$/, "");
    switch (d[0]) {
      case "p":
        val = v.shown;
        break;
      case "f":
        val = v.depth === 0 ? v.shown : name.slice(name.lastIndexOf("/") + 1);
        break;
      case "h":
        val = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) || "/" : ".";
        break;
      case "P":
        val = v.depth === 0 ? "" : v.shown.slice(v.start.length).replace(/^\/+/, "");
        break;
      case "H":
        val = v.start;
        break;
      case "s":
        val = String(i.size);
        break;
      case "b":
        val = String(diskKiB(i.kind === "dir" ? 4096 : i.size) * 2);
        break;
      case "k":
        val = String(diskKiB(i.kind === "dir" ? 4096 : i.size));
        break;
      case "d":
        val = String(v.depth);
        break;
      case "m":
        val = (i.mode & 0o7777).toString(8);
        break;
      case "M":
        val = modeOf(i);
        break;
      case "u":
        val = i.owner;
        break;
      case "g":
        val = i.group;
        break;
      case "U":
        val = String(i.uid);
        break;
      case "G":
        val = String(i.gid);
        break;
      case "y":
      case "Y":
        val = TYPE_LETTER[i.kind];
        break;
      case "l":
        val = i.target ?? "";
        break;
      case "n":
        val = String(i.nlink);
        break;
      case "i":
        val = String(inodeOf("", i.path));
        break;
      case "t":
      case "a":
      case "c":
        val = ctime(i.mtime);
        break;
      case "T":
      case "A":
      case "C":
        val = time(i.mtime, d[1] ?? "c");
        break;
      case "%":
        val = "%";
        break;
      default:
        val = "";
    }
    if (width) val = flags.includes("-") ? val.padEnd(Number(width)) : val.padStart(Number(width));
    out += val;
  }
  return out;
}

/** `-ls`: the line GNU find prints (inode, KiB blocks, mode, links, owner, group, size, date, name). */
function lsLine(v: Visit, now: Date, host: string): string {
  const i = v.info;
  const blocks = i.kind === "dir" ? 4 : i.kind === "file" ? diskKiB(i.size) : 0;
  const size = i.device ? `${i.device[0]}, ${i.device[1]}` : String(i.size);
  const name = i.kind === "link" ? `${v.shown} -> ${i.target ?? ""}` : v.shown;
  return `${String(inodeOf(host, i.path)).padStart(9)} ${String(blocks).padStart(6)} ${modeOf(i)} ${String(i.nlink).padStart(3)} ${i.owner.padEnd(8)} ${i.group.padEnd(8)} ${size.padStart(8)} ${lsTime(i.mtime, now, "default")} ${name}\n`;
}

interface Plan {
  expr: Node | null;
  maxDepth: number;
  minDepth: number;
  depthFirst: boolean;
  follow: boolean;
  hasAction: boolean;
  output: string[];
  errors: string[];
  quit: boolean;
  pruned: boolean;
  failed: boolean;
}

/**
 * `find` as GNU findutils 4.9: the whole expression language (tests, `!`/`-not`, `-a`, `-o`, `,`, parentheses,
 * -exec/-execdir `;` and `+`, -printf, -ls, -delete, -prune, -quit, -print0), times counted from the World's clock,
 * sizes nominal, and a walk that reports an unreadable directory ("find: ‘/root’: Permission denied") and goes
 * on, as the real one does. Entries come in directory order (hash order, as on ext4), not sorted.
 */
export function findCommand(s: Session): Command {
  return defineCommand("find", async (args, ctx) => {
    const fs = s.fs;
    const now = s.world.now();
    let i = 0;
    let follow = false;
    while (i < args.length && /^-[HLP]$/.test(args[i] as string)) follow = args[i++] === "-L";
    const roots: string[] = [];
    while (i < args.length) {
      const a = args[i] as string;
      if ((a.startsWith("-") && a.length > 1) || a === "(" || a === "!" || a === ")" || a === ",") break;
      roots.push(a);
      i++;
    }
    const tokens = args.slice(i);
    const plan: Plan = {
      expr: null,
      maxDepth: Number.POSITIVE_INFINITY,
      minDepth: 0,
      depthFirst: false,
      follow,
      hasAction: false,
      output: [],
      errors: [],
      quit: false,
      pruned: false,
      failed: false,
    };
    let dayStart = false;
    const batches: { words: string[]; paths: string[]; dir: string | null }[] = [];

    const refTime = async (file: string): Promise<number> => {
      try {
        return (await fs.info(fs.resolvePath(ctx.cwd, file), true)).mtime.getTime();
      } catch (e) {
        throw new FindError(`find: ${q(file)}: ${errorText(e)}\n`);
      }
    };
    const ageBase = () =>
      dayStart ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) : now.getTime();

    let pos = 0;
    const next = () => tokens[pos++];
    const needArg = (name: string): string => {
      const v = next();
      if (v === undefined) throw new FindError(`find: missing argument to \`${name}'\n`);
      return v;
    };
    const emit = (text: string) => {
      plan.output.push(text);
      return true;
    };
    const test = (name: string, fn: (v: Visit) => Promise<boolean> | boolean, action = false): Node => ({
      op: "test",
      name,
      eval: fn,
      action,
    });

    const primary = async (): Promise<Node> => {
      const t = next();
      if (t === undefined) throw new FindError("find: invalid expression\n");
      if (t === "(") {
        const e = await orExpr();
        if (next() !== ")")
          throw new FindError(
            "find: invalid expression; I was expecting to find a ')' somewhere but did not see one.\n",
          );
        return e;
      }
      if (t === "!" || t === "-not") return { op: "not", expr: await primary() };
      if (t === ")") throw new FindError("find: invalid expression; you have too many ')'\n");
      if (!t.startsWith("-")) {
        const prev = tokens[pos - 2];
        throw new FindError(
          `find: paths must precede expression: \`${t}'\n${prev && ["-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"].includes(prev) ? "" : ""}${
            prev && /^-i?(name|path|wholename)$/.test(tokens[pos - 3] ?? "")
              ? `find: possible unquoted pattern after predicate \`${tokens[pos - 3]}'?\n`
              : ""
          }`,
        );
      }
      switch (t) {
        case "-maxdepth":
        case "-mindepth": {
          const v = needArg(t);
          if (!/^\d+$/.test(v))
            throw new FindError(`find: Expected a positive decimal integer argument to ${t}, but got ${q(v)}\n`);
          if (t === "-maxdepth") plan.maxDepth = Number(v);
          else plan.minDepth = Number(v);
          return test(t, () => true);
        }
        case "-depth":
          plan.depthFirst = true;
          return test(t, () => true);
        case "-daystart":
          dayStart = true;
          return test(t, () => true);
        case "-follow":
          plan.follow = true;
          return test(t, () => true);
        case "-xdev":
        case "-mount":
        case "-noleaf":
        case "-ignore_readdir_race":
        case "-noignore_readdir_race":
        case "-nowarn":
        case "-warn":
          return test(t, () => true);
        case "-regextype":
          needArg(t);
          return test(t, () => true);
        case "-true":
          return test(t, () => true);
        case "-false":
          return test(t, () => false);
        case "-name":
        case "-iname": {
          const re = globRegExp(needArg(t), { flags: t === "-iname" ? "i" : "" });
          return test(t, (v) => re.test(v.depth === 0 ? baseOf(v.shown) : baseOf(v.path)));
        }
        case "-path":
        case "-wholename":
        case "-ipath":
        case "-iwholename": {
          const re = globRegExp(needArg(t), { flags: t.startsWith("-i") ? "i" : "" });
          return test(t, (v) => re.test(v.shown));
        }
        case "-regex":
        case "-iregex": {
          const re = emacsRegExp(needArg(t), t === "-iregex" ? "i" : "");
          return test(t, (v) => re.test(v.shown));
        }
        case "-lname":
        case "-ilname": {
          const re = globRegExp(needArg(t), { flags: t === "-ilname" ? "i" : "" });
          return test(t, (v) => v.info.kind === "link" && re.test(v.info.target ?? ""));
        }
        case "-type":
        case "-xtype": {
          const v = needArg(t);
          const letters = v.split(",");
          for (const l of letters)
            if (!/^[fdlcbsp]$/.test(l))
              throw new FindError(
                l.length > 1
                  ? `find: Must separate multiple arguments to ${t} using: ','\n`
                  : `find: Unknown argument to ${t}: ${l}\n`,
              );
          return test(t, async (x) => {
            let kind = x.info.kind;
            if (t === "-xtype" && kind === "link") kind = (await fs.info(x.path, true).catch(() => x.info)).kind;
            return letters.includes(TYPE_LETTER[kind]);
          });
        }
        case "-size": {
          const v = needArg(t);
          const fn = sizeTest(v);
          if (!fn) {
            const m = v.match(/^[+-]?\d+(.)$/);
            throw new FindError(
              m ? `find: invalid -size type \`${m[1]}'\n` : `find: invalid argument \`${v}' to \`-size'\n`,
            );
          }
          return test(t, (x) => fn(x.info.kind === "dir" ? 4096 : x.info.size));
        }
        case "-empty":
          return test(t, async (x) => {
            if (x.info.kind === "file") return x.info.size === 0;
            if (x.info.kind === "dir") return (await fs.readdir(x.path).catch(() => ["?"])).length === 0;
            return false;
          });
        case "-mtime":
        case "-atime":
        case "-ctime":
        case "-mmin":
        case "-amin":
        case "-cmin": {
          const v = needArg(t);
          const fn = numberTest(v);
          if (!fn) throw new FindError(`find: invalid argument \`${v}' to \`${t}'\n`);
          const unit = t.endsWith("min") ? 60_000 : 86_400_000;
          return test(t, (x) => {
            const age = (ageBase() - x.info.mtime.getTime()) / unit;
            const n = Number(v.replace(/^[+-]/, ""));
            if (unit === 60_000)
              return v.startsWith("+") ? age > n : v.startsWith("-") ? age < n : Math.ceil(age) === n;
            return fn(Math.floor(age));
          });
        }
        case "-newer":
        case "-anewer":
        case "-cnewer": {
          const when = await refTime(needArg(t));
          return test(t, (x) => x.info.mtime.getTime() > when);
        }
        case "-used":
          needArg(t);
          return test(t, () => false);
        case "-samefile": {
          const ref = fs.resolvePath(ctx.cwd, needArg(t));
          return test(t, (x) => x.path === ref);
        }
        case "-inum": {
          const fn = numberTest(needArg(t));
          return test(t, (x) => (fn ? fn(inodeOf(s.host.worldName, x.info.path)) : false));
        }
        case "-links": {
          const v = needArg(t);
          const fn = numberTest(v);
          if (!fn) throw new FindError(`find: invalid argument \`${v}' to \`${t}'\n`);
          return test(t, (x) => fn(x.info.nlink));
        }
        case "-perm": {
          const v = needArg(t);
          const fn = permTest(v);
          if (!fn) throw new FindError(`find: invalid mode ${q(v)}\n`);
          return test(t, (x) => fn(x.info.mode));
        }
        case "-user":
        case "-group": {
          const v = needArg(t);
          const accounts = s.machines.accountsOf(s.host);
          const id =
            t === "-user"
              ? (accounts.user(v)?.uid ?? (/^\d+$/.test(v) ? Number(v) : null))
              : (accounts.group(v)?.gid ?? (/^\d+$/.test(v) ? Number(v) : null));
          if (id === null)
            throw new FindError(`find: ${q(v)} is not the name of a known ${t === "-user" ? "user" : "group"}\n`);
          return test(t, (x) => (t === "-user" ? x.info.uid : x.info.gid) === id);
        }
        case "-uid":
        case "-gid": {
          const fn = numberTest(needArg(t));
          return test(t, (x) => (fn ? fn(t === "-uid" ? x.info.uid : x.info.gid) : false));
        }
        case "-nouser":
          return test(t, (x) => !s.machines.accountsOf(s.host).userById(x.info.uid));
        case "-nogroup":
          return test(t, (x) => !s.machines.accountsOf(s.host).groupById(x.info.gid));
        case "-readable":
          return test(t, (x) => fs.access(x.path, READ));
        case "-writable":
          return test(t, (x) => fs.access(x.path, WRITE));
        case "-executable":
          return test(t, (x) => fs.access(x.path, EXECUTE));
        case "-fstype": {
          const v = needArg(t);
          return test(
            t,
            (x) => v === (x.path.startsWith("/proc") ? "proc" : x.path.startsWith("/dev") ? "devtmpfs" : "ext4"),
          );
        }
        case "-print":
          plan.hasAction = true;
          return test(t, (x) => emit(`${x.shown}\n`), true);
        case "-print0":
          plan.hasAction = true;
          return test(t, (x) => emit(`${x.shown}\0`), true);
        case "-printf": {
          const f = needArg(t);
          plan.hasAction = true;
          return test(t, (x) => emit(printfLine(f, x)), true);
        }
        case "-ls":
          plan.hasAction = true;
          return test(t, (x) => emit(lsLine(x, now, s.host.worldName)), true);
        case "-fprint":
        case "-fprint0":
        case "-fls":
        case "-fprintf": {
          const file = needArg(t);
          const f = t === "-fprintf" ? needArg(t) : null;
          plan.hasAction = true;
          const target = fs.resolvePath(ctx.cwd, file);
          await fs.writeFile(target, "").catch((e) => {
            throw new FindError(`find: ${q(file)}: ${errorText(e)}\n`);
          });
          return test(
            t,
            async (x) => {
              const line =
                t === "-fls"
                  ? lsLine(x, now, s.host.worldName)
                  : f !== null
                    ? printfLine(f, x)
                    : `${x.shown}${t === "-fprint0" ? "\0" : "\n"}`;
              await fs.appendFile(target, line);
              return true;
            },
            true,
          );
        }
        case "-prune":
          return test(t, (x) => {
            if (!plan.depthFirst && x.info.kind === "dir") prunedPaths.add(x.path);
            return true;
          });
        case "-quit":
          return test(t, () => {
            plan.quit = true;
            return true;
          });
        case "-delete":
          plan.hasAction = true;
          plan.depthFirst = true;
          return test(
            t,
            async (x) => {
              if (x.depth === 0 && (x.shown === "." || x.shown === "./")) return true;
              try {
                await fs.rm(x.path);
                return true;
              } catch (e) {
                plan.errors.push(`find: cannot delete ${q(x.shown)}: ${errorText(e)}\n`);
                plan.failed = true;
                return false;
              }
            },
            true,
          );
        case "-exec":
        case "-execdir":
        case "-ok":
        case "-okdir": {
          const words: string[] = [];
          let end: string | undefined;
          for (;;) {
            const w = next();
            if (w === undefined) throw new FindError(`find: missing argument to \`${t}'\n`);
            if (w === ";" || (w === "+" && words.at(-1) === "{}")) {
              end = w;
              break;
            }
            words.push(w);
          }
          if (words.length === 0) throw new FindError(`find: missing argument to \`${t}'\n`);
          plan.hasAction = true;
          const inDir = t.endsWith("dir");
          if (end === "+") {
            const batch = { words: words.slice(0, -1), paths: [] as string[], dir: null as string | null };
            batches.push(batch);
            return test(
              t,
              (x) => {
                batch.paths.push(inDir ? `./${baseOf(x.path)}` : x.shown);
                if (inDir) batch.dir = parentOf(x.path);
                return true;
              },
              true,
            );
          }
          return test(
            t,
            async (x) => {
              const arg = inDir ? `./${baseOf(x.path)}` : x.shown;
              const line = words.map((w) => shellQuote(w.split("{}").join(arg))).join(" ");
              const r = await runLine(ctx, line, inDir ? parentOf(x.path) : ctx.cwd);
              plan.output.push(r.stdout);
              plan.errors.push(r.stderr);
              return r.exitCode === 0;
            },
            true,
          );
        }
        default: {
          if (/^-newer[amctB][amctB]?$/.test(t) || /^-newer[amct]t$/.test(t)) {
            const v = needArg(t);
            const kind = t.slice(6);
            let when: number;
            if (kind.endsWith("t")) {
              const d = parseDate(v, now);
              if (!d) throw new FindError(`find: I cannot figure out how to interpret ${q(v)} as a date or time\n`);
              when = d.getTime();
            } else when = await refTime(v);
            return test(t, (x) => x.info.mtime.getTime() > when);
          }
          throw new FindError(`find: unknown predicate \`${t}'\n`);
        }
      }
    };
    const andExpr = async (): Promise<Node> => {
      let left = await primary();
      for (;;) {
        const t = tokens[pos];
        if (t === undefined || t === ")" || t === "-o" || t === "-or" || t === ",") return left;
        if (t === "-a" || t === "-and") {
          pos++;
          if (tokens[pos] === undefined)
            throw new FindError(
              `find: invalid expression; you have used a binary operator '${t}' with nothing after it.\n`,
            );
        }
        left = { op: "and", left, right: await primary() };
      }
    };
    const orExpr = async (): Promise<Node> => {
      let left = await andExpr();
      for (;;) {
        const t = tokens[pos];
        if (t === "-o" || t === "-or") {
          pos++;
          if (tokens[pos] === undefined)
            throw new FindError(
              `find: invalid expression; you have used a binary operator '${t}' with nothing after it.\n`,
            );
          left = { op: "or", left, right: await andExpr() };
        } else if (t === ",") {
          pos++;
          left = { op: "comma", left, right: await andExpr() };
        } else return left;
      }
    };
    const prunedPaths = new Set<string>();

    try {
      if (tokens.length > 0) {
        plan.expr = await orExpr();
        if (pos < tokens.length) {
          const t = tokens[pos] as string;
          throw new FindError(
            t === ")"
              ? "find: invalid expression; you have too many ')'\n"
              : `find: paths must precede expression: \`${t}'\n`,
          );
        }
      }
    } catch (e) {
      if (e instanceof FindError) return { stdout: "", stderr: e.message, exitCode: 1 };
      throw e;
    }

    const evaluate = async (n: Node, v: Visit): Promise<boolean> => {
      if (n.op === "test") return n.eval(v);
      if (n.op === "not") return !(await evaluate(n.expr, v));
      if (n.op === "and") return (await evaluate(n.left, v)) && evaluate(n.right, v);
      if (n.op === "or") return (await evaluate(n.left, v)) || evaluate(n.right, v);
      await evaluate(n.left, v);
      return evaluate(n.right, v);
    };
    const visit = async (v: Visit) => {
      if (v.depth < plan.minDepth) return;
      const matched = plan.expr ? await evaluate(plan.expr, v) : true;
      if (matched && !plan.hasAction) plan.output.push(`${v.shown}\n`);
    };
    let stdout = "";
    let stderr = "";
    const flushErrors = () => {
      for (const e of plan.errors) stderr += e;
      plan.errors = [];
      for (const o of plan.output) stdout += o;
      plan.output = [];
    };
    const order = (dir: string, names: string[]) =>
      [...names].sort((a, b) => hash32(`${s.host.seed}:${dir}/${a}`) - hash32(`${s.host.seed}:${dir}/${b}`));
    const walk = async (path: string, shown: string, start: string, depth: number, info: FileInfo): Promise<void> => {
      if (plan.quit) return;
      const v: Visit = { shown, path, start, depth, info };
      if (!plan.depthFirst) await visit(v);
      flushErrors();
      if (info.kind === "dir" && depth < plan.maxDepth && !prunedPaths.has(path) && !plan.quit) {
        let names: string[] | null = null;
        try {
          names = await fs.readdir(path);
        } catch (e) {
          flushErrors();
          stderr += `find: ${q(shown)}: ${errorText(e)}\n`;
          plan.failed = true;
        }
        for (const name of order(path, names ?? [])) {
          if (plan.quit) break;
          const child = path === "/" ? `/${name}` : `${path}/${name}`;
          const childShown = shown.endsWith("/") ? `${shown}${name}` : `${shown}/${name}`;
          let childInfo: FileInfo;
          try {
            childInfo = await fs.info(child, plan.follow);
          } catch (e) {
            flushErrors();
            stderr += `find: ${q(childShown)}: ${errorText(e)}\n`;
            plan.failed = true;
            continue;
          }
          await walk(child, childShown, start, depth + 1, childInfo);
        }
      }
      if (plan.depthFirst) await visit(v);
      flushErrors();
    };
    await fs.withNominalSizes(async () => {
      for (const root of roots.length ? roots : ["."]) {
        if (plan.quit) break;
        const path = fs.resolvePath(ctx.cwd, root);
        let info: FileInfo;
        try {
          info = await fs.info(path, plan.follow || root.endsWith("/"));
        } catch (e) {
          stderr += `find: ${q(root)}: ${errorText(e)}\n`;
          plan.failed = true;
          continue;
        }
        await walk(path, root, root, 0, info);
        flushErrors();
      }
      for (const b of batches) {
        if (b.paths.length === 0) continue;
        const line = [...b.words, ...b.paths].map(shellQuote).join(" ");
        const r = await runLine(ctx, line, b.dir ?? ctx.cwd);
        stdout += r.stdout;
        stderr += r.stderr;
        if (r.exitCode !== 0) plan.failed = true;
      }
    });
    flushErrors();
    return { stdout, stderr, exitCode: plan.failed ? 1 : 0 };
  });
}

async function runLine(ctx: CommandContext, line: string, cwd: string) {
  if (!ctx.exec) return { stdout: "", stderr: "", exitCode: 1 };
  return ctx.exec(line, { cwd });
}

function baseOf(p: string): string {
  const t = p.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1) || "/";
}
function parentOf(p: string): string {
  return p.slice(0, p.lastIndexOf("/")) || "/";
}
