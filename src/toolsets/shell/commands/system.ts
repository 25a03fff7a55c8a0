import type { Command } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { dateDefault, parseDate, parseTouchStamp, shellQuote } from "../format.js";
import { errorCode, errorText } from "../host-fs.js";
import { resolveHostName } from "../hosts.js";
import { fail, getopt, ok, type Session } from "../session.js";
import { KERNEL, KERNEL_VERSION } from "../system-files.js";

/** `date` on the World's clock; -d understands the usual absolute and relative forms. */
export function dateCommand(s: Session): Command {
  return defineCommand("date", async (args, ctx) => {
    if (!ctx.origCommand) return fail("date: unavailable\n");
    const now = s.world.now();
    const out: string[] = [];
    let given = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      let value: string | undefined;
      if (a === "-d" || a === "--date") value = args[++i] ?? "";
      else if (a.startsWith("--date=")) value = a.slice(7);
      else if (a === "-r" || a === "--reference" || a.startsWith("--reference=")) {
        // -r FILE: the file's modification time
        const name = a.startsWith("--reference=") ? a.slice(12) : (args[++i] ?? "");
        try {
          const st = await s.fs.stat(s.fs.resolvePath(ctx.cwd, name));
          out.push("-d", `@${Math.floor(st.mtime.getTime() / 1000)}`);
          given = true;
          continue;
        } catch (e) {
          const why = errorCode(e) === "EACCES" ? "Permission denied" : "No such file or directory";
          return fail(`date: ${name}: ${why}\n`);
        }
      } else if (/^-[uIR]*d$/.test(a) && a.length > 2) {
        out.push(a.slice(0, -1));
        value = args[++i] ?? "";
      } else if (a === "-s" || a.startsWith("--set")) {
        return fail("date: cannot set date: Operation not permitted\n");
      } else {
        out.push(a);
        continue;
      }
      const t = parseDate(value, now);
      if (!t) return fail(`date: invalid date '${value}'\n`);
      out.push("-d", `@${Math.floor(t.getTime() / 1000)}`);
      given = true;
    }
    if (!given) out.push("-d", `@${Math.floor(now.getTime() / 1000)}`);
    if (out.length === 2 && !given) return ok(`${dateDefault(now)}\n`);
    return ctx.origCommand(out);
  });
}

/** `touch` stamping with the World's clock; -d STRING, -t STAMP, -r FILE, -c, -a, -m. */
export function touchCommand(s: Session): Command {
  return defineCommand("touch", async (args, ctx) => {
    const o = getopt(args, {
      short: "acmfh",
      shortWithValue: "dtr",
      long: {
        date: { key: "d", value: true },
        reference: { key: "r", value: true },
        "no-create": { key: "c" },
        "no-dereference": { key: "h" },
        time: { key: "time", value: true },
        help: { key: "help" },
      },
    });
    if (o.error) return fail(`touch: ${o.error}\nTry 'touch --help' for more information.\n`);
    if (o.operands.length === 0) return fail("touch: missing file operand\nTry 'touch --help' for more information.\n");
    const now = s.world.now();
    let when = now;
    const d = o.values.get("d")?.at(-1);
    const t = o.values.get("t")?.at(-1);
    const r = o.values.get("r")?.at(-1);
    if (d !== undefined) {
      const parsed = parseDate(d, now);
      if (!parsed) return fail(`touch: invalid date format '${d}'\n`);
      when = parsed;
    } else if (t !== undefined) {
      const parsed = parseTouchStamp(t, now);
      if (!parsed) return fail(`touch: invalid date format '${t}'\n`);
      when = parsed;
    } else if (r !== undefined) {
      try {
        when = (await s.fs.stat(s.fs.resolvePath(ctx.cwd, r))).mtime;
      } catch {
        return fail(`touch: failed to get attributes of '${r}': No such file or directory\n`);
      }
    }
    let stderr = "";
    const explicit = d !== undefined || t !== undefined || r !== undefined;
    for (const op of o.operands) {
      const path = s.fs.resolvePath(ctx.cwd, op);
      // touch opens the file for writing (creating it), then sets its times (utimensat); an error of the open
      // is the one reported when both fail
      let openError: unknown = null;
      let info = null;
      try {
        info = await s.fs.info(path, true);
      } catch (e) {
        if (errorCode(e) !== "ENOENT") openError = e;
      }
      if (!info && !openError) {
        if (o.flags.has("c")) continue;
        try {
          await s.fs.writeFile(path, "");
        } catch (e) {
          stderr += `touch: cannot touch '${op}': ${errorText(e)}\n`;
          continue;
        }
        if (!explicit) continue;
      } else if (info && info.kind !== "dir" && !(await s.fs.access(path, 2))) {
        openError = Object.assign(new Error("EACCES"), { code: "EACCES" });
      }
      try {
        await s.fs.setTimes(path, explicit ? when : null);
      } catch (e) {
        stderr += openError
          ? `touch: cannot touch '${op}': ${errorText(openError)}\n`
          : `touch: setting times of '${op}': ${errorText(e)}\n`;
      }
    }
    return { stdout: "", stderr, exitCode: stderr ? 1 : 0 };
  });
}

