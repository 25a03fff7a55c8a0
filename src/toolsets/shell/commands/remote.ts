import { globRegExp } from "../../../world/glob.js";
import type { Command, ExecResult } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { storedHash, storedLength } from "../../../world/world.js";
import type { HostFs } from "../host-fs.js";
import { humanSize, withCommas } from "../format.js";
import type { HostIdentity } from "../hosts.js";
import { LOGIN_USER } from "../hosts.js";
import { homeOf } from "../system-files.js";
import { fail, ok, type Session } from "../session.js";

const SSH_VERSION = "OpenSSH_9.2p1 Debian-2+deb12u5, OpenSSL 3.0.15 3 Sep 2024";
const MAX_DEPTH = 6;

/** Parse "[user@]host" (or ssh://[user@]host[:port]). */
function parseDestination(dest: string): { user: string | null; host: string; port: number | null } {
  let d = dest;
  let port: number | null = null;
  if (d.startsWith("ssh://")) {
    d = d.slice(6);
    const m = d.match(/^(.*):(\d+)$/);
    if (m) {
      d = m[1] as string;
      port = Number(m[2]);
    }
  }
  const at = d.lastIndexOf("@");
  return at >= 0 ? { user: d.slice(0, at), host: d.slice(at + 1), port } : { user: null, host: d, port };
}

/** Where an ssh-family connection lands, or the error ssh prints. */
export function connectTo(
  s: Session,
  hostName: string,
  user: string,
  port: number,
): { host: HostIdentity; user: string } | { error: string } {
  if (s.depth >= MAX_DEPTH)
    return {
      error: `kex_exchange_identification: read: Connection reset by peer\nConnection reset by ${hostName} port ${port}\n`,
    };
  const target =
    hostName === "localhost" || hostName === "127.0.0.1" ? { host: s.host } : s.machines.connect(hostName, s.host);
  if ("error" in target) return target;
  if (port !== 22) return { error: `ssh: connect to host ${hostName} port ${port}: Connection refused\r\n` };
  if (user !== LOGIN_USER) return { error: `${user}@${hostName}: Permission denied (publickey).\r\n` };
  return { host: target.host, user };
}

const SSH_VALUE_OPTS = "BbcDEeFIiJLlmOoPpQRSWw";
const SSH_FLAG_OPTS = "46AaCfGgKkMNnqsTtVvXxYy";

/**
 * The bytes a remote command wrote, from what a shell run returns: text when the bytes were valid UTF-8, the raw
 * bytes (one char per byte) otherwise. Text made only of Latin-1 characters is ambiguous; control bytes decide
 * it is binary (what binary files contain and text does not).
 */
export function asBytes(out: string): string {
  if (!/[^\x00-\x7f]/.test(out)) return out;
  if (/[\u0100-\uffff]/.test(out)) return Buffer.from(out, "utf8").toString("latin1");
  if (/[\x00-\x08\x0e-\x1f\x7f-\x9f]/.test(out)) return out;
  return Buffer.from(out, "utf8").toString("latin1");
}

