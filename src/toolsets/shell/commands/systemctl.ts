import type { Command } from "just-bash";
import { defineCommand } from "just-bash";
import { noiseInt } from "../noise.js";
import { fail, ok, type Session } from "../session.js";
import { processTable } from "./machine.js";

/**
 * systemd's view of a host (Debian 12, systemd 252): `systemctl status|is-active|is-enabled|list-units|
 * list-timers|show` over the services that `ps` shows running, and `service NAME status`. Changing a unit
 * needs root: the agent is refused as systemd refuses an unprivileged user without polkit; as root (sudo) the
 * request is accepted.
 */

interface Unit {
  name: string;
  description: string;
  /** How `ps` shows its main process (a prefix of its args). */
  process: string;
  docs: string[];
  fragment: string;
}

const UNITS: Unit[] = [
  {
    name: "ssh.service",
    description: "OpenBSD Secure Shell server",
    process: "sshd: /usr/sbin/sshd",
    docs: ["man:sshd(8)", "man:sshd_config(5)"],
    fragment: "/lib/systemd/system/ssh.service",
  },
  {
    name: "cron.service",
    description: "Regular background program processing daemon",
    process: "/usr/sbin/cron",
    docs: ["man:cron(8)"],
    fragment: "/lib/systemd/system/cron.service",
  },
  {
    name: "dbus.service",
    description: "D-Bus System Message Bus",
    process: "/usr/bin/dbus-daemon",
    docs: ["man:dbus-daemon(1)"],
    fragment: "/lib/systemd/system/dbus.service",
  },
  {
    name: "rsyslog.service",
    description: "System Logging Service",
    process: "/usr/sbin/rsyslogd",
    docs: ["man:rsyslogd(8)", "man:rsyslog.conf(5)", "https://www.rsyslog.com/doc/"],
    fragment: "/lib/systemd/system/rsyslog.service",
  },
  {
    name: "systemd-journald.service",
    description: "Journal Service",
    process: "/lib/systemd/systemd-journald",
    docs: ["man:systemd-journald.service(8)", "man:journald.conf(5)"],
    fragment: "/lib/systemd/system/systemd-journald.service",
  },
  {
    name: "systemd-logind.service",
    description: "User Login Management",
    process: "/lib/systemd/systemd-logind",
    docs: ["man:sd-login(3)", "man:systemd-logind.service(8)", "man:logind.conf(5)", "man:org.freedesktop.login1(5)"],
    fragment: "/lib/systemd/system/systemd-logind.service",
  },
  {
    name: "systemd-timesyncd.service",
    description: "Network Time Synchronization",
    process: "/lib/systemd/systemd-timesyncd",
    docs: ["man:systemd-timesyncd.service(8)"],
    fragment: "/lib/systemd/system/systemd-timesyncd.service",
  },
  {
    name: "systemd-udevd.service",
    description: "Rule-based Manager for Device Events and Files",
    process: "/lib/systemd/systemd-udevd",
    docs: ["man:systemd-udevd.service(8)", "man:udev(7)"],
    fragment: "/lib/systemd/system/systemd-udevd.service",
  },
  {
    name: "getty@tty1.service",
    description: "Getty on tty1",
    process: "/sbin/agetty",
    docs: ["man:agetty(8)", "man:systemd-getty-generator(8)"],
    fragment: "/lib/systemd/system/getty@.service",
  },
  {
    name: "smbd.service",
    description: "Samba SMB Daemon",
    process: "/usr/sbin/smbd",
    docs: ["man:smbd(8)", "man:samba(7)", "man:smb.conf(5)"],
    fragment: "/lib/systemd/system/smbd.service",
  },
];