export function unameCommand(s: Session): Command {
  return defineCommand("uname", async (args) => {
    const letters = new Set(args.flatMap((a) => (a === "--all" ? ["a"] : a.startsWith("-") ? [...a.slice(1)] : [])));
    for (const c of letters)
      if (!"asnrvmpio".includes(c))
        return fail(`uname: invalid option -- '${c}'\nTry 'uname --help' for more information.\n`);
    if (letters.size === 0) letters.add("s");
    const all = letters.has("a");
    const parts: string[] = [];
    if (all || letters.has("s")) parts.push("Linux");
    if (all || letters.has("n")) parts.push(s.host.hostname);
    if (all || letters.has("r")) parts.push(KERNEL);
    if (all || letters.has("v")) parts.push(KERNEL_VERSION);
    if (all || letters.has("m")) parts.push("x86_64");
    if (!all && letters.has("p")) parts.push("unknown");
    if (!all && letters.has("i")) parts.push("unknown");
    if (all || letters.has("o")) parts.push("GNU/Linux");
    return ok(`${parts.join(" ")}\n`);
  });
}

const SHELL_ONLY = new Set([
  "IFS",
  "OSTYPE",
  "MACHTYPE",
  "HOSTTYPE",
  "OPTIND",
  "SHELLOPTS",
  "BASHOPTS",
  "PPID",
  "UID",
  "EUID",
  "BASHPID",
  "PS4",
  "OPTERR",
]);

/** `env`/`printenv` without a command print the exported environment (the fixed login environment). */
export function envCommands(): Command[] {
  const listing = (name: string) =>
    defineCommand(name, async (args, ctx) => {
      const exported = ctx.exportedEnv ?? Object.fromEntries(ctx.env);
      const vars = Object.entries(exported).filter(([k]) => !SHELL_ONLY.has(k));
      if (name === "printenv" && args.length > 0) {
        const out = args.map((k) => exported[k]).filter((v): v is string => v !== undefined);
        return { stdout: out.map((v) => `${v}\n`).join(""), stderr: "", exitCode: out.length === args.length ? 0 : 1 };
      }
      if (name === "env" && args.length > 0) {
        if (!ctx.origCommand) return fail("env: unavailable\n");
        return ctx.origCommand(args);
      }
      return ok(vars.map(([k, v]) => `${k}=${v}\n`).join(""));
    });
  return [listing("env"), listing("printenv")];
}