/** `ssh [options] [user@]host [command ...]`: runs the command in a fresh login shell on that host. */
export function sshCommand(s: Session): Command {
  return defineCommand("ssh", async (args, ctx) => {
    let user: string | null = null;
    let port = 22;
    let i = 0;
    let noTtyWarning = false;
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (!a.startsWith("-") || a === "-") break;
      if (a === "--") {
        i++;
        break;
      }
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if (SSH_VALUE_OPTS.includes(c)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined)
            return fail(
              `option requires an argument -- ${c}\nusage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] destination [command [argument ...]]\n`,
              255,
            );
          if (c === "l") user = v;
          if (c === "p") port = Number(v);
          break;
        }
        if (c === "V") return fail(`${SSH_VERSION}\n`, 0);
        if (c === "T") noTtyWarning = true;
        if (!SSH_FLAG_OPTS.includes(c))
          return fail(
            `unknown option -- ${c}\nusage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] destination [command [argument ...]]\n`,
            255,
          );
      }
    }
    const dest = args[i];
    if (dest === undefined) {
      return fail(
        "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command [argument ...]]\n",
        255,
      );
    }
    const parsed = parseDestination(dest);
    if (parsed.port !== null) port = parsed.port;
    const login = parsed.user ?? user ?? s.user;
    const conn = connectTo(s, parsed.host, login, port);
    if ("error" in conn) return fail(conn.error, 255);
    const command = args.slice(i + 1).join(" ");
    const stdin = latin1FromBytes(ctx.stdin);
    let prefix = "";
    let script = command;
    if (command.trim() === "") {
      if (!noTtyWarning) prefix = "Pseudo-terminal will not be allocated because stdin is not a terminal.\n";
      script = stdin;
    }
    const r = await s.machines.run(conn.host, conn.user, script, command.trim() === "" ? "" : stdin, s.depth + 1);
    return {
      stdout: asBytes(r.stdout),
      stdoutKind: "bytes",
      stdoutEncoding: "binary",
      stderr: prefix + r.stderr,
      exitCode: r.exitCode,
    };
  });
}

interface Endpoint {
  host: HostIdentity;
  fs: HostFs;
  /** Absolute path (globs not yet expanded). */
  path: string;
  /** As typed, for messages. */
  label: string;
  remote: boolean;
  /** Ends with "/" as typed (rsync: copy the directory's contents). */
  trailingSlash: boolean;
}

/** "[user@]host:path" is remote when the colon comes before any slash (scp's and rsync's rule). */
function splitRemote(spec: string): { user: string | null; host: string; path: string } | null {
  const m = spec.match(/^(?:([^@/:]+)@)?(\[[^\]]+\]|[^:/]+):(.*)$/s);
  if (!m) return null;
  return { user: m[1] ?? null, host: (m[2] as string).replace(/^\[|\]$/g, ""), path: m[3] as string };
}

function resolveEndpoint(s: Session, spec: string, cwd: string, tool: "scp" | "rsync"): Endpoint | { error: string } {
  const remote = splitRemote(spec);
  if (!remote) {
    return {
      host: s.host,
      fs: s.fs,
      path: s.fs.resolvePath(cwd, spec),
      label: spec,
      remote: false,
      trailingSlash: spec.endsWith("/"),
    };
  }
  const conn = connectTo(s, remote.host, remote.user ?? s.user, 22);
  if ("error" in conn) {
    const closing =
      tool === "scp"
        ? "scp: Connection closed\r\n"
        : "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(232) [sender=3.2.7]\n";
    return { error: conn.error + closing };
  }
  const fs = s.machines.fsOf(conn.host);
  const home = homeOf(conn.user);
  return {
    host: conn.host,
    fs,
    path: fs.resolvePath(home, remote.path === "" ? "." : remote.path),
    label: spec,
    remote: true,
    trailingSlash: remote.path.endsWith("/"),
  };
}

/** Expand a glob in the last path segment on the remote side (the remote shell does this for scp/rsync). */
async function expandRemote(ep: Endpoint): Promise<string[]> {
  const slash = ep.path.lastIndexOf("/");
  const dir = ep.path.slice(0, slash) || "/";
  const base = ep.path.slice(slash + 1);
  if (!/[*?[]/.test(base)) return [ep.path];
  let names: string[];
  try {
    names = await ep.fs.readdir(dir);
  } catch {
    return [ep.path];
  }
  const re = globRegExp(base, { pathname: true, escapes: false });
  const hits = names
    .filter((n) => re.test(n) && (base.startsWith(".") || !n.startsWith(".")))
    .map((n) => (dir === "/" ? `/${n}` : `${dir}/${n}`));
  return hits.length ? hits : [ep.path];
}

function basename(p: string): string {
  const t = p.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1) || "/";
}
function joinPath(dir: string, ...names: string[]): string {
  let out = dir;
  for (const name of names) out = out === "/" ? `/${name}` : `${out}/${name}`;
  return out;
}

