import type { Command } from "just-bash";
import { defineCommand } from "just-bash";
import { humanSize } from "../format.js";
import { DOMAIN, GATEWAY, type HostIdentity, HOSTS, LOGIN_USER } from "../hosts.js";
import { hash32, noiseInt } from "../noise.js";
import { fail, getopt, ok, type Session } from "../session.js";
import { agentKey } from "../ssh-keys.js";
import { KERNEL, sessionPids } from "../system-files.js";

/** One process of a host's table. */
export interface Proc {
  user: string;
  pid: number;
  ppid: number;
  /** Seconds after boot it started. */
  startedAfterBoot: number;
  /** CPU seconds used. */
  cpu: number;
  vsz: number;
  rss: number;
  tty: string;
  stat: string;
  /** argv as `ps -f` shows it (kernel threads in brackets). */
  args: string;
}

/** What a Debian 12 machine runs: kernel threads, systemd's services, sshd, and the agent's session. */
export function processTable(s: Session): Proc[] {
  const h = s.host;
  const seed = h.seed;
  const up = (s.world.now().getTime() - h.bootedAt.getTime()) / 1000;
  const days = up / 86_400;
  const n = (key: string, lo: number, hi: number) => noiseInt(`${seed}:${key}`, lo, hi);
  const procs: Proc[] = [];
  const add = (p: Omit<Proc, "tty" | "stat"> & Partial<Pick<Proc, "tty" | "stat">>) =>
    procs.push({ tty: "?", stat: "Ss", ...p });
  add({
    user: "root",
    pid: 1,
    ppid: 0,
    startedAfterBoot: 0,
    cpu: Math.round(days * n("init", 14, 40)),
    vsz: 168_532 + n("init-v", 0, 900),
    rss: 12_940 + n("init-r", 0, 800),
    args: "/sbin/init",
  });
  const kernel = [
    "kthreadd",
    "rcu_gp",
    "rcu_par_gp",
    "slub_flushwq",
    "netns",
    "mm_percpu_wq",
    "rcu_tasks_kthread",
    "rcu_tasks_rude_kthread",
    "rcu_tasks_trace_kthread",
    "ksoftirqd/0",
    "rcu_preempt",
    "migration/0",
    "cpuhp/0",
    "cpuhp/1",
    "migration/1",
    "ksoftirqd/1",
    "kdevtmpfs",
    "inet_frag_wq",
    "kauditd",
    "khungtaskd",
    "oom_reaper",
    "writeback",
    "kcompactd0",
    "ksmd",
    "khugepaged",
    "kintegrityd",
    "kblockd",
    "blkcg_punt_bio",
    "edac-poller",
    "devfreq_wq",
    "watchdogd",
    "kswapd0",
    "kthrotld",
    "acpi_thermal_pm",
    "mld",
    "ipv6_addrconf",
    "kstrp",
    "zswap-shrink",
    "kworker/u65:0",
    "scsi_eh_0",
    "scsi_tmf_0",
    `jbd2/${h.disks[0]?.device.replace("/dev/", "")}-8`,
    "ext4-rsv-conversion",
  ];
  if (h.disks.length > 1) kernel.push(`jbd2/${h.disks[1]?.device.replace("/dev/", "")}-8`);
  kernel.forEach((name, i) => {
    const worker =
      /^(rcu_gp|rcu_par_gp|slub_flushwq|netns|mm_percpu_wq|inet_frag_wq|writeback|kintegrityd|kblockd|blkcg_punt_bio|edac-poller|devfreq_wq|kthrotld|acpi_thermal_pm|mld|ipv6_addrconf|kstrp|zswap-shrink|ext4-rsv-conversion|scsi_tmf_0)$/.test(
        name,
      );
    add({
      user: "root",
      pid: i + 2,
      ppid: i === 0 ? 0 : 2,
      startedAfterBoot: i < 38 ? 0 : 2,
      cpu: name.startsWith("rcu_preempt")
        ? Math.round(days * 30)
        : name.startsWith("ksoftirqd") || name.startsWith("kswapd")
          ? Math.round(days * 4)
          : 0,
      vsz: 0,
      rss: 0,
      stat: worker ? "I<" : "S",
      args: `[${name}]`,
    });
  });
  const d = (
    pid: number,
    user: string,
    args: string,
    vsz: number,
    rss: number,
    cpuPerDay: number,
    startedAfterBoot = n(`start:${pid}`, 3, 9),
    stat = "Ss",
  ) => add({ user, pid, ppid: 1, startedAfterBoot, cpu: Math.round(days * cpuPerDay), vsz, rss, stat, args });
  d(
    n("journald", 300, 340),
    "root",
    "/lib/systemd/systemd-journald",
    40_364 + n("jv", 0, 9000),
    14_028 + n("jr", 0, 22_000),
    9,
  );
  d(n("udevd", 350, 390), "root", "/lib/systemd/systemd-udevd", 25_832, 6_952 + n("ur", 0, 900), 2);
  d(
    n("timesyncd", 560, 590),
    "systemd-timesync",
    "/lib/systemd/systemd-timesyncd",
    90_356,
    6_748 + n("tr", 0, 400),
    1,
    4,
    "Ssl",
  );
  d(n("cron", 600, 620), "root", "/usr/sbin/cron -f", 6_616, 2_724 + n("cr", 0, 200), 1);
  d(
    n("dbus", 621, 640),
    "messagebus",
    "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only",
    9_252,
    4_816 + n("dr", 0, 400),
    1,
  );
  d(n("rsyslog", 641, 660), "root", "/usr/sbin/rsyslogd -n -iNONE", 222_124, 4_972 + n("rr", 0, 2000), 2, 5, "Ssl");
  d(n("logind", 661, 680), "root", "/lib/systemd/systemd-logind", 25_404, 7_988 + n("lr", 0, 600), 1);
  const sshd = n("sshd", 700, 760);
  d(sshd, "root", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", 15_432, 9_212 + n("sr", 0, 500), 1);
  d(n("agetty", 761, 790), "root", "/sbin/agetty -o -p -- \\u --noclear - linux", 5_872, 1_840, 0, 6, "Ss+");
  if (h.kind === "server" && h.hostname === "srv-46") {
    d(n("smbd", 800, 840), "root", "/usr/sbin/smbd --foreground --no-process-group", 118_312, 21_644, 6, 8);
  }
  // the agent's session: its systemd --user, the sshd session (or the workstation's login), the shell
  const pids = sessionPids(h);
  const loginAt = Math.max(10, up - 60 * n("login-min", 8, 40));
  const userSystemd = pids.sshd - 5;
  add({
    user: LOGIN_USER,
    pid: userSystemd,
    ppid: 1,
    startedAfterBoot: h.kind === "workstation" ? 41 : loginAt,
    cpu: 0,
    vsz: 18_968,
    rss: 10_624 + n("usd", 0, 500),
    stat: "Ss",
    args: "/lib/systemd/systemd --user",
  });
  add({
    user: LOGIN_USER,
    pid: userSystemd + 1,
    ppid: userSystemd,
    startedAfterBoot: h.kind === "workstation" ? 41 : loginAt,
    cpu: 0,
    vsz: 169_352,
    rss: 5_488,
    stat: "S",
    args: "(sd-pam)",
  });
  if (h.kind === "workstation") {
    add({
      user: LOGIN_USER,
      pid: pids.agent,
      ppid: 1,
      startedAfterBoot: 41,
      cpu: 0,
      vsz: 7_972,
      rss: 1_268,
      stat: "Ss",
      args: "ssh-agent -s",
    });
  }
  add({
    user: "root",
    pid: pids.sshd,
    ppid: sshd,
    startedAfterBoot: loginAt,
    cpu: 0,
    vsz: 17_676,
    rss: 10_972 + n("sp", 0, 300),
    stat: "Ss",
    args: `sshd: ${LOGIN_USER} [priv]`,
  });
  add({
    user: LOGIN_USER,
    pid: pids.sshd + 2,
    ppid: pids.sshd,
    startedAfterBoot: loginAt,
    cpu: 0,
    vsz: 17_964,
    rss: 6_844 + n("sn", 0, 300),
    stat: "S",
    args: `sshd: ${LOGIN_USER}@${h.kind === "workstation" ? "pts/0" : "notty"}`,
  });
  const shellPid = pids.bash + s.depth * 37;
  add({
    user: s.user,
    pid: shellPid,
    ppid: pids.sshd + 2,
    startedAfterBoot: up - 2,
    cpu: 0,
    vsz: 8_816,
    rss: 5_236 + n("bash", 0, 300),
    tty: h.kind === "workstation" ? "pts/0" : "?",
    stat: "Ss",
    args: "-bash",
  });
  return procs;
}

function startText(t: Date, now: Date): string {
  const pad = (x: number) => String(x).padStart(2, "0");
  const sameDay =
    t.getUTCFullYear() === now.getUTCFullYear() &&
    t.getUTCMonth() === now.getUTCMonth() &&
    t.getUTCDate() === now.getUTCDate();
  if (sameDay) return `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
  if (t.getUTCFullYear() === now.getUTCFullYear())
    return `${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][t.getUTCMonth()]}${pad(t.getUTCDate())}`;
  return String(t.getUTCFullYear());
}
function timeText(cpu: number): string {
  const pad = (x: number) => String(x).padStart(2, "0");
  const days = Math.floor(cpu / 86_400);
  const rest = `${pad(Math.floor((cpu % 86_400) / 3600))}:${pad(Math.floor((cpu % 3600) / 60))}:${pad(cpu % 60)}`;
  return days ? `${days}-${rest}` : rest;
}
function bsdTime(cpu: number): string {
  return `${Math.floor(cpu / 60)}:${String(cpu % 60).padStart(2, "0")}`;
}
function commOf(p: Proc): string {
  if (p.args.startsWith("[")) return p.args.slice(1, -1).slice(0, 15);
  const first = p.args.replace(/^-/, "").split(" ")[0] ?? "";
  if (p.args.startsWith("sshd:")) return "sshd";
  if (p.args.startsWith("(")) return p.args.slice(1, -1);
  return first.slice(first.lastIndexOf("/") + 1).slice(0, 15);
}

const PS_FIELDS: Record<string, { head: string; right: boolean; width?: number }> = {
  pid: { head: "PID", right: true, width: 7 },
  ppid: { head: "PPID", right: true, width: 7 },
  user: { head: "USER", right: false, width: 8 },
  uid: { head: "UID", right: true },
  comm: { head: "COMMAND", right: false },
  cmd: { head: "CMD", right: false },
  args: { head: "COMMAND", right: false },
  command: { head: "COMMAND", right: false },
  "%cpu": { head: "%CPU", right: true },
  pcpu: { head: "%CPU", right: true },
  "%mem": { head: "%MEM", right: true },
  pmem: { head: "%MEM", right: true },
  rss: { head: "RSS", right: true, width: 5 },
  vsz: { head: "VSZ", right: true, width: 6 },
  tty: { head: "TT", right: false, width: 8 },
  stat: { head: "STAT", right: false, width: 4 },
  start: { head: "STARTED", right: true, width: 8 },
  stime: { head: "STIME", right: false, width: 5 },
  time: { head: "TIME", right: true, width: 8 },
  etime: { head: "ELAPSED", right: true, width: 11 },
  etimes: { head: "ELAPSED", right: true },
  nlwp: { head: "NLWP", right: true },
  ni: { head: "NI", right: true },
  pri: { head: "PRI", right: true },
};

/** `ps` (procps-ng 4.0.2): default, -e/-A, -f, aux, -u, -p, -C, -o, --sort, --no-headers. */
export function psCommand(s: Session): Command {
  return defineCommand("ps", async (args) => {
    const now = s.world.now();
    const boot = s.host.bootedAt.getTime();
    const memTotal = s.host.memKiB.total;
    const all = processTable(s);
    let bsd = false;
    let every = false;
    let full = false;
    let userFmt = false;
    let noHeaders = false;
    let fields: string[] | null = null;
    const users: string[] = [];
    const pidsWanted: number[] = [];
    const names: string[] = [];
    let sort: string | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const value = () => {
        const v = args[++i];
        if (v === undefined) throw new Error("value");
        return v;
      };
      try {
        if (a === "--no-headers" || a === "--no-heading") noHeaders = true;
        else if (a.startsWith("--sort")) sort = a.includes("=") ? a.slice(7) : value();
        else if (a === "-o" || a === "--format" || a === "o") fields = [...(fields ?? []), ...value().split(/[,\s]+/)];
        else if (a.startsWith("-o")) fields = [...(fields ?? []), ...a.slice(2).split(/[,\s]+/)];
        else if (a.startsWith("--format=")) fields = a.slice(9).split(/[,\s]+/);
        else if (a === "-u" || a === "-U" || a === "--user") users.push(...value().split(","));
        else if (a === "-p" || a === "--pid") pidsWanted.push(...value().split(",").map(Number));
        else if (a === "-C") names.push(...value().split(","));
        else if (a === "--version" || a === "-V") return ok("ps from procps-ng 4.0.2\n");
        else if (a === "--help")
          return ok(
            "\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n",
          );
        else if (a.startsWith("-")) {
          const oAt = a.indexOf("o");
          if (oAt > 0) {
            // a cluster that ends in -o takes the format from what follows (-eo pid,cmd)
            const inline = a.slice(oAt + 1);
            fields = [...(fields ?? []), ...(inline ? inline : value()).split(/[,\s]+/)];
          }
          for (const c of oAt > 0 ? a.slice(1, oAt) : a.slice(1)) {
            if ("eA".includes(c)) every = true;
            else if (c === "f" || c === "F") full = true;
            else if (
              c === "l" ||
              c === "H" ||
              c === "w" ||
              c === "j" ||
              c === "L" ||
              c === "T" ||
              c === "a" ||
              c === "d" ||
              c === "N" ||
              c === "y"
            ) {
              if (c === "a") every = every || false;
            } else if (c === "x") every = true;
            else
              return fail(
                `error: unsupported SysV option\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n`,
              );
          }
        } else if (/^[auxwfejhrT]+$/.test(a)) {
          bsd = true;
          if (a.includes("a") || a.includes("x")) every = true;
          if (a.includes("u")) userFmt = true;
          if (a.includes("f")) full = full || false;
          if (a.includes("h")) noHeaders = true;
        } else if (/^\d+$/.test(a)) pidsWanted.push(Number(a));
        else
          return fail(
            `error: garbage option\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n`,
          );
      } catch {
        return fail(
          "error: list of process IDs must follow -p\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n",
        );
      }
    }
    const me = all.at(-1) as Proc;
    const self: Proc = {
      ...me,
      pid: me.pid + 11 + (hash32(`${now.getTime()}`) % 7),
      ppid: me.pid,
      startedAfterBoot: (now.getTime() - boot) / 1000,
      rss: 4_112,
      vsz: 11_116,
      stat: bsd || every ? "R+" : "R+",
      args: `ps ${args.join(" ")}`.trim(),
    };
    let list = [...all, self];
    if (users.length)
      list = list.filter(
        (p) => users.includes(p.user) || users.includes(String(s.machines.accountsOf(s.host).user(p.user)?.uid)),
      );
    else if (pidsWanted.length) list = list.filter((p) => pidsWanted.includes(p.pid));
    else if (names.length) list = list.filter((p) => names.includes(commOf(p)));
    else if (!every && !bsd)
      list = [me, self].map((p) => ({ ...p, tty: s.host.kind === "workstation" ? "pts/0" : "pts/0" }));
    else if (bsd && !every) list = list.filter((p) => p.user === s.user && p.tty !== "?");
    const started = (p: Proc) => new Date(boot + p.startedAfterBoot * 1000);
    const pcpu = (p: Proc) => {
      const life = Math.max(1, (now.getTime() - started(p).getTime()) / 1000);
      return ((p.cpu / life) * 100).toFixed(1);
    };
    const pmem = (p: Proc) => ((p.rss / memTotal) * 100).toFixed(1);
    const value = (p: Proc, f: string): string => {
      switch (f) {
        case "pid":
          return String(p.pid);
        case "ppid":
          return String(p.ppid);
        case "user":
        case "euser":
        case "ruser":
          return p.user.length > 8 ? `${p.user.slice(0, 7)}+` : p.user;
        case "uid":
          return String(s.machines.accountsOf(s.host).user(p.user)?.uid ?? 0);
        case "comm":
          return commOf(p);
        case "cmd":
        case "args":
        case "command":
          return p.args;
        case "%cpu":
        case "pcpu":
          return pcpu(p);
        case "%mem":
        case "pmem":
          return pmem(p);
        case "rss":
          return String(p.rss);
        case "vsz":
          return String(p.vsz);
        case "tty":
          return p.tty;
        case "stat":
          return p.stat;
        case "start":
        case "stime":
          return startText(started(p), now);
        case "time":
          return timeText(p.cpu);
        case "etime": {
          const e = Math.floor((now.getTime() - started(p).getTime()) / 1000);
          const dd = Math.floor(e / 86_400);
          const hh = Math.floor((e % 86_400) / 3600);
          const mm = Math.floor((e % 3600) / 60);
          const ss = e % 60;
          const p2 = (x: number) => String(x).padStart(2, "0");
          return `${dd ? `${dd}-` : ""}${dd || hh ? `${p2(hh)}:` : ""}${p2(mm)}:${p2(ss)}`;
        }
        case "etimes":
          return String(Math.floor((now.getTime() - started(p).getTime()) / 1000));
        case "nlwp":
          return p.stat.includes("l") ? "3" : "1";
        case "ni":
          return p.stat.includes("<") ? "-20" : "0";
        case "pri":
          return p.stat.includes("<") ? "39" : "19";
        default:
          return "-";
      }
    };
    if (sort) {
      const keys = sort.split(",");
      list.sort((a, b) => {
        for (const k of keys) {
          const desc = k.startsWith("-");
          const f = k.replace(/^[-+]/, "");
          const va = value(a, f);
          const vb = value(b, f);
          const na = Number(va);
          const nb = Number(vb);
          const c = !Number.isNaN(na) && !Number.isNaN(nb) ? na - nb : va < vb ? -1 : va > vb ? 1 : 0;
          if (c !== 0) return desc ? -c : c;
        }
        return 0;
      });
    }
    let cols: { key: string; head: string; right: boolean; width?: number }[];
    if (fields) {
      cols = [];
      for (const raw of fields.filter(Boolean)) {
        const [key, head] = raw.split("=") as [string, string | undefined];
        const spec = PS_FIELDS[key.toLowerCase()];
        if (!spec)
          return fail(
            `error: unknown user-defined format specifier "${key}"\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n`,
          );
        cols.push({
          key: key.toLowerCase(),
          head: head ?? spec.head,
          right: spec.right,
          ...(spec.width ? { width: spec.width } : {}),
        });
      }
      if (fields.every((f) => f.endsWith("="))) noHeaders = true;
    } else if (userFmt) {
      cols = [
        { key: "user", head: "USER", right: false, width: 8 },
        { key: "pid", head: "PID", right: true, width: 7 },
        { key: "%cpu", head: "%CPU", right: true, width: 4 },
        { key: "%mem", head: "%MEM", right: true, width: 4 },
        { key: "vsz", head: "VSZ", right: true, width: 6 },
        { key: "rss", head: "RSS", right: true, width: 5 },
        { key: "tty", head: "TTY", right: false, width: 8 },
        { key: "stat", head: "STAT", right: false, width: 4 },
        { key: "start", head: "START", right: false, width: 5 },
        { key: "bsdtime", head: "TIME", right: true, width: 6 },
        { key: "args", head: "COMMAND", right: false },
      ];
    } else if (full) {
      cols = [
        { key: "user", head: "UID", right: false, width: 8 },
        { key: "pid", head: "PID", right: true, width: 7 },
        { key: "ppid", head: "PPID", right: true, width: 7 },
        { key: "c", head: "C", right: true, width: 2 },
        { key: "stime", head: "STIME", right: false, width: 5 },
        { key: "tty", head: "TTY", right: false, width: 8 },
        { key: "time", head: "TIME", right: true, width: 8 },
        { key: "args", head: "CMD", right: false },
      ];
    } else {
      cols = [
        { key: "pid", head: "PID", right: true, width: 7 },
        { key: "tty", head: "TTY", right: false, width: 8 },
        { key: "time", head: "TIME", right: true, width: 8 },
        { key: "comm", head: "CMD", right: false },
      ];
    }
    const cell = (p: Proc, key: string) => (key === "bsdtime" ? bsdTime(p.cpu) : key === "c" ? "0" : value(p, key));
    const rows = list.map((p) => cols.map((c) => cell(p, c.key)));
    const widths = cols.map((c, i) =>
      Math.max(c.width ?? 0, c.head.length, ...rows.map((r) => (i === cols.length - 1 ? 0 : (r[i] ?? "").length))),
    );
    const line = (cells: string[]) =>
      cells
        .map((v, i) =>
          i === cells.length - 1 ? v : cols[i]?.right ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0),
        )
        .join(" ")
        .trimEnd();
    const out = [...(noHeaders ? [] : [line(cols.map((c) => c.head))]), ...rows.map(line)];
    return { stdout: `${out.join("\n")}\n`, stderr: "", exitCode: list.length ? 0 : 1 };
  });
}

function upText(s: Session): { clock: string; up: string; users: number; load: string } {
  const now = s.world.now();
  const p2 = (x: number) => String(x).padStart(2, "0");
  const secs = Math.floor((now.getTime() - s.host.bootedAt.getTime()) / 1000);
  const days = Math.floor(secs / 86_400);
  const hh = Math.floor((secs % 86_400) / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const hm = hh ? `${String(hh).padStart(2, " ")}:${p2(mm)}` : `${mm} min`;
  const up = days ? `${days} day${days === 1 ? "" : "s"}, ${hm}` : hm;
  return {
    clock: `${p2(now.getUTCHours())}:${p2(now.getUTCMinutes())}:${p2(now.getUTCSeconds())}`,
    up,
    users: 1,
    load: s.host.load.map((l) => l.toFixed(2)).join(", "),
  };
}

export function uptimeCommand(s: Session): Command {
  return defineCommand("uptime", async (args) => {
    const u = upText(s);
    if (args.includes("-p") || args.includes("--pretty")) {
      const secs = Math.floor((s.world.now().getTime() - s.host.bootedAt.getTime()) / 1000);
      const w = Math.floor(secs / 604_800);
      const d = Math.floor((secs % 604_800) / 86_400);
      const h = Math.floor((secs % 86_400) / 3600);
      const m = Math.floor((secs % 3600) / 60);
      const parts = [
        w && `${w} week${w === 1 ? "" : "s"}`,
        d && `${d} day${d === 1 ? "" : "s"}`,
        h && `${h} hour${h === 1 ? "" : "s"}`,
        m && `${m} minute${m === 1 ? "" : "s"}`,
      ].filter(Boolean);
      return ok(`up ${parts.join(", ")}\n`);
    }
    if (args.includes("-s") || args.includes("--since")) {
      const b = s.host.bootedAt.toISOString();
      return ok(`${b.slice(0, 10)} ${b.slice(11, 19)}\n`);
    }
    if (args.includes("-V") || args.includes("--version")) return ok("uptime from procps-ng 4.0.2\n");
    const bad = args.find((a) => a.startsWith("-"));
    if (bad)
      return fail(
        `uptime: invalid option -- '${bad.replace(/^-+/, "").slice(0, 1)}'\n\nUsage:\n uptime [options]\n\nOptions:\n -p, --pretty   show uptime in pretty format\n -h, --help     display this help and exit\n -s, --since    system up since\n -V, --version  output version information and exit\n\nFor more details see uptime(1).\n`,
      );
    return ok(` ${u.clock} up ${u.up},  ${u.users} user,  load average: ${u.load}\n`);
  });
}

/** When the agent's session logged in, as w, who and last show it (the process table's loginAt agrees). */
function loginTime(s: Session, now: Date): Date {
  return new Date(now.getTime() - 60_000 * noiseInt(`${s.host.seed}:login-min`, 8, 40));
}

export function wCommand(s: Session): Command {
  return defineCommand("w", async (args) => {
    const u = upText(s);
    const head = args.includes("-h") || args.includes("--no-header");
    const now = s.world.now();
    const login = loginTime(s, now);
    const p2 = (x: number) => String(x).padStart(2, "0");
    const row = `${LOGIN_USER.padEnd(8)} ${(s.host.kind === "workstation" ? "pts/0" : "pts/0").padEnd(8)} ${"10.0.12.20".padEnd(16)} ${p2(login.getUTCHours())}:${p2(login.getUTCMinutes())}    0.00s  0.02s  0.00s w\n`;
    return ok(
      `${head ? "" : ` ${u.clock} up ${u.up},  ${u.users} user,  load average: ${u.load}\nUSER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n`}${row}`,
    );
  });
}

export function whoCommand(s: Session): Command {
  return defineCommand("who", async (args) => {
    const now = s.world.now();
    const login = loginTime(s, now);
    const iso = login.toISOString();
    if (args.includes("-b")) {
      const b = s.host.bootedAt.toISOString();
      return ok(`         system boot  ${b.slice(0, 10)} ${b.slice(11, 16)}\n`);
    }
    if (args.includes("-r"))
      return ok(
        "         run-level 5  " +
          `${s.host.bootedAt.toISOString().slice(0, 10)} ${s.host.bootedAt.toISOString().slice(11, 16)}\n`,
      );
    if (args.some((a) => a === "am" || a === "-m"))
      return ok(`${s.user.padEnd(8)} pts/0        ${iso.slice(0, 10)} ${iso.slice(11, 16)} (10.0.12.20)\n`);
    return ok(`${LOGIN_USER.padEnd(8)} pts/0        ${iso.slice(0, 10)} ${iso.slice(11, 16)} (10.0.12.20)\n`);
  });
}

export function freeCommand(s: Session): Command {
  return defineCommand("free", async (args) => {
    const o = getopt(args, {
      short: "bkmghltwv",
      shortWithValue: "sc",
      long: {
        bytes: { key: "b" },
        kibi: { key: "k" },
        mebi: { key: "m" },
        gibi: { key: "g" },
        human: { key: "h" },
        si: { key: "si" },
        total: { key: "t" },
        wide: { key: "w" },
        lohi: { key: "l" },
        help: { key: "help" },
        version: { key: "V" },
      },
    });
    if (o.error) return fail(`free: ${o.error}\n\nUsage:\n free [options]\n\nFor more details see free(1).\n`);
    if (o.flags.has("V") || o.flags.has("v")) return ok("free from procps-ng 4.0.2\n");
    const m = s.host.memKiB;
    const free = m.total - m.used - m.buffCache;
    const avail = free + Math.round(m.buffCache * 0.92);
    const shared = 1_148 + noiseInt(`${s.host.seed}:shm`, 0, 3000);
    const kib = [m.total, m.used, free, shared, m.buffCache, avail];
    const swap = [m.swap, 0, m.swap];
    const f = o.flags;
    const fmt = (k: number): string => {
      if (f.has("h")) {
        const b = k * 1024;
        if (b === 0) return "0B";
        const s2 = humanSize(b);
        return s2.replace(/([KMGTP])$/, "$1i");
      }
      if (f.has("b")) return String(k * 1024);
      if (f.has("m")) return String(Math.floor(k / 1024));
      if (f.has("g")) return String(Math.floor(k / 1024 / 1024));
      return String(k);
    };
    const w = 11;
    const row = (label: string, vals: number[]) =>
      `${label.padEnd(8)}${vals.map((v) => fmt(v).padStart(w + 1)).join("")}\n`;
    let out = `${" ".repeat(8)}${["total", "used", "free", "shared", "buff/cache", "available"].map((h) => h.padStart(w + 1)).join("")}\n`;
    out += row("Mem:", kib);
    out += row("Swap:", swap);
    if (f.has("t")) out += row("Total:", [m.total + m.swap, m.used, free + m.swap]);
    return ok(out);
  });
}

export function nprocCommand(s: Session): Command {
  return defineCommand("nproc", async () => ok(`${s.host.cpu.cores}\n`));
}

/** `hostname` with its -s/-f/-d/-i/-I/-A forms (and no way to change it without root). */
export function hostnameCommand(s: Session): Command {
  return defineCommand("hostname", async (args) => {
    const a = args[0];
    if (a === undefined || a === "-s" || a === "--short") return ok(`${s.host.hostname}\n`);
    if (a === "-f" || a === "--fqdn" || a === "--long") return ok(`${s.host.hostname}.${DOMAIN}\n`);
    if (a === "-A" || a === "--all-fqdns") return ok(`${s.host.hostname}.${DOMAIN} \n`);
    if (a === "-i" || a === "--ip-address") return ok(`${s.host.ip}\n`);
    if (a === "-I" || a === "--all-ip-addresses") return ok(`${s.host.ip} \n`);
    if (a === "-d" || a === "--domain") return ok(`${DOMAIN}\n`);
    if (a === "-V" || a === "--version") return ok("hostname 3.23+nmu1\n");
    if (a.startsWith("-"))
      return fail(
        `hostname: invalid option -- '${a.replace(/^-+/, "").slice(0, 1)}'\nUsage: hostname [-b] {hostname|-F file}         set host name (from file)\n       hostname [-a|-A|-d|-f|-i|-I|-s|-y]       display formatted name\n       hostname                                 display host name\n`,
      );
    return fail(s.user === "root" ? "" : "hostname: you must be root to change the host name\n");
  });
}

function ipv6LinkLocal(mac: string): string {
  const b = mac.split(":").map((x) => Number.parseInt(x, 16));
  b[0] = (b[0] ?? 0) ^ 2;
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${hex(b[0] ?? 0, b[1] ?? 0)}:${hex(b[2] ?? 0, 0xff)}:${hex(0xfe, b[3] ?? 0)}:${hex(b[4] ?? 0, b[5] ?? 0)}`;
}