function urlHost(url: string): { host: string; port: number; scheme: string } | null {
  const m = url.match(/^(?:([a-z][a-z0-9+.-]*):\/\/)?(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?/i);
  if (!m) return null;
  const scheme = (m[1] ?? "http").toLowerCase();
  return {
    host: m[2] as string,
    scheme,
    port: m[3] ? Number(m[3]) : scheme === "https" ? 443 : scheme === "ftp" ? 21 : 80,
  };
}

/** curl and wget as on a machine whose only network is the office LAN with no web servers on it. */
export function networkCommands(): Command[] {
  const refusal = (url: string): { kind: "resolve" | "connect"; host: string; port: number } => {
    const u = urlHost(url) ?? { host: url, port: 80, scheme: "http" };
    const known = resolveHostName(u.host) !== null || /^\d{1,3}(\.\d{1,3}){3}$/.test(u.host) || u.host === "localhost";
    return { kind: known ? "connect" : "resolve", host: u.host, port: u.port };
  };
  const curl = defineCommand("curl", async (args) => {
    if (args.includes("--version") || args.includes("-V"))
      return ok("curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13\n");
    const url = args.filter((a) => !a.startsWith("-")).at(-1);
    if (!url) return fail("curl: try 'curl --help' or 'curl --manual' for more information\n", 2);
    const shortFlags = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join("");
    const silent =
      (shortFlags.includes("s") || args.includes("--silent")) &&
      !shortFlags.includes("S") &&
      !args.includes("--show-error");
    const r = refusal(url);
    if (r.kind === "resolve") return fail(silent ? "" : `curl: (6) Could not resolve host: ${r.host}\n`, 6);
    return fail(
      silent ? "" : `curl: (7) Failed to connect to ${r.host} port ${r.port} after 0 ms: Couldn't connect to server\n`,
      7,
    );
  });
  const wget = defineCommand("wget", async (args) => {
    const url = args.filter((a) => !a.startsWith("-")).at(-1);
    if (!url) return fail("wget: missing URL\nUsage: wget [OPTION]... [URL]...\n", 1);
    const r = refusal(url);
    const quiet = args.some((a) => a === "--quiet" || /^-[a-zA-Z]*q/.test(a));
    if (quiet) return fail("", 4);
    if (r.kind === "resolve") return fail(`wget: unable to resolve host address '${r.host}'\n`, 4);
    return fail(`Connecting to ${r.host}:${r.port}... failed: Connection refused.\n`, 4);
  });
  return [curl, wget];
}

/**
 * `yes` never stops; without a reader that closes the pipe early, its output always meets the output limit, so
 * the command line ends with that error (as an endless producer must, here).
 */
export function yesCommand(): Command {
  return defineCommand("yes", async (args, ctx) => {
    const line = `${args.length ? args.join(" ") : "y"}\n`;
    const budget = Math.min(ctx.limits.maxOutputSize, ctx.limits.maxStringLength) + 1;
    return ok(line.repeat(Math.ceil(budget / line.length)));
  });
}

/** `bash --version` as GNU bash prints it (the `help` builtin's header is reworded in the tool output). */
export function bashInfoCommands(): Command[] {
  const version =
    "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)\nCopyright (C) 2022 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <http://gnu.org/licenses/gpl.html>\n\nThis is free software; you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n";
  const bash = defineCommand("bash", async (args, ctx) => {
    if (args[0] === "--version") return ok(version);
    if (!ctx.origCommand) return fail("bash: unavailable\n");
    return ctx.origCommand(args);
  });
  // /bin/sh is dash: no --version, and its own message for an unknown option
  const sh = defineCommand("sh", async (args, ctx) => {
    const bad = args[0]?.startsWith("--") ? args[0] : null;
    if (bad) return fail("sh: 0: Illegal option --\n", 2);
    if (!ctx.origCommand) return fail("sh: unavailable\n");
    return ctx.origCommand(args);
  });
  return [bash, sh];
}

/** `cat` that says "Permission denied" and "Is a directory" where bash's cat would. */
export function catCommand(s: Session): Command {
  return defineCommand("cat", async (args, ctx) => {
    if (!ctx.origCommand) return fail("cat: unavailable\n");
    const orig = ctx.origCommand;
    const flags = args.filter((a) => a.startsWith("-") && a !== "-");
    const operands = args.filter((a) => !(a.startsWith("-") && a !== "-"));
    const problems = new Map<string, string>();
    for (const op of operands) {
      if (op === "-") continue;
      const path = s.fs.resolvePath(ctx.cwd, op);
      try {
        const info = await s.fs.info(path, true);
        if (info.kind === "dir") problems.set(op, "Is a directory");
        else if (!(await s.fs.access(path, 4))) problems.set(op, "Permission denied");
      } catch (e) {
        if (errorCode(e) !== "ENOENT") problems.set(op, errorText(e));
      }
    }
    if (problems.size === 0) return orig(args);
    let stdout = "";
    let stderr = "";
    let kind: "text" | "bytes" = "text";
    for (const op of operands) {
      const why = problems.get(op);
      if (why) {
        stderr += `cat: ${op}: ${why}\n`;
        continue;
      }
      const r = await orig([...flags, op]);
      stdout += r.stdout;
      stderr += r.stderr;
      if (r.stdoutEncoding === "binary" || r.stdoutKind === "bytes") kind = "bytes";
    }
    return kind === "bytes"
      ? { stdout, stderr, exitCode: 1, stdoutKind: "bytes", stdoutEncoding: "binary" }
      : { stdout, stderr, exitCode: 1 };
  });
}

/**
 * `less`/`more` when the output is not a terminal, as here: less writes the files straight through, more puts a
 * `::::` header before each; a file that cannot be read is reported in each one's words (less on stdout), and
 * both end with 0.
 */
export function pagerCommands(): Command[] {
  return ["less", "more"].map((name) =>
    defineCommand(name, async (args, ctx) => {
      const files = args.filter((a) => !a.startsWith("-") && !a.startsWith("+"));
      if (!ctx.exec) return fail(`${name}: unavailable\n`);
      if (files.length === 0) return ok(latin1Text(ctx.stdin));
      let stdout = "";
      let stderr = "";
      for (const file of files) {
        const r = await ctx.exec(`cat -- ${shellQuote(file)}`, { cwd: ctx.cwd });
        // generated content (the weights) goes through as cat gives it
        if (files.length === 1 && name === "less" && r.exitCode === 0) return r;
        const why = r.exitCode === 0 ? null : (r.stderr.match(/: ([^:\n]+)\n?$/)?.[1] ?? "No such file or directory");
        if (why === "Is a directory") {
          if (name === "less") stdout += `${file} is a directory\n`;
          else stdout += `\n*** ${file}: directory ***\n\n`;
        } else if (why !== null) {
          // less, writing to a pipe, reports on stdout
          if (name === "less") stdout += `${file}: ${why}\n`;
          else stderr += `more: cannot open ${file}: ${why}\n`;
        } else {
          if (name === "more") stdout += `::::::::::::::\n${file}\n::::::::::::::\n`;
          stdout += r.stdout;
        }
      }
      return { stdout, stderr, exitCode: 0 };
    }),
  );
}

function latin1Text(stdin: Parameters<typeof latin1FromBytes>[0]): string {
  return Buffer.from(latin1FromBytes(stdin), "latin1").toString("utf8");
}

/** `ping [-c N] host`: the LAN's hosts answer; without -c it stops after 4 packets. */
export function pingCommand(s: Session): Command {
  return defineCommand("ping", async (args) => {
    let count = 4;
    let host: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-c") count = Math.max(1, Math.min(20, Number(args[++i]) || 1));
      else if (/^-c\d+$/.test(a)) count = Math.max(1, Math.min(20, Number(a.slice(2))));
      else if (["-W", "-w", "-i", "-s", "-t", "-I"].includes(a)) i++;
      else if (!a.startsWith("-")) host = a;
    }
    if (!host) return fail("ping: usage error: Destination address required\n", 1);
    const target = host === "localhost" ? { host: s.host } : s.machines.connect(host, s.host);
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
    if ("error" in target && !isIp) return fail(`ping: ${host}: Name or service not known\n`, 2);
    const ip = "host" in target ? target.host.ip : host;
    let out = `PING ${host} (${ip}) 56(84) bytes of data.\n`;
    if ("error" in target) {
      out += `\n--- ${host} ping statistics ---\n${count} packets transmitted, 0 received, 100% packet loss, time ${(count - 1) * 1000 + 12}ms\n\n`;
      return { stdout: out, stderr: "", exitCode: 1 };
    }
    const times = Array.from({ length: count }, (_, i) => 0.3 + ((i * 37) % 17) / 100);
    times.forEach((t, i) => {
      out += `64 bytes from ${ip}: icmp_seq=${i + 1} ttl=64 time=${t.toFixed(3)} ms\n`;
    });
    const avg = times.reduce((a, b) => a + b, 0) / count;
    out += `\n--- ${host} ping statistics ---\n${count} packets transmitted, ${count} received, 0% packet loss, time ${(count - 1) * 1001}ms\n`;
    out += `rtt min/avg/max/mdev = ${Math.min(...times).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...times).toFixed(3)}/0.052 ms\n`;
    return ok(out);
  });
}