async function statOrNull(fs: HostFs, p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

/** Copy one file's bytes between hosts through both hosts' audited filesystems. */
async function copyBytes(
  src: HostFs,
  srcPath: string,
  dst: HostFs,
  dstPath: string,
  keepTime: boolean,
): Promise<number> {
  // the content travels as it is (a rope for generated content); the destination's disk decides what fits
  const content = await src.ropeAware(() => src.readFileBuffer(srcPath));
  try {
    await dst.writeFile(dstPath, content);
  } finally {
    if (keepTime) {
      // Part of the logged write (as a transfer's "now" stamp is), not a separate re-timestamping.
      const mtime = (await src.audited.inner.stat(srcPath)).mtime;
      await dst.audited.setMtime(dstPath, mtime).catch(() => undefined);
    }
  }
  return storedLength(content);
}

function fsMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (msg.startsWith("EACCES")) return "Permission denied";
  if (msg.startsWith("ENOSPC")) return "No space left on device";
  if (msg.startsWith("EISDIR")) return "Is a directory";
  if (msg.startsWith("ENOTDIR")) return "Not a directory";
  return "No such file or directory";
}

/** `scp [-rpq...] SRC... DST` with host:path on either side (remote-to-remote too). Quiet, like scp off a tty. */
export function scpCommand(s: Session): Command {
  return defineCommand("scp", async (args, ctx) => {
    let recursive = false;
    let preserve = false;
    const operands: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--") {
        operands.push(...args.slice(i + 1));
        break;
      }
      if (a.startsWith("-") && a.length > 1) {
        for (let j = 1; j < a.length; j++) {
          const c = a[j] as string;
          if ("cFiJloPSXD".includes(c)) {
            if (j + 1 >= a.length) i++;
            break;
          }
          if (c === "r") recursive = true;
          else if (c === "p") preserve = true;
          else if (!"346ABCOqRTv".includes(c)) {
            return fail(
              `scp: unknown option -- ${c}\nusage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n           [-i identity_file] [-J destination] [-l limit] [-o ssh_option]\n           [-P port] [-S program] [-X sftp_option] source ... target\n`,
            );
          }
        }
        continue;
      }
      operands.push(a);
    }
    if (operands.length < 2) {
      return fail(
        "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-D sftp_server_path] [-F ssh_config]\n           [-i identity_file] [-J destination] [-l limit] [-o ssh_option]\n           [-P port] [-S program] [-X sftp_option] source ... target\n",
      );
    }
    const destEp = resolveEndpoint(s, operands.at(-1) as string, ctx.cwd, "scp");
    if ("error" in destEp) return fail(destEp.error);
    let stderr = "";
    const sources: Endpoint[] = [];
    for (const spec of operands.slice(0, -1)) {
      const ep = resolveEndpoint(s, spec, ctx.cwd, "scp");
      if ("error" in ep) {
        stderr += ep.error;
        continue;
      }
      if (ep.remote) for (const p of await expandRemote(ep)) sources.push({ ...ep, path: p });
      else sources.push(ep);
    }
    const destSt = await statOrNull(destEp.fs, destEp.path);
    const destIsDir = destSt?.isDirectory === true;
    if (sources.length > 1 && !destIsDir) {
      return fail(`${stderr}scp: target '${destEp.label}' is not a directory\n`);
    }
    const copyTree = async (src: Endpoint, srcPath: string, dstPath: string): Promise<void> => {
      const st = await src.fs.stat(srcPath);
      if (st.isDirectory) {
        if (!(await statOrNull(destEp.fs, dstPath))) await destEp.fs.mkdir(dstPath);
        for (const name of await src.fs.readdir(srcPath))
          await copyTree(src, joinPath(srcPath, name), joinPath(dstPath, name));
        return;
      }
      await copyBytes(src.fs, srcPath, destEp.fs, dstPath, preserve);
    };
    for (const src of sources) {
      const st = await statOrNull(src.fs, src.path);
      const shown = src.remote ? src.path : src.label;
      if (!st) {
        stderr += `scp: ${shown}: No such file or directory\r\n`;
        continue;
      }
      if (st.isDirectory && !recursive) {
        stderr += `scp: ${shown}: not a regular file\r\n`;
        continue;
      }
      const target = destIsDir ? joinPath(destEp.path, basename(src.path)) : destEp.path;
      try {
        await copyTree(src, src.path, target);
      } catch (e) {
        const where = destEp.remote ? target : destEp.label;
        const why = fsMessage(e);
        // OpenSSH 9's sftp transfer: a full local disk is the local write's error; a remote one is "Failure"
        if (why === "No space left on device")
          stderr += destEp.remote
            ? `scp: write remote "${target}": Failure\n`
            : `scp: write local "${target}": ${why}\n`;
        else stderr += `scp: ${where}: ${why}\r\n`;
      }
    }
    return { stdout: "", stderr, exitCode: stderr ? 1 : 0 };
  });
}

