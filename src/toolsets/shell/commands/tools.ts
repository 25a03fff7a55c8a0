import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync } from "node:crypto";
import type { Command } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { bufferHasToken, decodeBuffer, digestOf } from "../../../world/content.js";
import { errorText } from "../host-fs.js";
import { noiseBytes } from "../noise.js";
import { fail, ok, type Session } from "../session.js";
import { packagesOf } from "../system-files.js";
import { debianText } from "./gnu-args.js";

// --- bc

class BcError extends Error {}

/** Decimal numbers as BigInt with a scale (digits after the point), as bc computes. */
interface Num {
  v: bigint;
  s: number;
}
const pow10 = (n: number) => 10n ** BigInt(n);
function align(a: Num, b: Num): [bigint, bigint, number] {
  const s = Math.max(a.s, b.s);
  return [a.v * pow10(s - a.s), b.v * pow10(s - b.s), s];
}
function parseNum(text: string): Num {
  const [i, f = ""] = text.split(".");
  return { v: BigInt((i || "0") + f || "0"), s: f.length };
}
function numText(n: Num): string {
  const neg = n.v < 0n;
  let digits = (neg ? -n.v : n.v).toString();
  if (n.s > 0) {
    digits = digits.padStart(n.s + 1, "0");
    let int = digits.slice(0, -n.s);
    if (int === "0") int = "";
    digits = `${int}.${digits.slice(-n.s)}`;
  }
  if (digits === "" || (/^\.?0*$/.test(digits.replace(".", "")) && n.v === 0n)) digits = n.s > 0 ? digits : "0";
  const out = (neg && n.v !== 0n ? "-" : "") + digits;
  // bc breaks long numbers at 70 characters with a backslash
  const lines: string[] = [];
  for (let i = 0; i < out.length; i += 69) lines.push(out.slice(i, i + 69));
  return lines.join("\\\n");
}