const ALIASES: Record<string, string> = { "sshd.service": "ssh.service" };

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** systemd's timestamp: "Mon 2026-02-02 08:14:23 UTC". */
function stamp(t: Date): string {
  const iso = t.toISOString();
  return `${DAYS[t.getUTCDay()]} ${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** systemd's relative time ("2 weeks 0 days ago", "1 day 3h ago", "5min ago"). */
function ago(seconds: number): string {
  const MIN = 60;
  const H = 3600;
  const D = 86_400;
  const W = 7 * D;
  const MONTH = 2_629_800;
  const Y = 31_557_600;
  const f = Math.floor;
  if (seconds >= Y) return `${f(seconds / Y)} years ${f((seconds % Y) / MONTH)} months ago`;
  if (seconds >= MONTH) return `${f(seconds / MONTH)} months ${f((seconds % MONTH) / D)} days ago`;
  if (seconds >= W) return `${f(seconds / W)} weeks ${f((seconds % W) / D)} days ago`;
  if (seconds >= 2 * D) return `${f(seconds / D)} days ago`;
  if (seconds >= 25 * H) return `1 day ${f((seconds - D) / H)}h ago`;
  if (seconds >= 6 * H) return `${f(seconds / H)}h ago`;
  if (seconds >= H) return `${f(seconds / H)}h ${f((seconds % H) / MIN)}min ago`;
  if (seconds >= 5 * MIN) return `${f(seconds / MIN)}min ago`;
  if (seconds >= MIN) return `${f(seconds / MIN)}min ${f(seconds % MIN)}s ago`;
  return `${f(seconds)}s ago`;
}

function unitName(given: string): string {
  const name = given.includes(".") ? given : `${given}.service`;
  return ALIASES[name] ?? name;
}

interface Running {
  unit: Unit;
  pid: number;
  since: Date;
  args: string;
  rssKiB: number;
  cpuSeconds: number;
}

function running(s: Session): Running[] {
  const procs = processTable(s);
  const out: Running[] = [];
  for (const unit of UNITS) {
    const p = procs.find((x) => x.ppid === 1 && x.args.startsWith(unit.process));
    if (!p) continue;
    out.push({
      unit,
      pid: p.pid,
      since: new Date(s.host.bootedAt.getTime() + p.startedAfterBoot * 1000),
      args: p.args,
      rssKiB: p.rss,
      cpuSeconds: p.cpu,
    });
  }
  return out;
}

function memory(kib: number): string {
  return kib >= 1024 ? `${(kib / 1024).toFixed(1)}M` : `${kib}K`;
}

function statusOf(s: Session, r: Running): string {
  const now = s.world.now();
  const since = (now.getTime() - r.since.getTime()) / 1000;
  const docs = r.unit.docs.map((d, i) => (i === 0 ? `       Docs: ${d}` : `             ${d}`));
  const shown = /\s/.test(r.args) && r.args.startsWith("sshd:") ? `"${r.args}"` : r.args;
  const tasks = noiseInt(`${s.host.seed}:${r.unit.name}:tasks`, 1, 3);
  return [
    `● ${r.unit.name} - ${r.unit.description}`,
    `     Loaded: loaded (${r.unit.fragment}; enabled; preset: enabled)`,
    `     Active: active (running) since ${stamp(r.since)}; ${ago(since)}`,
    ...docs,
    `   Main PID: ${r.pid} (${r.args.split(/[\s:]/)[0]?.split("/").pop()})`,
    `      Tasks: ${tasks} (limit: ${Math.round(s.host.memKiB.total / 852)})`,
    `     Memory: ${memory(r.rssKiB)}`,
    `        CPU: ${(r.cpuSeconds + noiseInt(`${s.host.seed}:${r.unit.name}:cpu`, 100, 999) / 1000).toFixed(3)}s`,
    `     CGroup: /system.slice/${r.unit.name.startsWith("getty@") ? "system-getty.slice/" : ""}${r.unit.name}`,
    `             └─${r.pid} ${shown}`,
    "",
  ].join("\n");
}

function systemctl(s: Session, args: string[]): { stdout: string; stderr: string; exitCode: number } {
  const words = args.filter((a) => !a.startsWith("-"));
  const flags = args.filter((a) => a.startsWith("-"));
  const verb = words[0] ?? "list-units";
  const units = words.slice(1).map(unitName);
  const live = running(s);
  const find = (name: string) => live.find((r) => r.unit.name === name);
  const root = s.user === "root";
  switch (verb) {
    case "status": {
      if (units.length === 0) {
        const host = s.host.hostname;
        const since = (s.world.now().getTime() - s.host.bootedAt.getTime()) / 1000;
        return {
          stdout: `● ${host}\n    State: running\n    Units: ${231 + live.length} loaded (incl. loaded aliases)\n     Jobs: 0 queued\n   Failed: 0 units\n    Since: ${stamp(s.host.bootedAt)}; ${ago(since)}\n  systemd: 252.38-1~deb12u1\n   CGroup: /\n           ├─init.scope\n           │ └─1 /sbin/init\n           └─system.slice\n${live.map((r, i) => `             ${i === live.length - 1 ? "└" : "├"}─${r.unit.name}\n             ${i === live.length - 1 ? " " : "│"} └─${r.pid} ${r.args}`).join("\n")}\n`,
          stderr: "",
          exitCode: 0,
        };
      }
      let stdout = "";
      let stderr = "";
      let exitCode = 0;
      for (const name of units) {
        const r = find(name);
        if (r) stdout += `${stdout ? "\n" : ""}${statusOf(s, r)}`;
        else {
          stderr += `Unit ${name} could not be found.\n`;
          exitCode = 4;
        }
      }
      return { stdout, stderr, exitCode };
    }
    case "is-active":
    case "is-enabled": {
      let stdout = "";
      let exitCode = 0;
      for (const name of units) {
        const r = find(name);
        if (verb === "is-active") stdout += r ? "active\n" : "inactive\n";
        else stdout += r ? "enabled\n" : "";
        if (!r) exitCode = verb === "is-active" ? 3 : 1;
        if (!r && verb === "is-enabled")
          return {
            stdout,
            stderr: `Failed to get unit file state for ${name}: No such file or directory\n`,
            exitCode: 1,
          };
      }
      return { stdout: flags.includes("--quiet") || flags.includes("-q") ? "" : stdout, stderr: "", exitCode };
    }
    case "list-units": {
      const rows = live.map((r) => `  ${r.unit.name.padEnd(28)} loaded active running ${r.unit.description}`);
      return {
        stdout: `  UNIT                         LOAD   ACTIVE SUB     DESCRIPTION\n${rows.join("\n")}\n\nLOAD   = Reflects whether the unit definition was properly loaded.\nACTIVE = The high-level unit activation state, i.e. generalization of SUB.\nSUB    = The low-level unit activation state, values depend on unit type.\n${rows.length} loaded units listed. Pass --all to see loaded but inactive units, too.\nTo show all installed unit files use 'systemctl list-unit-files'.\n`,
        stderr: "",
        exitCode: 0,
      };
    }
    case "list-timers": {
      const now = s.world.now();
      const next = (hours: number) => new Date(Math.ceil(now.getTime() / (hours * 3_600_000)) * hours * 3_600_000);
      const left = (t: Date) => {
        const m = Math.round((t.getTime() - now.getTime()) / 60_000);
        return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}min left` : `${m}min left`;
      };
      const timers = [
        ["logrotate.timer", "logrotate.service", next(24)],
        ["man-db.timer", "man-db.service", next(24)],
        ["apt-daily.timer", "apt-daily.service", next(12)],
        ["systemd-tmpfiles-clean.timer", "systemd-tmpfiles-clean.service", next(24)],
      ] as const;
      const rows = timers.map(
        ([t, u, at]) =>
          `${stamp(at)} ${left(at).padEnd(12)} -                            -        ${t.padEnd(28)} ${u}`,
      );
      return {
        stdout: `NEXT                        LEFT         LAST                         PASSED   UNIT                         ACTIVATES\n${rows.join("\n")}\n\n${rows.length} timers listed.\nPass --all to see loaded but inactive timers, too.\n`,
        stderr: "",
        exitCode: 0,
      };
    }
    case "start":
    case "stop":
    case "restart":
    case "reload":
    case "enable":
    case "disable":
    case "mask":
    case "unmask":
    case "kill": {
      if (units.length === 0) return { stdout: "", stderr: "Too few arguments.\n", exitCode: 1 };
      const name = units[0] as string;
      if (!find(name) && !["enable", "disable", "mask", "unmask"].includes(verb))
        return { stdout: "", stderr: `Failed to ${verb} ${name}: Unit ${name} not found.\n`, exitCode: 5 };
      if (!root)
        return {
          stdout: "",
          stderr: `Failed to ${verb} ${name}: Access denied\nSee system logs and 'systemctl status ${name}' for details.\n`,
          exitCode: 4,
        };
      return { stdout: "", stderr: "", exitCode: 0 };
    }
    default:
      return { stdout: "", stderr: `Unknown command verb ${verb}.\n`, exitCode: 1 };
  }
}

export function systemctlCommand(s: Session): Command {
  return defineCommand("systemctl", async (args) => {
    if (args.includes("--version"))
      return ok(
        "systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified\n",
      );
    return systemctl(s, args);
  });
}

/** `service NAME status|start|stop|restart`: what Debian's wrapper hands to systemctl. */
export function serviceCommand(s: Session): Command {
  return defineCommand("service", async (args) => {
    const [name, action] = args;
    if (!name || !action)
      return fail("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n", 1);
    return systemctl(s, [action, name]);
  });
}
