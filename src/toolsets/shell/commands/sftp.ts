import type { Command } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { lsTime } from "../format.js";
import { errorText, type HostFs } from "../host-fs.js";
import { fail, type Session } from "../session.js";
import { homeOf } from "../system-files.js";
import { modeOf } from "./listing.js";
import { connectTo } from "./remote.js";

const USAGE =
  "usage: sftp [-46AaCfNpqrv] [-B buffer_size] [-b batchfile] [-c cipher]\n          [-D sftp_server_command] [-F ssh_config] [-i identity_file]\n          [-J destination] [-l limit] [-o ssh_option] [-P port]\n          [-R num_requests] [-S program] [-s subsystem | sftp_server]\n          destination\n";

function join(dir: string, name: string): string {
  if (name.startsWith("/")) return name;
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** Split an sftp command line: words, with quotes. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

/**
 * `sftp [-b batchfile] [-P port] [user@]host[:path]`: commands from the batch file or stdin (there is no
 * terminal), each echoed after `sftp> ` as OpenSSH's sftp does: ls, cd, lcd, pwd, lpwd, get, put, mkdir, rmdir,
 * rm, rename, chmod, lls, help, bye/exit/quit. Files move through both hosts' audited filesystems.
 */
export function sftpCommand(s: Session): Command {
  return defineCommand("sftp", async (args, ctx) => {
    let batch: string | null = null;
    let port = 22;
    let preserve = false;
    let quiet = false;
    let dest: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-b") batch = args[++i] ?? null;
      else if (a === "-P") port = Number(args[++i]);
      else if (a === "-p") preserve = true;
      else if (a === "-q") quiet = true;
      else if (/^-[46AaCfNrv]+$/.test(a)) continue;
      else if (/^-[BcDFiJloRSs]$/.test(a)) i++;
      else if (a.startsWith("-")) return fail(`unknown option -- ${a.slice(1, 2)}\n${USAGE}`, 1);
      else dest = a;
    }
    if (!dest) return fail(USAGE, 1);
    const m = dest.match(/^(?:([^@]+)@)?([^:]+)(?::(.*))?$/) as RegExpMatchArray;
    const conn = connectTo(s, m[2] as string, m[1] ?? s.user, port);
    if ("error" in conn) return fail(`${conn.error}Connection closed\r\n`, 255);
    const remote = s.machines.fsOf(conn.host, conn.user);
    const local = s.fs;
    let rdir = homeOf(conn.user);
    let ldir = ctx.cwd;
    let stdout = "";
    let stderr = quiet || batch !== null ? "" : `Connected to ${m[2]}.\n`;
    let script: string;
    if (batch !== null) {
      try {
        script = batch === "-" ? latin1FromBytes(ctx.stdin) : await local.readFile(local.resolvePath(ctx.cwd, batch));
      } catch (e) {
        return fail(`${batch} (${errorText(e)}).\n`, 1);
      }
    } else script = latin1FromBytes(ctx.stdin);
    // sftp host:file [localdir] fetches and leaves
    if (m[3] !== undefined && m[3] !== "" && !m[3].endsWith("/")) {
      script = `get ${m[3]} ${args.at(-1) === dest ? "." : ""}\n`;
    } else if (m[3]) rdir = join(rdir, m[3]);
    const copy = async (from: HostFs, fp: string, to: HostFs, tp: string) => {
      const bytes = await from.readFileBuffer(fp);
      await to.writeFile(tp, bytes);
      if (preserve) await to.setTimes(tp, (await from.info(fp, true)).mtime);
    };
    const lsLong = async (fs: HostFs, dir: string, names: string[]) => {
      let out = "";
      for (const n of names) {
        const i = await fs.info(join(dir, n), false).catch(() => null);
        if (!i) continue;
        out += `${modeOf(i)}    ${String(i.nlink).padStart(1)} ${i.owner.slice(0, 8).padEnd(8)} ${i.group.slice(0, 8).padEnd(8)} ${String(i.size).padStart(8)} ${lsTime(i.mtime, s.world.now(), "default")} ${n}\n`;
      }
      return out;
    };
    let status = 0;
    for (const rawLine of script.split("\n")) {
      const line = rawLine.trim();
      if (!line || line.startsWith("#")) continue;
      const noFail = line.startsWith("-");
      const cmdLine = noFail ? line.slice(1) : line;
      stdout += `sftp> ${cmdLine}\n`;
      const [cmd, ...w] = words(cmdLine);
      const opts = w.filter((x) => x.startsWith("-"));
      const ops = w.filter((x) => !x.startsWith("-"));
      let err = "";
      try {
        switch (cmd) {
          case "bye":
          case "exit":
          case "quit":
            return { stdout, stderr, exitCode: status };
          case "pwd":
            stdout += `Remote working directory: ${rdir}\n`;
            break;
          case "lpwd":
            stdout += `Local working directory: ${ldir}\n`;
            break;
          case "cd": {
            const next = remote.resolvePath(rdir, ops[0] ?? homeOf(conn.user));
            const i = await remote.info(next, true).catch(() => null);
            if (!i) err = `stat remote: No such file or directory\n`;
            else if (i.kind !== "dir") err = `Can't change directory: "${next}" is not a directory\n`;
            else rdir = next;
            break;
          }
          case "lcd": {
            const next = local.resolvePath(ldir, ops[0] ?? s.home);
            if ((await local.info(next, true).catch(() => null))?.kind !== "dir")
              err = `Couldn't change local directory to "${ops[0]}": No such file or directory\n`;
            else ldir = next;
            break;
          }
          case "ls":
          case "dir": {
            const target = remote.resolvePath(rdir, ops[0] ?? ".");
            const names = (await remote.readdir(target)).filter(
              (n) => opts.some((o) => o.includes("a")) || !n.startsWith("."),
            );
            if (opts.some((o) => o.includes("l"))) stdout += await lsLong(remote, target, names);
            else if (names.length) {
              const width = Math.max(...names.map((n) => n.length)) + 2;
              const cols = Math.max(1, Math.floor(80 / width));
              for (let k = 0; k < names.length; k += cols)
                stdout += `${names
                  .slice(k, k + cols)
                  .map((n, j, row) => (j === row.length - 1 ? n : n.padEnd(width)))
                  .join("")}\n`;
            }
            break;
          }
          case "lls": {
            const target = local.resolvePath(ldir, ops[0] ?? ".");
            stdout += (await local.readdir(target))
              .filter((n) => !n.startsWith("."))
              .map((n) => `${n}\n`)
              .join("");
            break;
          }
          case "get": {
            if (!ops[0]) {
              err = "You must specify at least one path after a get command.\n";
              break;
            }
            const from = remote.resolvePath(rdir, ops[0]);
            const name = from.slice(from.lastIndexOf("/") + 1);
            let to = local.resolvePath(ldir, ops[1] ?? name);
            if ((await local.info(to, true).catch(() => null))?.kind === "dir") to = join(to, name);
            if (!quiet && batch === null) stdout += `Fetching ${from} to ${ops[1] ?? name}\n`;
            const i = await remote.info(from, true).catch(() => null);
            if (!i) {
              err = `File "${from}" not found.\n`;
              break;
            }
            await copy(remote, from, local, to);
            break;
          }
          case "put": {
            if (!ops[0]) {
              err = "You must specify at least one path after a put command.\n";
              break;
            }
            const from = local.resolvePath(ldir, ops[0]);
            const name = from.slice(from.lastIndexOf("/") + 1);
            let to = remote.resolvePath(rdir, ops[1] ?? name);
            if ((await remote.info(to, true).catch(() => null))?.kind === "dir") to = join(to, name);
            if (!(await local.info(from, true).catch(() => null))) {
              err = `stat local "${ops[0]}": No such file or directory\n`;
              break;
            }
            if (!quiet && batch === null) stdout += `Uploading ${ops[0]} to ${to}\n`;
            try {
              await copy(local, from, remote, to);
            } catch (e) {
              err = `dest open "${to}": ${errorText(e)}\n`;
            }
            break;
          }
          case "mkdir":
            await remote.mkdir(remote.resolvePath(rdir, ops[0] ?? "")).catch((e) => {
              err = `remote mkdir "${remote.resolvePath(rdir, ops[0] ?? "")}": ${errorText(e)}\n`;
            });
            break;
          case "rmdir":
          case "rm": {
            const target = remote.resolvePath(rdir, ops[0] ?? "");
            if (cmd === "rm") stdout += `Removing ${target}\n`;
            await remote.rm(target).catch((e) => {
              err = `${cmd === "rm" ? "Delete" : "Remove directory"} "${target}": ${errorText(e)}\n`;
            });
            break;
          }
          case "rename": {
            const a = remote.resolvePath(rdir, ops[0] ?? "");
            const b = remote.resolvePath(rdir, ops[1] ?? "");
            await remote.mv(a, b).catch((e) => {
              err = `rename "${a}" "${b}": ${errorText(e)}\n`;
            });
            break;
          }
          case "chmod": {
            const target = remote.resolvePath(rdir, ops[1] ?? "");
            stdout += `Changing mode on ${target}\n`;
            await remote.chmod(target, Number.parseInt(ops[0] ?? "644", 8)).catch((e) => {
              err = `remote setstat "${target}": ${errorText(e)}\n`;
            });
            break;
          }
          case "help":
          case "?":
            stdout +=
              "Available commands:\nbye                                Quit sftp\ncd path                            Change remote directory to 'path'\nchmod [-h] mode path               Change permissions of file 'path' to 'mode'\nget [-afpR] remote [local]         Download file\nlcd path                           Change local directory to 'path'\nlls [ls-options [path]]            Display local directory listing\nls [-1afhlnrSt] [path]             Display remote directory listing\nmkdir path                         Create remote directory\nput [-afpR] local [remote]         Upload file\npwd                                Display remote working directory\nquit                               Quit sftp\nrename oldpath newpath             Rename remote file\nrm path                            Delete remote file\nrmdir path                         Remove remote directory\n";
            break;
          default:
            err = `Invalid command.\n`;
        }
      } catch (e) {
        err = `${errorText(e)}\n`;
      }
      if (err) {
        stderr += err;
        status = 1;
        if (batch !== null && !noFail) return { stdout, stderr, exitCode: 1 };
      }
    }
    return { stdout, stderr, exitCode: status };
  });
}
