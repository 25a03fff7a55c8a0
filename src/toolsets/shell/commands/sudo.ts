import type { Command } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { shellQuote } from "../format.js";
import { SHELL_BUILTINS_ONLY } from "../system-files.js";
import { fail, ok, type Session } from "../session.js";
import { asBytes } from "./remote.js";

export const SUDO_VERSION = "1.9.13p3";
const SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const USAGE = `usage: sudo -h | -K | -k | -V
usage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]
usage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user] [-u user]
            [command [arg ...]]
usage: sudo [-ABbEHkNnPS] [-r role] [-t type] [-C num] [-D directory] [-g
            group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user]
            [VAR=value] [-i | -s] [command [arg ...]]
usage: sudo -e [-ABkNnS] [-r role] [-t type] [-C num] [-D directory] [-g group]
            [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] file ...
`;

const HELP = `sudo - execute a command as another user

${USAGE}
Options:
  -A, --askpass                 use a helper program for password prompting
  -b, --background              run command in the background
  -B, --bell                    ring bell when prompting
  -C, --close-from=num          close all file descriptors >= num
  -D, --chdir=directory         change the working directory before running
                                command
  -E, --preserve-env            preserve user environment when running command
      --preserve-env=list       preserve specific environment variables
  -e, --edit                    edit files instead of running a command
  -g, --group=group             run command as the specified group name or ID
  -H, --set-home                set HOME variable to target user's home dir
  -h, --help                    display help message and exit
  -h, --host=host               run command on host (if supported by plugin)
  -i, --login                   run login shell as the target user; a command
                                may also be specified
  -K, --remove-timestamp        remove timestamp file completely
  -k, --reset-timestamp         invalidate timestamp file
  -l, --list                    list user's privileges or check a specific
                                command; use twice for longer format
  -n, --non-interactive         non-interactive mode, no prompts are used
  -P, --preserve-groups         preserve group vector instead of setting to
                                target's
  -p, --prompt=prompt           use the specified password prompt
  -R, --chroot=directory        change the root directory before running command
  -S, --stdin                   read password from standard input
  -s, --shell                   run shell as the target user; a command may
                                also be specified
  -T, --command-timeout=timeout terminate command after the specified time limit
  -U, --other-user=user         in list mode, display privileges for user
  -u, --user=user               run command (or edit file) as specified user
                                name or ID
  -V, --version                 display version information and exit
  -v, --validate                update user's timestamp without running a
                                command
  --                            stop processing command line arguments
`;

const WITH_VALUE = new Set(["u", "g", "p", "C", "D", "h", "R", "T", "U", "r", "t"]);
const LONG: Record<string, string> = {
  user: "u",
  group: "g",
  prompt: "p",
  "close-from": "C",
  chdir: "D",
  host: "h",
  chroot: "R",
  "command-timeout": "T",
  "other-user": "U",
  role: "r",
  type: "t",
  list: "l",
  login: "i",
  shell: "s",
  "non-interactive": "n",
  stdin: "S",
  validate: "v",
  version: "V",
  help: "h",
  "reset-timestamp": "k",
  "remove-timestamp": "K",
  "preserve-env": "E",
  "set-home": "H",
  askpass: "A",
  background: "b",
  bell: "B",
  edit: "e",
  "preserve-groups": "P",
};

/**
 * `sudo` as Debian's 1.9.13p3 with the host's policy (HostAccounts.sudoRule): where the agent is listed among a
 * server's root users it may run anything as anyone, no password asked; elsewhere sudo asks for a password that
 * cannot be typed without a terminal and gives up, word for word as the real one. The command runs in a fresh
 * shell of the target user (root's files are root's, `whoami` says root), with sudo's reset environment.
 */