/** `ip addr|link|route|neigh` (iproute2 6.1) for the host's one interface on the office LAN. */
export function ipCommand(s: Session): Command {
  return defineCommand("ip", async (args) => {
    const h: HostIdentity = s.host;
    const words = args.filter((a) => !a.startsWith("-"));
    const brief = args.includes("-br") || args.includes("-brief") || args.includes("--brief");
    const family4 = args.includes("-4");
    const obj = words[0] ?? "";
    const ll = ipv6LinkLocal(h.mac);
    if (args.includes("-V") || args.includes("-Version")) return ok("ip utility, iproute2-6.1.0, libbpf 1.1.0\n");
    if (obj === "")
      return fail(
        "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n                   link | macsec | maddress | monitor | mptcp | mroute | mrule |\n                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n                   ntbl | route | rule | sr | tap | tcpmetrics |\n                   token | tunnel | tuntap | vrf | xfrm }\n       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n                    -4 | -6 | -M | -B | -0 |\n                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n                    -c[olor]}\n",
        255,
      );
    if ("address".startsWith(obj) || obj === "addr" || obj === "a") {
      if (brief)
        return ok(
          `lo               UNKNOWN        127.0.0.1/8 ::1/128 \n${h.iface.padEnd(16)} UP             ${h.ip}/24 ${family4 ? "" : `${ll}/64 `}\n`,
        );
      const lo = [
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "    inet 127.0.0.1/8 scope host lo",
        "       valid_lft forever preferred_lft forever",
        ...(family4
          ? []
          : ["    inet6 ::1/128 scope host noprefixroute ", "       valid_lft forever preferred_lft forever"]),
      ];
      const eth = [
        `2: ${h.iface}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP group default qlen 1000`,
        `    link/ether ${h.mac} brd ff:ff:ff:ff:ff:ff`,
        ...(h.kind === "server" ? ["    altname enp24s0f0"] : []),
        `    inet ${h.ip}/24 brd 10.0.12.255 scope global ${h.iface}`,
        "       valid_lft forever preferred_lft forever",
        ...(family4 ? [] : [`    inet6 ${ll}/64 scope link `, "       valid_lft forever preferred_lft forever"]),
      ];
      return ok(`${[...lo, ...eth].join("\n")}\n`);
    }
    if ("link".startsWith(obj) || obj === "l") {
      if (brief)
        return ok(
          `lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n${h.iface.padEnd(16)} UP             ${h.mac} <BROADCAST,MULTICAST,UP,LOWER_UP> \n`,
        );
      return ok(
        `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n2: ${h.iface}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000\n    link/ether ${h.mac} brd ff:ff:ff:ff:ff:ff\n`,
      );
    }
    if ("route".startsWith(obj) || obj === "r") {
      return ok(
        `default via ${GATEWAY} dev ${h.iface} onlink \n10.0.12.0/24 dev ${h.iface} proto kernel scope link src ${h.ip} \n`,
      );
    }
    if ("neighbour".startsWith(obj) || "neighbor".startsWith(obj) || obj === "n") {
      const lines = [`${GATEWAY} dev ${h.iface} lladdr 00:1b:21:3a:4c:01 REACHABLE `];
      for (const o of HOSTS)
        if (o.ip !== h.ip && s.world.hasHost(o.worldName)) lines.push(`${o.ip} dev ${h.iface} lladdr ${o.mac} STALE `);
      return ok(`${lines.join("\n")}\n`);
    }
    return fail(`Object "${obj}" is unknown, try "ip help".\n`, 1);
  });
}