/** `mktemp [-d] [-p DIR] [-t] [TEMPLATE]` with names drawn from a per-host counter, so runs are reproducible. */
export function mktempCommand(s: Session, counter: { n: number }): Command {
  return defineCommand("mktemp", async (args, ctx) => {
    const o = getopt(args, {
      short: "dqtuV",
      shortWithValue: "p",
      long: {
        directory: { key: "d" },
        quiet: { key: "q" },
        tmpdir: { key: "p", value: true },
        suffix: { key: "suffix", value: true },
      },
    });
    if (o.error) return fail(`mktemp: ${o.error}\nTry 'mktemp --help' for more information.\n`);
    const template = o.operands[0] ?? "tmp.XXXXXXXXXX";
    const xs = template.match(/X{3,}(?=[^X]*$)/);
    if (!xs) return fail(`mktemp: too few X's in template '${template}'\n`);
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let x = 2654435761 * ++counter.n + s.host.hostname.length;
    let suffix = "";
    for (let i = 0; i < xs[0].length; i++) {
      x = (Math.imul(x ^ (x >>> 15), 2246822519) + 374761393) >>> 0;
      suffix += alphabet[x % alphabet.length];
    }
    const name =
      template.slice(0, xs.index) +
      suffix +
      template.slice((xs.index ?? 0) + xs[0].length) +
      (o.values.get("suffix")?.[0] ?? "");
    const dir = o.values.get("p")?.[0] ?? (o.operands.length === 0 || o.flags.has("t") ? "/tmp" : null);
    const path = dir ? s.fs.resolvePath(ctx.cwd, `${dir}/${name}`) : s.fs.resolvePath(ctx.cwd, name);
    try {
      if (o.flags.has("u")) return ok(`${path}\n`);
      if (o.flags.has("d")) await s.fs.mkdir(path);
      else await s.fs.writeFile(path, "");
    } catch {
      return fail(
        `mktemp: failed to create ${o.flags.has("d") ? "directory" : "file"} via template '${dir ? `${dir}/` : ""}${template}': No such file or directory\n`,
      );
    }
    return ok(`${path}\n`);
  });
}