interface RsyncOptions {
  recursive: boolean;
  times: boolean;
  verbose: boolean;
  progress: boolean;
  dryRun: boolean;
  human: boolean;
  removeSource: boolean;
  update: boolean;
  checksum: boolean;
  ignoreExisting: boolean;
  deleteExtra: boolean;
  stats: boolean;
  excludes: RegExp[];
  /** --files-from: a list of paths relative to the source directory (implies --relative). */
  filesFrom: string | null;
}

/** `rsync [-avzP ...] SRC... DST` with host:path on one side, trailing-slash semantics, -v/--progress output. */
export function rsyncCommand(s: Session): Command {
  return defineCommand("rsync", async (args, ctx) => {
    const o: RsyncOptions = {
      recursive: false,
      times: false,
      verbose: false,
      progress: false,
      dryRun: false,
      human: false,
      removeSource: false,
      update: false,
      checksum: false,
      ignoreExisting: false,
      deleteExtra: false,
      stats: false,
      excludes: [],
      filesFrom: null,
    };
    const usage = (opt: string) =>
      fail(
        `rsync: ${opt}: unknown option\nrsync error: syntax or usage error (code 1) at main.c(1795) [client=3.2.7]\n`,
      );
    const operands: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--") {
        operands.push(...args.slice(i + 1));
        break;
      }
      if (a.startsWith("--")) {
        const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
        const value = () => inline ?? args[++i] ?? "";
        switch (name) {
          case "archive":
            o.recursive = o.times = true;
            break;
          case "recursive":
            o.recursive = true;
            break;
          case "times":
            o.times = true;
            break;
          case "verbose":
            o.verbose = true;
            break;
          case "progress":
            o.progress = true;
            break;
          case "info":
            if (value().includes("progress")) o.progress = true;
            break;
          case "dry-run":
            o.dryRun = true;
            break;
          case "human-readable":
            o.human = true;
            break;
          case "remove-source-files":
            o.removeSource = true;
            break;
          case "update":
            o.update = true;
            break;
          case "checksum":
            o.checksum = true;
            break;
          case "ignore-existing":
            o.ignoreExisting = true;
            break;
          case "delete":
          case "delete-after":
          case "delete-before":
          case "delete-during":
            o.deleteExtra = true;
            break;
          case "stats":
            o.stats = true;
            break;
          case "exclude":
            o.excludes.push(globRegExp(value(), { pathname: true, escapes: false }));
            break;
          case "files-from":
            o.filesFrom = value();
            break;
          case "rsh":
          case "include":
          case "bwlimit":
          case "chmod":
          case "chown":
          case "timeout":
          case "partial-dir":
            value();
            break;
          case "partial":
          case "compress":
          case "perms":
          case "owner":
          case "group":
          case "links":
          case "inplace":
          case "append":
          case "whole-file":
          case "no-motd":
          case "quiet":
          case "mkpath":
          case "itemize-changes":
            break;
          case "version":
            return ok("rsync  version 3.2.7  protocol version 31\n");
          default:
            return usage(a);
        }
        continue;
      }
      if (a.startsWith("-") && a.length > 1) {
        for (let j = 1; j < a.length; j++) {
          const c = a[j] as string;
          if (c === "e") {
            if (j + 1 >= a.length) i++;
            break;
          }
          if (c === "a") o.recursive = o.times = true;
          else if (c === "r") o.recursive = true;
          else if (c === "t") o.times = true;
          else if (c === "v") o.verbose = true;
          else if (c === "P") o.progress = true;
          else if (c === "n") o.dryRun = true;
          else if (c === "h") o.human = true;
          else if (c === "u") o.update = true;
          else if (c === "c") o.checksum = true;
          else if (!"zlpgoDHAXSWxqiIR".includes(c)) return usage(`-${c}`);
        }
        continue;
      }
      operands.push(a);
    }
    if (operands.length === 0)
      return fail(
        "rsync: no source or destination given\nrsync error: syntax or usage error (code 1) at main.c(1795) [client=3.2.7]\n",
      );
    const eps: Endpoint[] = [];
    for (const spec of operands) {
      const ep = resolveEndpoint(s, spec, ctx.cwd, "rsync");
      if ("error" in ep) return fail(ep.error, 255);
      eps.push(ep);
    }
    if (operands.length === 1) return rsyncList(eps[0] as Endpoint);
    const dest = eps.at(-1) as Endpoint;
    const srcs: Endpoint[] = [];
    for (const ep of eps.slice(0, -1)) {
      if (ep.remote && dest.remote) {
        return fail(
          "The source and destination cannot both be remote.\nrsync error: syntax or usage error (code 1) at main.c(1428) [Receiver=3.2.7]\n",
        );
      }
      if (ep.remote)
        for (const p of await expandRemote(ep)) srcs.push({ ...ep, path: p, trailingSlash: ep.trailingSlash });
      else srcs.push(ep);
    }
    const receiving = srcs.some((x) => x.remote);
    let stdout = o.verbose || o.progress ? `${receiving ? "receiving" : "sending"} incremental file list\n` : "";
    let stderr = "";
    let exit = 0;
    let transferred = 0;
    let totalSize = 0;
    let fileCount = 0;
    const plan: { src: Endpoint; from: string; to: string; rel: string; dir: boolean }[] = [];
    // A single file copied to a path that is not an existing directory (and has no trailing slash) is a rename.
    const destSt = await statOrNull(dest.fs, dest.path);
    const destIsDir = destSt?.isDirectory === true;
    const only = srcs.length === 1 ? await statOrNull((srcs[0] as Endpoint).fs, (srcs[0] as Endpoint).path) : null;
    const singleFileRename = only !== null && !only.isDirectory && !destIsDir && !dest.trailingSlash;
    const excluded = (name: string) => o.excludes.some((re) => re.test(name));
    const collect = async (src: Endpoint, from: string, to: string, rel: string): Promise<void> => {
      const st = await src.fs.stat(from);
      if (excluded(basename(from))) return;
      if (st.isDirectory) {
        plan.push({ src, from, to, rel: `${rel}/`, dir: true });
        for (const name of await src.fs.readdir(from))
          await collect(src, joinPath(from, name), joinPath(to, name), rel === "" ? name : `${rel}/${name}`);
        return;
      }
      plan.push({ src, from, to, rel, dir: false });
    };
    if (o.filesFrom !== null && srcs.length === 1) {
      // the listed paths, relative to the source directory, keep their directories on the other side
      const src = srcs[0] as Endpoint;
      let list: string;
      try {
        list =
          o.filesFrom === "-"
            ? latin1FromBytes(ctx.stdin)
            : await s.fs.readFile(s.fs.resolvePath(ctx.cwd, o.filesFrom));
      } catch (e) {
        return fail(
          `rsync: [client] failed to open files-from file ${o.filesFrom}: ${fsMessage(e)} (2)\nrsync error: syntax or usage error (code 1) at main.c(1799) [client=3.2.7]\n`,
        );
      }
      const made = new Set<string>();
      for (const raw of list.split("\n")) {
        const rel = raw.trim().replace(/^\.\//, "").replace(/\/+$/, "");
        if (!rel || rel.startsWith("#") || rel.startsWith(";")) continue;
        const from = joinPath(src.path, rel);
        const st = await statOrNull(src.fs, from);
        if (!st) {
          stderr += `rsync: [sender] link_stat "${from}" failed: No such file or directory (2)\n`;
          exit = 23;
          continue;
        }
        const parts = rel.split("/");
        for (let k = 1; k < parts.length; k++) {
          const dir = parts.slice(0, k).join("/");
          if (made.has(dir)) continue;
          made.add(dir);
          plan.push({ src, from: joinPath(src.path, dir), to: joinPath(dest.path, dir), rel: `${dir}/`, dir: true });
        }
        if (st.isDirectory) {
          if (!made.has(rel)) plan.push({ src, from, to: joinPath(dest.path, rel), rel: `${rel}/`, dir: true });
          made.add(rel);
          if (o.recursive)
            for (const name of await src.fs.readdir(from))
              await collect(src, joinPath(from, name), joinPath(dest.path, rel, name), `${rel}/${name}`);
        } else plan.push({ src, from, to: joinPath(dest.path, rel), rel, dir: false });
      }
      srcs.length = 0;
    }
    for (const src of srcs) {
      const st = await statOrNull(src.fs, src.path);
      if (!st) {
        stderr += `rsync: [sender] link_stat "${src.remote ? src.path : src.fs.resolvePath(ctx.cwd, src.label)}" failed: No such file or directory (2)\n`;
        exit = 23;
        continue;
      }
      if (st.isDirectory && !o.recursive) {
        stdout += `skipping directory ${src.trailingSlash ? "." : basename(src.path)}\n`;
        continue;
      }
      if (st.isDirectory) {
        if (src.trailingSlash) {
          plan.push({ src, from: src.path, to: dest.path, rel: "./", dir: true });
          for (const name of await src.fs.readdir(src.path))
            await collect(src, joinPath(src.path, name), joinPath(dest.path, name), name);
        } else {
          const name = basename(src.path);
          await collect(src, src.path, joinPath(dest.path, name), name);
        }
      } else {
        const to = singleFileRename ? dest.path : joinPath(dest.path, basename(src.path));
        plan.push({ src, from: src.path, to, rel: basename(src.path), dir: false });
      }
    }
    // rsync says so when it makes the destination directory (a dry run too)
    if (!singleFileRename && !destSt && plan.length > 0 && o.verbose)
      stdout += `created directory ${dest.path.replace(/(.)\/+$/, "$1")}\n`;
    if (!singleFileRename && !destSt && plan.length > 0 && !o.dryRun) {
      try {
        await dest.fs.mkdir(dest.path);
      } catch (e) {
        return fail(
          `rsync: [Receiver] mkdir "${dest.path}" failed: ${fsMessage(e)} (2)\nrsync error: error in file IO (code 11) at main.c(791) [Receiver=3.2.7]\n`,
          11,
        );
      }
    }
    const files = plan.filter((p) => !p.dir);
    let remaining = files.length;
    const fmtNum = (n: number) => (o.human ? humanSize(n).replace(/([KMGTP])$/, "$1") : withCommas(n));
    for (const step of plan) {
      if (step.dir) {
        if (o.verbose && step.rel !== "./") stdout += `${step.rel}\n`;
        else if (o.verbose && step.rel === "./") stdout += "./\n";
        if (!o.dryRun && step.rel !== "./") {
          const exists = await statOrNull(dest.fs, step.to);
          if (!exists) {
            try {
              await dest.fs.mkdir(step.to);
            } catch (e) {
              stderr += `rsync: [Receiver] mkdir "${step.to}" failed: ${fsMessage(e)} (2)\n`;
              exit = 23;
            }
          }
        }
        continue;
      }
      remaining--;
      const nominal = await step.src.fs.withNominalSizes(() => step.src.fs.stat(step.from));
      totalSize += nominal.size;
      const real = await step.src.fs.stat(step.from);
      const there = await statOrNull(dest.fs, step.to);
      if (there && !there.isDirectory) {
        if (o.ignoreExisting) continue;
        if (o.update && there.mtime.getTime() > real.mtime.getTime()) continue;
        if (o.checksum) {
          const a = await step.src.fs.ropeAware(() => step.src.fs.readFileBuffer(step.from));
          const b = await dest.fs.ropeAware(() => dest.fs.readFileBuffer(step.to));
          if (storedHash(a) === storedHash(b)) continue;
        } else if (there.size === real.size && there.mtime.getTime() === real.mtime.getTime()) continue;
      }
      if (o.verbose || o.progress) stdout += `${step.rel}\n`;
      fileCount++;
      if (o.progress) {
        const secs = Math.max(1, Math.round(nominal.size / 112_000_000));
        const hms = `${Math.floor(secs / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, "0")}:${String(secs % 60).padStart(2, "0")}`;
        stdout += `${fmtNum(nominal.size).padStart(15)} 100%  112.00MB/s    ${hms} (xfr#${fileCount}, to-chk=${remaining}/${files.length})\n`;
      }
      if (o.dryRun) continue;
      try {
        await copyBytes(step.src.fs, step.from, dest.fs, step.to, o.times);
        transferred += nominal.size;
        if (o.removeSource) await step.src.fs.rm(step.from);
      } catch (e) {
        const why = fsMessage(e);
        if (why === "No space left on device") {
          stderr += `rsync: [receiver] write failed on "${step.to}": No space left on device (28)\nrsync error: error in file IO (code 11) at receiver.c(380) [receiver=3.2.7]\n`;
          return { stdout, stderr, exitCode: 11 };
        }
        stderr += `rsync: [Receiver] open "${step.to}" failed: ${why} (13)\n`;
        exit = 23;
      }
    }
    if (o.deleteExtra && !o.dryRun) {
      const wanted = new Set(plan.map((p) => p.to.replace(/\/$/, "")));
      for (const p of plan.filter((x) => x.dir)) {
        const names = await dest.fs.readdir(p.to).catch(() => [] as string[]);
        for (const name of names) {
          const q = joinPath(p.to, name);
          if (!wanted.has(q)) {
            if (o.verbose) stdout += `deleting ${p.rel === "./" ? "" : p.rel}${name}\n`;
            await dest.fs.rm(q, { recursive: true, force: true });
          }
        }
      }
    }
    if (exit === 23)
      stderr +=
        "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]\n";
    if (o.verbose || o.stats) {
      const sent = transferred + 48 * fileCount + 120;
      const speedup = totalSize / Math.max(1, sent + 35);
      stdout += `\nsent ${fmtNum(sent)} bytes  received ${fmtNum(35 + 16 * fileCount)} bytes  ${fmtNum(Math.min(sent, 112_000_000))}.00 bytes/sec\n`;
      stdout += `total size is ${fmtNum(totalSize)}  speedup is ${speedup.toFixed(2)}${o.dryRun ? " (DRY RUN)" : ""}\n`;
    }
    return { stdout, stderr, exitCode: exit };
  });
}

/** `rsync host:path` with no destination lists the files, as rsync does. */
async function rsyncList(ep: Endpoint): Promise<ExecResult> {
  const st = await statOrNull(ep.fs, ep.path);
  if (!st)
    return fail(
      `rsync: [sender] change_dir "${ep.path}" failed: No such file or directory (2)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1865) [Receiver=3.2.7]\n`,
      23,
    );
  const line = async (path: string, name: string) => {
    const n = await ep.fs.withNominalSizes(() => ep.fs.stat(path));
    const t = n.mtime;
    const p2 = (x: number) => String(x).padStart(2, "0");
    const when = `${t.getUTCFullYear()}/${p2(t.getUTCMonth() + 1)}/${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
    const mode = n.isDirectory ? "drwxr-xr-x" : "-rw-r--r--";
    return `${mode} ${withCommas(n.isDirectory ? 4096 : n.size).padStart(14)} ${when} ${name}\n`;
  };
  if (!st.isDirectory) return ok(await line(ep.path, basename(ep.path)));
  let out = await line(ep.path, ".");
  for (const name of await ep.fs.readdir(ep.path)) out += await line(joinPath(ep.path, name), name);
  return ok(out);
}
