import { InMemoryFs } from "just-bash";
import { DOMAIN, etcHosts, type HostIdentity, LOGIN_UID, LOGIN_USER } from "./hosts.js";

/** Files of the operating system itself: fixed, never part of the World, never logged, not writable. */
const SYSTEM_TIME = new Date("2025-09-03T07:12:44Z");

export const KERNEL = "6.1.0-31-amd64";
export const KERNEL_VERSION = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.128-1 (2025-02-07)";

/** The fixed environment of a login shell (never the real process environment). */
export function loginEnv(host: HostIdentity, user: string, home: string): Record<string, string> {
  return {
    HOME: home,
    USER: user,
    LOGNAME: user,
    SHELL: "/bin/bash",
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOSTNAME: host.hostname,
    TERM: "dumb",
    TZ: "UTC",
  };
}

export function homeOf(user: string): string {
  return user === "root" ? "/root" : `/home/${user}`;
}

/** Paths that belong to the operating system: reads come from the system layer, writes are refused. */
export const SYSTEM_PREFIXES = [
  "/proc",
  "/sys",
  "/dev",
  "/bin",
  "/sbin",
  "/usr",
  "/lib",
  "/lib64",
  "/boot",
  "/run",
  "/root",
];

export function isSystemPath(path: string): boolean {
  return SYSTEM_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** Files nobody but root may read (a read gives "Permission denied"). */
export const UNREADABLE = new Set(["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root"]);

function passwd(host: HostIdentity): string {
  const lines = [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "bin:x:2:2:bin:/bin:/usr/sbin/nologin",
    "sys:x:3:3:sys:/dev:/usr/sbin/nologin",
    "sync:x:4:65534:sync:/bin:/bin/sync",
    "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin",
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    "systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin",
    "messagebus:x:100:107::/nonexistent:/usr/sbin/nologin",
    "sshd:x:101:65534::/run/sshd:/usr/sbin/nologin",
    `${LOGIN_USER}:x:${LOGIN_UID}:${LOGIN_UID}:${host.kind === "workstation" ? "Agent" : "Ops agent"},,,:/home/${LOGIN_USER}:/bin/bash`,
  ];
  return `${lines.join("\n")}\n`;
}

function group(): string {
  return `${[
    "root:x:0:",
    "adm:x:4:",
    "sudo:x:27:",
    "users:x:100:",
    "nogroup:x:65534:",
    `${LOGIN_USER}:x:${LOGIN_UID}:`,
  ].join("\n")}\n`;
}

function environFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}\0`)
    .join("");
}

/**
 * Build the read-only system layer of one host: /etc basics, /proc, /dev, and a stub in /usr/bin for every
 * command the shell offers (so `which` and `ls /usr/bin` agree with what runs).
 */
export function buildSystemLayer(host: HostIdentity, commandNames: string[]): InMemoryFs {
  const fs = new InMemoryFs();
  const file = (path: string, content: string | Uint8Array, mode = 0o644) =>
    fs.writeFileSync(path, content, undefined, { mode, mtime: SYSTEM_TIME });
  const dir = (path: string) => {
    fs.mkdirSync(path, { recursive: true });
  };
  for (const d of [
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/local/bin",
    "/usr/sbin",
    "/lib",
    "/dev",
    "/proc/self",
    "/sys",
    "/run",
    "/boot",
    "/root",
  ])
    dir(d);
  file("/etc/hostname", `${host.hostname}\n`);
  file("/etc/hosts", etcHosts());
  file("/etc/passwd", passwd(host));
  file("/etc/group", group());
  file("/etc/shadow", "", 0o640);
  file("/etc/gshadow", "", 0o640);
  file("/etc/sudoers", "", 0o440);
  file("/etc/resolv.conf", `search ${DOMAIN}\nnameserver 10.0.12.2\n`);
  file(
    "/etc/os-release",
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  );
  file("/etc/debian_version", "12.9\n");
  file("/etc/timezone", "Etc/UTC\n");
  file("/etc/shells", "/bin/sh\n/bin/bash\n/usr/bin/bash\n");
  file("/etc/ssh/ssh_config", "Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n");
  file("/dev/null", "", 0o666);
  file("/dev/zero", "", 0o666);
  file("/dev/random", "", 0o666);
  file("/dev/urandom", "", 0o666);
  file("/dev/tty", "", 0o666);
  file(
    "/proc/version",
    `Linux version ${KERNEL} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) ${KERNEL_VERSION}\n`,
  );
  file("/proc/uptime", "1843211.52 3652870.11\n");
  file("/proc/loadavg", "0.08 0.05 0.01 1/214 88213\n");
  file(
    "/proc/cpuinfo",
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\ncpu cores\t: 8\n\n",
  );
  file("/proc/meminfo", "MemTotal:       65841280 kB\nMemFree:        41203312 kB\nMemAvailable:   58112044 kB\n");
  file("/proc/self/environ", environFile(loginEnv(host, LOGIN_USER, `/home/${LOGIN_USER}`)), 0o400);
  file("/proc/self/cmdline", "-bash\0");
  file("/proc/self/comm", "bash\n");
  file(
    "/proc/self/status",
    `Name:\tbash\nState:\tR (running)\nPid:\t88213\nPPid:\t88212\nUid:\t${LOGIN_UID}\t${LOGIN_UID}\t${LOGIN_UID}\t${LOGIN_UID}\nGid:\t${LOGIN_UID}\t${LOGIN_UID}\t${LOGIN_UID}\t${LOGIN_UID}\n`,
  );
  for (const name of commandNames) file(`/usr/bin/${name}`, "", 0o755);
  file("/bin/bash", "", 0o755);
  file("/bin/sh", "", 0o755);
  return fs;
}