/** `printf '%(fmt)T'` with -1 or no argument means now: the World's now. */
export function printfCommand(s: Session): Command {
  return defineCommand("printf", async (args, ctx) => {
    if (!ctx.origCommand) return fail("printf: unavailable\n");
    let fi = 0;
    while (args[fi] === "-v" || args[fi] === "--") fi += args[fi] === "-v" ? 2 : 1;
    const format = args[fi] ?? "";
    if (!format.includes("%(")) return ctx.origCommand(args);
    const now = String(Math.floor(s.world.now().getTime() / 1000));
    const rest = args.slice(fi + 1).map((a) => (a === "-1" || a === "-2" ? now : a));
    if (rest.length === 0) rest.push(now);
    return ctx.origCommand([...args.slice(0, fi + 1), ...rest]);
  });
}

/** `crontab` (cron 3.0pl1): each user's table kept in the World (it survives a state export). */
export function crontabCommand(s: Session): Command {
  return defineCommand("crontab", async (args, ctx) => {
    const u = args.indexOf("-u");
    if (u >= 0 && s.user !== "root") return fail("must be privileged to use -u\n");
    const user = u >= 0 ? (args[u + 1] ?? "") : s.user;
    const rest = u >= 0 ? [...args.slice(0, u), ...args.slice(u + 2)] : args;
    const tables = s.world.varOf<Record<string, string>>(`shell.crontabs.${s.host.worldName}`, () => ({}));
    const mine = tables[user];
    if (rest.includes("-l")) return mine === undefined ? fail(`no crontab for ${user}\n`) : ok(mine);
    if (rest.includes("-r")) {
      if (mine === undefined) return fail(`no crontab for ${user}\n`);
      delete tables[user];
      return ok("");
    }
    if (rest.includes("-e"))
      return mine === undefined
        ? fail(`no crontab for ${user} - using an empty one\ncrontab: no changes made to crontab\n`, 0)
        : fail("crontab: no changes made to crontab\n", 0);
    const file = rest.find((a) => !a.startsWith("-") || a === "-");
    if (file === undefined)
      return fail(
        "crontab: usage error: file name must be specified for replace\nusage:\tcrontab [-u user] file\n\tcrontab [-u user] [ -e | -l | -r ]\n\t\t(default operation is replace, per 1003.2)\n\t-e\t(edit user's crontab)\n\t-l\t(list user's crontab)\n\t-r\t(delete user's crontab)\n\t-i\t(prompt before deleting user's crontab)\n",
      );
    let text: string;
    if (file === "-") text = String(ctx.stdin);
    else {
      try {
        text = await s.fs.readFile(s.fs.resolvePath(ctx.cwd, file));
      } catch (e) {
        return fail(`${file}: ${errorText(e)}\n`);
      }
    }
    tables[user] = text.endsWith("\n") || text === "" ? text : `${text}\n`;
    return ok("");
  });
}