/** `ssh-add -l/-L` against the workstation's agent (it holds the agent's key). */
export function sshAddCommand(s: Session): Command {
  return defineCommand("ssh-add", async (args, ctx) => {
    const sock = ctx.env.get("SSH_AUTH_SOCK");
    if (!sock || s.host.kind !== "workstation" || s.user !== LOGIN_USER)
      return fail("Could not open a connection to your authentication agent.\n", 2);
    const key = agentKey();
    if (args.includes("-l")) return ok(`${key.bits} ${key.fingerprint} ${key.comment} (ED25519)\n`);
    if (args.includes("-L")) return ok(`${key.publicLine}\n`);
    if (args.includes("-D")) return ok("All identities removed.\n");
    if (args.includes("-d"))
      return ok(`Identity removed: /home/${LOGIN_USER}/.ssh/id_ed25519 ED25519 (${key.comment})\n`);
    const files = args.filter((a) => !a.startsWith("-"));
    const file = files[0] ?? `/home/${LOGIN_USER}/.ssh/id_ed25519`;
    return fail(`Identity added: ${file} (${key.comment})\n`, 0);
  });
}

/** `ssh-keygen -l -f FILE` (fingerprints of the keys on the machine); generating keys is not offered. */
export function sshKeygenCommand(s: Session): Command {
  return defineCommand("ssh-keygen", async (args, ctx) => {
    const fi = args.findIndex((a) => /^-[a-zA-Z]*f$/.test(a));
    const listing = args.some((a) => /^-[a-zA-Z]*l/.test(a));
    const file = fi >= 0 ? args[fi + 1] : undefined;
    if (listing && file) {
      const path = s.fs.resolvePath(ctx.cwd, file);
      let text: string;
      try {
        text = await s.fs.readFile(path);
      } catch {
        return fail(`${file}: No such file or directory\n`, 255);
      }
      const { createHash } = await import("node:crypto");
      const out: string[] = [];
      for (const line of text.split("\n")) {
        const parts = line.trim().split(/\s+/);
        const b64 = parts.find((p) => p.startsWith("AAAA"));
        if (!b64) continue;
        const blob = Buffer.from(b64, "base64");
        const type = parts[parts.indexOf(b64) - 1] ?? "";
        const bits = type === "ssh-rsa" ? 3072 : 256;
        const label = type === "ssh-ed25519" ? "ED25519" : type === "ssh-rsa" ? "RSA" : "ECDSA";
        const comment = parts.slice(parts.indexOf(b64) + 1).join(" ") || "no comment";
        out.push(
          `${bits} SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")} ${comment} (${label})`,
        );
      }
      if (out.length === 0) return fail(`${file} is not a public key file.\n`, 255);
      return ok(`${out.join("\n")}\n`);
    }
    if (args.includes("-F")) return ok("");
    return fail(
      "usage: ssh-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]\n                  [-m format] [-N new_passphrase] [-O option]\n                  [-t dsa | ecdsa | ecdsa-sk | ed25519 | ed25519-sk | rsa]\n                  [-w provider] [-Z cipher]\n       ssh-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]\n",
      1,
    );
  });
}