export function sudoCommand(s: Session): Command {
  return defineCommand("sudo", async (args, ctx) => {
    const flags = new Set<string>();
    const values = new Map<string, string>();
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--") {
        i++;
        break;
      }
      if (a.startsWith("--")) {
        const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
        const key = LONG[name];
        if (!key) return fail(`sudo: unrecognized option '${a}'\n${USAGE}`);
        if (WITH_VALUE.has(key) && !(key === "h" && inline === undefined && name === "help")) {
          const v = inline ?? args[++i];
          if (v === undefined) return fail(`sudo: option '--${name}' requires an argument\n${USAGE}`);
          values.set(key === "h" ? "host" : key, v);
        } else flags.add(key === "h" ? "help" : key);
        continue;
      }
      if (!a.startsWith("-") || a === "-") break;
      let consumed = false;
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if (WITH_VALUE.has(c) && !(c === "h" && j + 1 === a.length && args[i + 1] === undefined)) {
          if (c === "h" && j + 1 === a.length) {
            flags.add("help");
            break;
          }
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) return fail(`sudo: option requires an argument -- '${c}'\n${USAGE}`);
          values.set(c, v);
          consumed = true;
          break;
        }
        if (c === "h") {
          flags.add("help");
          continue;
        }
        if (!"AbBEHiKklLnPSsVve".includes(c)) return fail(`sudo: invalid option -- '${c}'\n${USAGE}`);
        flags.add(c);
      }
      void consumed;
    }
    const rest = args.slice(i);
    if (flags.has("V")) {
      const full = s.user === "root";
      return ok(
        full
          ? `Sudo version ${SUDO_VERSION}\nConfigure options: --with-all-insults --with-pam --with-pam-login --with-fqdn --with-logging=syslog --with-logfac=authpriv --with-env-editor --with-editor=/usr/bin/editor --with-exampledir=/usr/share/doc/sudo/examples --with-timeout=15 --with-password-timeout=0 --disable-root-mailer --with-sendmail=/usr/sbin/sendmail --with-rundir=/run/sudo --with-sssd --with-sssd-lib=/usr/lib/x86_64-linux-gnu --with-selinux --with-linux-audit --enable-tmpfiles.d=yes --with-apparmor\nSudoers policy plugin version ${SUDO_VERSION}\nSudoers file grammar version 50\n`
          : `Sudo version ${SUDO_VERSION}\nSudoers policy plugin version ${SUDO_VERSION}\nSudoers file grammar version 50\nSudoers I/O plugin version ${SUDO_VERSION}\nSudoers audit plugin version ${SUDO_VERSION}\n`,
      );
    }
    if (flags.has("help")) return ok(HELP);
    if (flags.has("k") || flags.has("K")) {
      if (rest.length === 0) return ok();
    }
    const listing = flags.has("l");
    const validate = flags.has("v");
    const shellMode = flags.has("i") || flags.has("s");
    if (!listing && !validate && !shellMode && rest.length === 0) return fail(USAGE);

    const accounts = s.machines.accountsOf(s.host);
    const me = s.user;
    const rule = accounts.sudoRule(me);
    const hostname = s.host.hostname;

    // the target user exists? (checked before authentication, as sudoers does)
    const wanted = values.get("u") ?? "root";
    const target = wanted.startsWith("#") ? accounts.userById(Number(wanted.slice(1))) : accounts.user(wanted);
    if (!target) return fail(`sudo: unknown user ${wanted}\nsudo: error initializing audit plugin sudoers_audit\n`);
    const groupName = values.get("g");
    if (groupName !== undefined) {
      const g = groupName.startsWith("#") ? accounts.groupById(Number(groupName.slice(1))) : accounts.group(groupName);
      if (!g) return fail(`sudo: unknown group ${groupName}\nsudo: error initializing audit plugin sudoers_audit\n`);
    }

    if (rule === null) {
      // not a sudoer: sudo asks for the password first, and there is none to give
      if (flags.has("n")) return fail("sudo: a password is required\n");
      if (!flags.has("S"))
        return fail(
          "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n",
        );
      const prompt = (values.get("p") ?? "[sudo] password for %p: ").replace(/%p|%u/g, me).replace(/%h/g, hostname);
      const lines = latin1FromBytes(ctx.stdin).split("\n");
      if (lines.at(-1) === "") lines.pop();
      let out = "";
      let tries = 0;
      for (; tries < 3; tries++) {
        if (tries >= lines.length) {
          out += `${prompt}\nsudo: no password was provided\n`;
          break;
        }
        out += tries < 2 ? `${prompt}Sorry, try again.\n` : prompt;
      }
      if (tries === 3) out += "\n";
      const attempts = Math.min(tries, 3);
      if (attempts > 0) out += `sudo: ${attempts} incorrect password attempt${attempts === 1 ? "" : "s"}\n`;
      return fail(out);
    }

    if (validate) return ok();
    if (listing) {
      if (rest.length > 0) {
        const found = await resolveProgram(s, rest[0] as string);
        if (!found) return fail("");
        return ok(`${found}${rest.length > 1 ? ` ${rest.slice(1).join(" ")}` : ""}\n`);
      }
      if (rule === "root") {
        return ok(
          `Matching Defaults entries for root on ${hostname}:\n    env_reset, mail_badpass, secure_path=${SECURE_PATH.replace(/:/g, "\\:")}, use_pty\n\nUser root may run the following commands on ${hostname}:\n    (ALL : ALL) ALL\n`,
        );
      }
      return ok(
        `Matching Defaults entries for ${me} on ${hostname}:\n    env_reset, mail_badpass, secure_path=${SECURE_PATH.replace(/:/g, "\\:")}, use_pty\n\nUser ${me} may run the following commands on ${hostname}:\n    (ALL : ALL) NOPASSWD: ALL\n`,
      );
    }

    const callerAccount = accounts.user(me);
    const targetHome = target.home;
    const env: Record<string, string> = {
      HOME: targetHome,
      LOGNAME: target.name,
      USER: target.name,
      MAIL: `/var/mail/${target.name}`,
      SHELL: target.shell,
      PATH: SECURE_PATH,
      SUDO_USER: me,
      SUDO_UID: String(callerAccount?.uid ?? 0),
      SUDO_GID: String(callerAccount?.gid ?? 0),
    };
    const assignments: string[] = [];
    const cmd = rest;
    while (cmd.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd[0] as string)) assignments.push(cmd.shift() as string);
    for (const a of assignments) {
      const eq = a.indexOf("=");
      env[a.slice(0, eq)] = a.slice(eq + 1);
    }
    const chdir = values.get("D");
    if (chdir !== undefined)
      return fail(
        `sudo: you are not permitted to use the -D option with ${(await resolveProgram(s, cmd[0] ?? "bash")) ?? cmd[0]}\n`,
      );

    let line: string;
    let cwd = ctx.cwd;
    const stdin = latin1FromBytes(ctx.stdin);
    if (shellMode) {
      if (flags.has("i")) cwd = targetHome;
      env.SUDO_COMMAND = cmd.length ? `/bin/bash -c ${cmd.join(" ")}` : "/bin/bash";
      // a shell without a command reads its commands from stdin (there is no terminal)
      line = cmd.length ? cmd.map((w) => w.replace(/([^A-Za-z0-9_\-./=:@%+,])/g, "\\$1")).join(" ") : stdin;
    } else {
      const name = cmd[0] as string;
      if (SHELL_BUILTINS_ONLY.has(name))
        return fail(
          `sudo: ${name}: command not found\nsudo: "${name}" is a shell built-in command, it cannot be run directly.\nsudo: the -s option may be used to run a privileged shell.\nsudo: the -D option may be used to run a command in a specific directory.\n`,
        );
      const program = await resolveProgram(s, name);
      if (!program) return fail(`sudo: ${name}: command not found\n`);
      env.SUDO_COMMAND = [program, ...cmd.slice(1)].join(" ");
      line = cmd.map(shellQuote).join(" ");
    }
    const r = await s.machines.run(s.host, target.name, line, shellMode && cmd.length === 0 ? "" : stdin, s.depth, {
      cwd,
      env,
    });
    return {
      stdout: asBytes(r.stdout),
      stderr: r.stderr,
      exitCode: r.exitCode,
      stdoutKind: "bytes",
      stdoutEncoding: "binary",
    };
  });
}

/** Where a command would be found on root's secure_path (null: not installed). */
async function resolveProgram(s: Session, name: string): Promise<string | null> {
  const fs = s.machines.fsOf(s.host, "root");
  if (name.includes("/")) {
    const path = fs.resolvePath("/", name);
    return (await fs.exists(path)) ? path : null;
  }
  for (const dir of SECURE_PATH.split(":")) {
    const path = `${dir}/${name}`;
    try {
      const st = await fs.stat(path);
      if (!st.isDirectory && st.mode & 0o111)
        return path.replace(/^\/bin\//, "/usr/bin/").replace(/^\/sbin\//, "/usr/sbin/");
    } catch {
      // not there
    }
  }
  return null;
}