/** A DURATION as coreutils' `timeout` reads it (a number with an optional s, m, h or d), in ms; null if invalid. */
function durationMs(text: string): number | null {
  const m = text.match(/^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/);
  if (!m) return null;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit * 1000;
}

/**
 * `timeout DURATION COMMAND`, over the interpreter's own: `sleep` does not wait here but moves the World's clock
 * on, so a command that slept past DURATION is one that `timeout` would have killed — status 124, and the clock
 * stops at DURATION. What it printed before is kept (a real kill keeps what was written before it).
 */
export function timeoutCommand(s: Session): Command {
  return defineCommand("timeout", async (args, ctx) => {
    if (!ctx.origCommand) return fail("bash: timeout: command not found\n", 127);
    let i = 0;
    while (i < args.length && (args[i] as string).startsWith("-") && args[i] !== "--") {
      const a = args[i] as string;
      i += a === "-k" || a === "-s" || a === "--kill-after" || a === "--signal" ? 2 : 1;
    }
    if (args[i] === "--") i++;
    const limit = args[i] === undefined ? null : durationMs(args[i] as string);
    const before = s.world.sleptMs;
    const r = await ctx.origCommand(args);
    if (limit === null || limit === 0 || s.world.sleptMs - before < limit) return r;
    s.world.sleep(before + limit - s.world.sleptMs);
    return { ...r, exitCode: args.includes("--preserve-status") ? 143 : 124 };
  });
}