/** `lscpu` (util-linux 2.38): the same processor as /proc/cpuinfo and nproc. */
export function lscpuCommand(s: Session): Command {
  return defineCommand("lscpu", async () => {
    const c = s.host.cpu;
    const workstation = s.host.kind === "workstation";
    const rows: [string, string, number][] = [
      ["Architecture:", "x86_64", 0],
      ["CPU op-mode(s):", "32-bit, 64-bit", 1],
      ["Address sizes:", "46 bits physical, 48 bits virtual", 1],
      ["Byte Order:", "Little Endian", 1],
      ["CPU(s):", String(c.cores), 0],
      ["On-line CPU(s) list:", `0-${c.cores - 1}`, 1],
      ["Vendor ID:", "GenuineIntel", 0],
      ["Model name:", c.model, 1],
      ["CPU family:", "6", 2],
      ["Model:", workstation ? "151" : "85", 2],
      ["Thread(s) per core:", "2", 2],
      ["Core(s) per socket:", String(c.cores / 2), 2],
      ["Socket(s):", "1", 2],
      ["Stepping:", "7", 2],
      ["BogoMIPS:", (c.mhz * 2).toFixed(2), 2],
      ["Virtualization features:", "", 0],
      ["Virtualization:", "VT-x", 1],
      ["Caches (sum of all):", "", 0],
      ["L1d:", `${(c.cores / 2) * 48} KiB (${c.cores / 2} instances)`, 1],
      ["L1i:", `${(c.cores / 2) * 32} KiB (${c.cores / 2} instances)`, 1],
      ["L2:", `${((c.cores / 2) * 1.25).toFixed(1).replace(/\.0$/, "")} MiB (${c.cores / 2} instances)`, 1],
      ["L3:", `${Math.round(c.cacheKiB / 1024)} MiB (1 instance)`, 1],
      ["NUMA:", "", 0],
      ["NUMA node(s):", "1", 1],
      ["NUMA node0 CPU(s):", `0-${c.cores - 1}`, 1],
    ];
    return ok(
      rows
        .map(([k, v, depth]) => {
          const key = `${"  ".repeat(depth)}${k}`;
          return v === "" ? key : `${key.padEnd(26)}${v}`;
        })
        .join("\n")
        .concat("\n"),
    );
  });
}

/** `last`: /var/log/wtmp since the last boot — the agent's session (as `w` shows it) and the boot itself. */
export function lastCommand(s: Session): Command {
  return defineCommand("last", async () => {
    const now = s.world.now();
    const login = loginTime(s, now);
    const when = (t: Date) => {
      const d = t.toUTCString(); // "Mon, 16 Feb 2026 09:22:00 GMT"
      const [wd, day, mon, , hm] = d.replace(",", "").split(" ") as string[];
      return `${wd} ${mon} ${String(Number(day)).padStart(2, " ")} ${hm?.slice(0, 5)}`;
    };
    const boot = s.host.bootedAt;
    const full = boot.toUTCString().replace(",", "").split(" ");
    const begins = `${full[0]} ${full[2]} ${String(Number(full[1])).padStart(2, " ")} ${full[4]} ${full[3]}`;
    return ok(
      `${LOGIN_USER.padEnd(8)} pts/0        10.0.12.20       ${when(login)}   still logged in\n` +
        `${"reboot".padEnd(8)} system boot  ${KERNEL.padEnd(16)} ${when(boot)}   still running\n\nwtmp begins ${begins}\n`,
    );
  });
}