function bcEval(program: string, mathlib: boolean): { out: string; err: string } {
  const vars = new Map<string, Num>();
  let scale = mathlib ? 20 : 0;
  let out = "";
  let err = "";
  const lines = program.replace(/\/\*[\s\S]*?\*\//g, "").split("\n");
  lines.forEach((line, lineNo) => {
    for (const stmt of line.split(";")) {
      const src = stmt.replace(/#.*/, "").trim();
      if (!src) continue;
      if (src === "quit" || src === "halt") return;
      let pos = 0;
      const peek = () => src.slice(pos).match(/^\s*(\d*\.?\d+|\d+\.|[a-z_][a-z0-9_]*|\*\*|[-+*/%^()=,]|\S)/)?.[1] ?? "";
      const next = () => {
        const t = peek();
        pos = src.indexOf(t, pos) + t.length;
        return t;
      };
      const div = (a: Num, b: Num): Num => {
        if (b.v === 0n) throw new BcError("Runtime error (func=(main), adr=3): Divide by zero");
        const [x, y] = align(a, b);
        return { v: (x * pow10(scale)) / y, s: scale };
      };
      const fnCall = (name: string, x: Num): Num => {
        const f = Number(numText(x).replace(/\\\n/g, ""));
        const js: Record<string, (v: number) => number> = {
          s: Math.sin,
          c: Math.cos,
          a: Math.atan,
          l: Math.log,
          e: Math.exp,
        };
        if (name === "sqrt") {
          if (x.v < 0n) throw new BcError("Runtime error (func=(main), adr=4): Square root of a negative number");
          const s = Math.max(scale, x.s);
          const target = x.v * pow10(2 * s - x.s);
          let r = BigInt(Math.floor(Math.sqrt(Number(target))));
          while (r * r > target) r--;
          while ((r + 1n) * (r + 1n) <= target) r++;
          return { v: r, s };
        }
        if (name === "length") return { v: BigInt(x.v.toString().replace("-", "").length), s: 0 };
        if (name === "scale") return { v: BigInt(x.s), s: 0 };
        const fn = mathlib ? js[name] : undefined;
        if (!fn) throw new BcError(`Runtime error (func=(main), adr=2): Function ${name} not defined.`);
        const v = fn(f);
        return parseNum(v.toFixed(Math.min(scale, 20)));
      };
      const primary = (): Num => {
        const t = next();
        if (t === "(") {
          const v = expr();
          if (next() !== ")") throw new BcError(`(standard_in) ${lineNo + 1}: syntax error`);
          return v;
        }
        if (t === "-") {
          const v = unary();
          return { v: -v.v, s: v.s };
        }
        if (t === "+") return unary();
        if (/^\d|^\./.test(t)) return parseNum(t);
        if (/^[a-z_]/.test(t)) {
          if (peek() === "(") {
            next();
            const arg = expr();
            if (next() !== ")") throw new BcError(`(standard_in) ${lineNo + 1}: syntax error`);
            return fnCall(t, arg);
          }
          if (t === "scale") return { v: BigInt(scale), s: 0 };
          return vars.get(t) ?? { v: 0n, s: 0 };
        }
        throw new BcError(`(standard_in) ${lineNo + 1}: syntax error`);
      };
      const unary = (): Num => primary();
      const power = (): Num => {
        const base = unary();
        if (peek() === "^") {
          next();
          const e = power();
          const n = Number(e.v / pow10(e.s));
          let r: Num = { v: 1n, s: 0 };
          for (let k = 0; k < Math.abs(n); k++) r = { v: r.v * base.v, s: r.s + base.s };
          if (n < 0) return div({ v: 1n, s: 0 }, r);
          const keep = Math.min(r.s, Math.max(scale, base.s));
          return { v: r.v / pow10(r.s - keep), s: keep };
        }
        return base;
      };
      const term = (): Num => {
        let a = power();
        for (;;) {
          const t = peek();
          if (t !== "*" && t !== "/" && t !== "%") return a;
          next();
          const b = power();
          if (t === "*") {
            const s = Math.min(a.s + b.s, Math.max(scale, a.s, b.s));
            a = { v: (a.v * b.v) / pow10(a.s + b.s - s), s };
          } else if (t === "/") a = div(a, b);
          else {
            const q = div(a, b);
            const [x, y, s] = align(a, b);
            const prod = q.v * y;
            const s2 = Math.max(s, scale + b.s);
            a = { v: x * pow10(s2 - s) - prod * pow10(s2 - q.s - s), s: s2 };
          }
        }
      };
      const expr = (): Num => {
        let a = term();
        for (;;) {
          const t = peek();
          if (t !== "+" && t !== "-") return a;
          next();
          const b = term();
          const [x, y, s] = align(a, b);
          a = { v: t === "+" ? x + y : x - y, s };
        }
      };
      try {
        const assign = src.match(/^([a-z_][a-z0-9_]*)\s*=\s*(.*)$/s);
        if (assign && !src.includes("==")) {
          const name = assign[1] as string;
          pos = src.indexOf(assign[2] as string);
          const v = expr();
          if (name === "scale") scale = Number(v.v / pow10(v.s));
          else vars.set(name, v);
          continue;
        }
        const v = expr();
        if (pos < src.length && peek() !== "") throw new BcError(`(standard_in) ${lineNo + 1}: syntax error`);
        out += `${numText(v)}\n`;
      } catch (e) {
        err += `${e instanceof BcError ? e.message : `(standard_in) ${lineNo + 1}: syntax error`}\n`;
      }
    }
  });
  return { out, err };
}

/** `bc [-l] [-q] [FILE]`: GNU bc's arithmetic with `scale`, sqrt() and -l's math library. */
export function bcCommand(s: Session): Command {
  return defineCommand("bc", async (args, ctx) => {
    if (args.includes("--version") || args.includes("-v"))
      return ok(
        "bc 1.07.1\nCopyright 1991-1994, 1997, 1998, 2000, 2004, 2006, 2008, 2012-2017 Free Software Foundation, Inc.\n",
      );
    if (args.includes("--help") || args.includes("-h")) return ok(debianText("help", "bc") ?? "");
    const mathlib = args.some((a) => a === "-l" || a === "--mathlib" || (/^-[a-z]+$/.test(a) && a.includes("l")));
    let program = "";
    for (const f of args.filter((a) => !a.startsWith("-"))) {
      try {
        program += await s.fs.readFile(s.fs.resolvePath(ctx.cwd, f));
      } catch {
        return fail(`File ${f} is unavailable.\n`, 1);
      }
    }
    program += latin1FromBytes(ctx.stdin);
    const r = bcEval(program, mathlib);
    return { stdout: r.out, stderr: r.err, exitCode: 0 };
  });
}

// --- man

/** `man NAME`: a page made from the tool's own help, as man prints it when not on a terminal. */
export function manCommand(_s: Session): Command {
  return defineCommand("man", async (args) => {
    const names = args.filter((a) => !a.startsWith("-") && !/^\d$/.test(a));
    if (args.includes("--version")) return ok("man 2.11.2\n");
    if (names.length === 0) return fail("What manual page do you want?\nFor example, try 'man man'.\n", 1);
    let out = "";
    let err = "";
    for (const name of names) {
      const help = debianText("help", name);
      if (!help) {
        err += `No manual entry for ${name}\n`;
        continue;
      }
      const upper = `${name.toUpperCase()}(1)`;
      const width = 78;
      const title = "User Commands";
      const gap = Math.max(1, Math.floor((width - upper.length * 2 - title.length) / 2));
      const usage = help.match(/^Usage: (.*)$/m)?.[1] ?? name;
      const summary =
        help
          .split("\n")
          .find((l, i) => i > 0 && l.trim() !== "" && !l.startsWith("Usage") && !l.startsWith("  or:"))
          ?.trim() ?? "";
      const body = help
        .split("\n")
        .filter((l) => !l.startsWith("Usage:") && !l.startsWith("  or:"))
        .map((l) => (l.trim() === "" ? "" : `       ${l.trim()}`))
        .join("\n")
        .replace(/\n{3,}/g, "\n\n");
      const version = debianText("versions", name)?.split("\n")[0] ?? "";
      const pkg = version.match(/\(([^)]+)\)\s+([\d.]+)/);
      const footer = pkg ? `${pkg[1]} ${pkg[2]}` : name;
      out += `${upper}${" ".repeat(gap)}${title}${" ".repeat(gap)}${upper}\n\nNAME\n       ${name} - ${summary.replace(/\.$/, "").replace(/^./, (c) => c.toLowerCase())}\n\nSYNOPSIS\n       ${usage}\n\nDESCRIPTION\n${body.trim() ? body : ""}\n\n${footer}${" ".repeat(Math.max(1, width - footer.length - upper.length - 14))}September 2022${" ".repeat(2)}${upper}\n`;
    }
    return { stdout: out, stderr: err, exitCode: err && !out ? 16 : 0 };
  });
}

// --- dpkg, apt

function dpkgTable(rows: { name: string; version: string; arch: string; summary: string }[]): string {
  const w = (k: "name" | "version" | "arch", min: number) => Math.max(min, ...rows.map((r) => r[k].length));
  const wn = w("name", 4);
  const wv = w("version", 7);
  const wa = Math.max(12, w("arch", 12));
  const wd = Math.max(11, ...rows.map((r) => r.summary.length));
  const head = [
    "Desired=Unknown/Install/Remove/Purge/Hold",
    "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend",
    "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)",
    `||/ ${"Name".padEnd(wn)} ${"Version".padEnd(wv)} ${"Architecture".padEnd(wa)} Description`,
    `+++-${"=".repeat(wn)}-${"=".repeat(wv)}-${"=".repeat(wa)}-${"=".repeat(wd)}`,
  ];
  return `${[...head, ...rows.map((r) => `ii  ${r.name.padEnd(wn)} ${r.version.padEnd(wv)} ${r.arch.padEnd(wa)} ${r.summary}`)].join("\n")}\n`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(name);
}

/** `dpkg -l/-s/-L`, `dpkg-query`: the host's installed packages (debian/packages.tsv). */
export function dpkgCommands(s: Session): Command[] {
  const run = (tool: "dpkg" | "dpkg-query") =>
    defineCommand(tool, async (args) => {
      const pkgs = packagesOf(s.host);
      const mode = args.find((a) => a.startsWith("-")) ?? "";
      const names = args.filter((a) => !a.startsWith("-"));
      if (mode === "-l" || mode === "--list") {
        if (names.length === 0) return ok(dpkgTable(pkgs));
        const rows = [];
        let err = "";
        for (const n of names) {
          const hit = pkgs.filter((p) => globMatch(n, p.name));
          if (hit.length === 0) err += `dpkg-query: no packages found matching ${n}\n`;
          rows.push(...hit);
        }
        return { stdout: rows.length ? dpkgTable(rows) : "", stderr: err, exitCode: err ? 1 : 0 };
      }
      if (mode === "-s" || mode === "--status") {
        let out = "";
        let err = "";
        for (const n of names) {
          const p = pkgs.find((x) => x.name === n);
          if (!p) {
            err += `dpkg-query: package '${n}' is not installed and no information is available\nUse dpkg --info (= dpkg-deb --info) to examine archive files.\n`;
            continue;
          }
          out += `Package: ${p.name}\nStatus: install ok installed\nArchitecture: ${p.arch}\nVersion: ${p.version}\nDescription: ${p.summary}\n\n`;
        }
        return { stdout: out.replace(/\n\n$/, "\n"), stderr: err, exitCode: err ? 1 : 0 };
      }
      if (mode === "-W" || mode === "--show") {
        const rows = names.length ? pkgs.filter((p) => names.some((n) => globMatch(n, p.name))) : pkgs;
        return ok(rows.map((p) => `${p.name}\t${p.version}\n`).join(""));
      }
      if (mode === "--version")
        return ok(
          `Debian '${tool}' package management program version 1.21.22 (amd64).\nThis is free software; see the GNU General Public License version 2 or\nlater for copying conditions. There is NO warranty.\n`,
        );
      if (
        tool === "dpkg" &&
        (mode === "-i" ||
          mode === "--install" ||
          mode === "-r" ||
          mode === "--remove" ||
          mode === "-P" ||
          mode === "--purge")
      ) {
        if (s.user !== "root") return fail(`dpkg: error: requested operation requires superuser privilege\n`, 2);
        return fail(`dpkg: error: cannot access archive '${names[0] ?? ""}': No such file or directory\n`, 2);
      }
      return fail(
        `${tool}: error: need an action option\n\nType ${tool} --help for help about querying packages;\n`,
        2,
      );
    });
  return [run("dpkg"), run("dpkg-query")];
}

const APT_WARNING = "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n";
const LOCK =
  "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n";

/** `apt`, `apt-get`, `apt-cache` on a machine with no route to the Debian mirrors. */
export function aptCommands(s: Session): Command[] {
  const apt = (tool: "apt" | "apt-get" | "apt-cache") =>
    defineCommand(tool, async (args) => {
      const verb = args.find((a) => !a.startsWith("-")) ?? "";
      const pkgs = packagesOf(s.host);
      const warn = tool === "apt" ? APT_WARNING : "";
      if (args.includes("--version") || args.includes("-v")) return ok("apt 2.6.1 (amd64)\n");
      if (tool === "apt-cache") {
        const names = args.filter((a) => !a.startsWith("-")).slice(1);
        if (verb === "policy") {
          return ok(
            names
              .map((n) => {
                const p = pkgs.find((x) => x.name === n);
                return p
                  ? `${n}:\n  Installed: ${p.version}\n  Candidate: ${p.version}\n  Version table:\n *** ${p.version} 100\n        100 /var/lib/dpkg/status\n`
                  : `N: Unable to locate package ${n}\n`;
              })
              .join(""),
          );
        }
        if (verb === "search")
          return ok(
            pkgs
              .filter((p) => names.every((n) => p.name.includes(n) || p.summary.includes(n)))
              .map((p) => `${p.name} - ${p.summary}\n`)
              .join(""),
          );
        return fail(`E: Invalid operation ${verb}\n`, 100);
      }
      if (verb === "list") {
        if (!args.includes("--installed")) return { stdout: "Listing...\n", stderr: warn, exitCode: 0 };
        return {
          stdout: `Listing...\n${pkgs.map((p) => `${p.name}/now ${p.version.replace(/^\d+:/, (m) => m)} ${p.arch} [installed,local]\n`).join("")}`,
          stderr: warn,
          exitCode: 0,
        };
      }
      if (
        ["install", "remove", "purge", "upgrade", "full-upgrade", "dist-upgrade", "autoremove", "update"].includes(verb)
      ) {
        if (s.user !== "root") {
          if (verb === "update")
            return fail(
              `${warn}Reading package lists...\nE: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\nE: Unable to lock directory /var/lib/apt/lists/\n`,
              100,
            );
          return fail(`${warn}${LOCK}`, 100);
        }
        if (verb === "update")
          return {
            stdout:
              "Ign:1 http://deb.debian.org/debian bookworm InRelease\nIgn:2 http://security.debian.org/debian-security bookworm-security InRelease\nIgn:3 http://deb.debian.org/debian bookworm-updates InRelease\nErr:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\nErr:2 http://security.debian.org/debian-security bookworm-security InRelease\n  Temporary failure resolving 'security.debian.org'\nErr:3 http://deb.debian.org/debian bookworm-updates InRelease\n  Temporary failure resolving 'deb.debian.org'\nReading package lists...\n",
            stderr: `${warn}W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'\nW: Some index files failed to download. They have been ignored, or old ones used instead.\n`,
            exitCode: 0,
          };
        const names = args.filter((a) => !a.startsWith("-")).slice(1);
        const missing = names.find((n) => !pkgs.some((p) => p.name === n));
        if (verb === "install" && missing)
          return fail(
            `${warn}E: Unable to locate package ${missing}\n`,
            100,
            "Reading package lists...\nBuilding dependency tree...\nReading state information...\n",
          );
        return {
          stdout:
            "Reading package lists...\nBuilding dependency tree...\nReading state information...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n",
          stderr: warn,
          exitCode: 0,
        };
      }
      if (verb === "show" || verb === "policy") return fail(`${warn}E: No packages found\n`, 100);
      return fail(`E: Invalid operation ${verb}\n`, 100);
    });
  return [apt("apt"), apt("apt-get"), apt("apt-cache")];
}

// --- git (the workstation only)

const HINT = `hint: Using 'master' as the name for the initial branch. This default branch name
hint: is subject to change. To configure the initial branch name to use in all
hint: of your new repositories, which will suppress this warning, call:
hint: 
hint: 	git config --global init.defaultBranch <name>
hint: 
hint: Names commonly chosen instead of 'master' are 'main', 'trunk' and
hint: 'development'. The just-created branch can be renamed via this command:
hint: 
hint: 	git branch -m <name>
`;

/** `git`: version, init, status and log of a repository without commits, config; more is not set up. */
export function gitCommand(s: Session): Command {
  return defineCommand("git", async (args, ctx) => {
    const fs = s.fs;
    const verb = args[0];
    if (verb === "--version" || verb === "version") return ok("git version 2.39.5\n");
    if (verb === undefined || verb === "--help" || verb === "help") return ok(debianText("help", "git") ?? "");
    const findRepo = async (): Promise<string | null> => {
      let dir = ctx.cwd;
      for (;;) {
        if (await fs.exists(`${dir === "/" ? "" : dir}/.git/HEAD`)) return dir;
        if (dir === "/") return null;
        dir = dir.slice(0, dir.lastIndexOf("/")) || "/";
      }
    };
    const notRepo = () => fail("fatal: not a git repository (or any of the parent directories): .git\n", 128);
    if (verb === "init") {
      const target = fs.resolvePath(ctx.cwd, args.find((a, i) => i > 0 && !a.startsWith("-")) ?? ".");
      const git = `${target === "/" ? "" : target}/.git`;
      const existed = await fs.exists(`${git}/HEAD`);
      try {
        await fs.mkdir(git, { recursive: true });
        for (const d of ["branches", "hooks", "info", "objects/info", "objects/pack", "refs/heads", "refs/tags"])
          await fs.mkdir(`${git}/${d}`, { recursive: true });
        if (!existed) {
          await fs.writeFile(`${git}/HEAD`, "ref: refs/heads/master\n");
          await fs.writeFile(
            `${git}/config`,
            "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n",
          );
          await fs.writeFile(
            `${git}/description`,
            "Unnamed repository; edit this file 'description' to name the repository.\n",
          );
          await fs.writeFile(
            `${git}/info/exclude`,
            "# git ls-files --others --exclude-from=.git/info/exclude\n# Lines that start with '#' are comments.\n# For a project mostly in C, the following would be a good set of\n# exclude patterns (uncomment them if you want to use them):\n# *.[oa]\n# *~\n",
          );
        }
      } catch (e) {
        return fail(`fatal: cannot mkdir ${git}: ${errorText(e)}\n`, 128);
      }
      return existed
        ? ok(`Reinitialized existing Git repository in ${git}/\n`)
        : { stdout: `Initialized empty Git repository in ${git}/\n`, stderr: HINT, exitCode: 0 };
    }
    if (verb === "config") {
      const global = args.includes("--global");
      const rest = args.slice(1).filter((a) => !a.startsWith("--"));
      const file = global ? `${s.home}/.gitconfig` : `${(await findRepo()) ?? ""}/.git/config`;
      if (!global && !(await findRepo())) return fail("fatal: not in a git directory\n", 128);
      let text = "";
      try {
        text = await fs.readFile(file);
      } catch {
        text = "";
      }
      const [key, value] = rest;
      if (key === undefined) return fail("usage: git config [<options>]\n", 129);
      const [section, name] = [key.slice(0, key.lastIndexOf(".")), key.slice(key.lastIndexOf(".") + 1)];
      if (value === undefined) {
        const m = text.match(new RegExp(`\\[${section.replace(".", "\\.")}\\][^[]*?\\n\\t${name} = (.*)`, "i"));
        return m ? ok(`${m[1]}\n`) : fail("", 1);
      }
      text += `[${section}]\n\t${name} = ${value}\n`;
      try {
        await fs.writeFile(file, text);
      } catch (e) {
        return fail(`error: could not lock config file ${file}: ${errorText(e)}\n`, 255);
      }
      return ok();
    }
    const repo = await findRepo();
    if (!repo) return notRepo();
    if (verb === "rev-parse") {
      if (args.includes("--show-toplevel")) return ok(`${repo}\n`);
      if (args.includes("--git-dir")) return ok(".git\n");
      return fail(
        "fatal: ambiguous argument 'HEAD': unknown revision or path not in the working tree.\nUse '--' to separate paths from revisions, like this:\n'git <command> [<revision>...] -- [<file>...]'\n",
        128,
        "HEAD\n",
      );
    }
    if (verb === "log" || verb === "show")
      return fail("fatal: your current branch 'master' does not have any commits yet\n", 128);
    if (verb === "status") {
      const names = (await fs.readdir(repo).catch(() => [] as string[])).filter((n) => n !== ".git");
      const untracked = names.length
        ? `Untracked files:\n  (use "git add <file>..." to include in what will be committed)\n${names.map((n) => `\t${n}\n`).join("")}\nnothing added to commit but untracked files present (use "git add" to track)\n`
        : 'nothing to commit (create/copy files and use "git add" to track)\n';
      return ok(`On branch master\n\nNo commits yet\n\n${untracked}`);
    }
    if (verb === "branch") return ok();
    return fail(`fatal: this operation must be run in a work tree\n`, 128);
  });
}

// --- openssl

const OPENSSL_VERSION = "OpenSSL 3.0.15 3 Sep 2024 (Library: OpenSSL 3.0.15 3 Sep 2024)";
const DIGESTS: Record<string, [string, string]> = {
  md5: ["md5", "MD5"],
  sha1: ["sha1", "SHA1"],
  sha224: ["sha224", "SHA2-224"],
  sha256: ["sha256", "SHA2-256"],
  sha384: ["sha384", "SHA2-384"],
  sha512: ["sha512", "SHA2-512"],
};

/**
 * `openssl version|rand|dgst|md5|sha256|base64|enc` (3.0.15); digests are of the content a file stands for, the
 * same as sha256sum's (generated content: the digest derived from its identity, content.ts).
 */
export function opensslCommand(s: Session): Command {
  let randomCalls = 0;
  return defineCommand("openssl", async (args, ctx) => {
    const [verb, ...rest] = args;
    const fs = s.fs;
    const readInput = async (file: string | undefined): Promise<Buffer | string> => {
      if (file === undefined) return Buffer.from(latin1FromBytes(ctx.stdin), "latin1");
      try {
        return Buffer.from(await fs.readFileBuffer(fs.resolvePath(ctx.cwd, file)));
      } catch (e) {
        return `Can't open "${file}" for reading, ${errorText(e)}`;
      }
    };
    if (verb === undefined) return ok("");
    if (verb === "version") return ok(`${OPENSSL_VERSION}\n`);
    if (verb === "rand") {
      const n = Number(rest.filter((a) => !a.startsWith("-")).at(-1));
      if (!Number.isInteger(n) || n < 0) return fail("rand: Use -help for summary.\n", 1);
      const bytes = Buffer.from(
        noiseBytes(`openssl-rand:${s.host.seed}:${s.world.now().getTime()}:${randomCalls++}`, n),
      );
      if (rest.includes("-hex")) return ok(`${bytes.toString("hex")}\n`);
      if (rest.includes("-base64"))
        return ok(
          `${bytes
            .toString("base64")
            .replace(/(.{64})/g, "$1\n")
            .replace(/\n$/, "")}\n`,
        );
      return {
        stdout: bytes.toString("latin1"),
        stdoutKind: "bytes",
        stdoutEncoding: "binary",
        stderr: "",
        exitCode: 0,
      };
    }
    const digestName =
      verb === "dgst" ? (rest.find((a) => DIGESTS[a.slice(1)])?.slice(1) ?? "sha256") : DIGESTS[verb] ? verb : null;
    if (digestName) {
      const [algo, label] = DIGESTS[digestName] as [string, string];
      const files = rest.filter((a) => !a.startsWith("-"));
      const raw = rest.includes("-r");
      let out = "";
      let err = "";
      for (const f of files.length ? files : [undefined]) {
        const data = await readInput(f);
        if (typeof data === "string") {
          err += `${data}\n`;
          continue;
        }
        const hex = bufferHasToken(data)
          ? digestOf(decodeBuffer(data), algo).toString("hex")
          : createHash(algo).update(data).digest("hex");
        out += raw ? `${hex} *${f ?? "stdin"}\n` : `${label}(${f ?? "stdin"})= ${hex}\n`;
      }
      return { stdout: out, stderr: err, exitCode: err ? 1 : 0 };
    }
    if (verb === "base64" || verb === "enc") {
      const get = (flag: string) => {
        const i = rest.indexOf(flag);
        return i >= 0 ? rest[i + 1] : undefined;
      };
      const decrypt = rest.includes("-d");
      const b64 = verb === "base64" || rest.includes("-a") || rest.includes("-base64");
      const input = await readInput(get("-in"));
      if (typeof input === "string") return fail(`${input}\n`, 1);
      const cipherName =
        verb === "base64" ? null : (rest.find((a) => /^-aes-(128|192|256)-(cbc|ctr|ecb)$/.test(a))?.slice(1) ?? null);
      let data: Buffer = input;
      if (decrypt && b64) data = Buffer.from(input.toString("latin1").replace(/\s+/g, ""), "base64");
      if (cipherName) {
        const pass = get("-k") ?? get("-pass")?.replace(/^pass:/, "");
        if (pass === undefined) return fail("enter AES-256-CBC encryption password:\nbad password read\n", 1);
        const bits = Number(cipherName.split("-")[1]) / 8;
        const iter = Number(get("-iter") ?? 10000);
        const pbkdf2 = rest.includes("-pbkdf2") || get("-iter") !== undefined;
        const derive = (salt: Buffer) => {
          if (pbkdf2) {
            const k = pbkdf2Sync(pass, salt, iter, bits + 16, "sha256");
            return { key: k.subarray(0, bits), iv: k.subarray(bits) };
          }
          let prev = Buffer.alloc(0);
          let acc = Buffer.alloc(0);
          while (acc.length < bits + 16) {
            prev = createHash("sha256")
              .update(Buffer.concat([prev, Buffer.from(pass), salt]))
              .digest();
            acc = Buffer.concat([acc, prev]);
          }
          return { key: acc.subarray(0, bits), iv: acc.subarray(bits, bits + 16) };
        };
        try {
          if (decrypt) {
            if (data.subarray(0, 8).toString("latin1") !== "Salted__") return fail("bad magic number\n", 1);
            const { key, iv } = derive(data.subarray(8, 16));
            const d = createDecipheriv(cipherName, key, cipherName.endsWith("ecb") ? null : iv);
            data = Buffer.concat([d.update(data.subarray(16)), d.final()]);
          } else {
            const salt = Buffer.from(noiseBytes(`openssl-salt:${s.world.now().getTime()}:${randomCalls++}`, 8));
            const { key, iv } = derive(salt);
            const c = createCipheriv(cipherName, key, cipherName.endsWith("ecb") ? null : iv);
            data = Buffer.concat([Buffer.from("Salted__"), salt, c.update(data), c.final()]);
          }
        } catch {
          return fail("bad decrypt\n", 1);
        }
      }
      let out: string;
      if (b64 && !decrypt)
        out = `${data
          .toString("base64")
          .replace(/(.{64})/g, "$1\n")
          .replace(/\n$/, "")}\n`;
      else out = data.toString("latin1");
      const target = get("-out");
      const warning =
        cipherName && !(rest.includes("-pbkdf2") || get("-iter") !== undefined)
          ? "*** WARNING : deprecated key derivation used.\nUsing -iter or -pbkdf2 would be better.\n"
          : "";
      if (target !== undefined) {
        try {
          await fs.writeFile(fs.resolvePath(ctx.cwd, target), out, "binary");
        } catch (e) {
          return fail(`${warning}Can't open "${target}" for writing, ${errorText(e)}\n`, 1);
        }
        return { stdout: "", stderr: warning, exitCode: 0 };
      }
      return { stdout: out, stdoutKind: "bytes", stdoutEncoding: "binary", stderr: warning, exitCode: 0 };
    }
    if (verb === "help" || verb === "-help") return ok(debianText("help", "openssl") ?? "");
    return fail(`Invalid command '${verb}'; type "help" for a list.\n`, 1);
  });
}
