import { LOGIN_ACCOUNT, SERVER_NEW, SERVER_OLD, WORKSTATION } from "../../world/paths.js";

/** A disk partition as `df`, `lsblk` and /proc/mounts show it. */
export interface Disk {
  device: string;
  mount: string;
  /** Size in bytes. */
  size: number;
  /** Bytes used by files outside the World (the operating system, logs, other data). */
  base: number;
  fstype: "ext4";
}

/** A CPU as /proc/cpuinfo and lscpu show it. */
export interface Cpu {
  model: string;
  cores: number;
  mhz: number;
  cacheKiB: number;
}

/** How one machine of the world looks from a shell on it. */
export interface HostIdentity {
  /** Name of the host in the World (`world.host(worldName)`). */
  worldName: string;
  /** What `hostname` prints. */
  hostname: string;
  /** Address on the office network. */
  ip: string;
  kind: "workstation" | "server";
  /** Hardware address of the network interface. */
  mac: string;
  /** Name of the network interface (predictable interface names, as systemd gives them). */
  iface: string;
  /** When Debian was installed (home skeletons, first files in /etc). */
  installedAt: Date;
  /** The last package upgrade (binaries, /usr, /etc). */
  upgradedAt: Date;
  /** The last boot (uptime, /proc, /dev, /run, process start times). */
  bootedAt: Date;
  /** Load averages over 1, 5 and 15 minutes. */
  load: [number, number, number];
  cpu: Cpu;
  /** Memory in KiB: total and in use by processes outside the agent's session. */
  memKiB: { total: number; used: number; buffCache: number; swap: number };
  disks: Disk[];
  /** 16 hex digits that seed whatever differs between hosts (keys, machine-id, inodes). */
  seed: string;
}

const GiB = 2 ** 30;
const TiB = 2 ** 40;

/**
 * The machines a shell can reach. Servers are known by their address (the public format) and by a short name;
 * `hostname` on a server prints the short name, and ssh/scp/rsync accept either. Each has its own history
 * (installed, upgraded, booted), hardware, load and disks, so no two look cloned.
 */
export const HOSTS: readonly HostIdentity[] = [
  {
    worldName: WORKSTATION,
    hostname: "workstation",
    ip: "10.0.12.20",
    kind: "workstation",
    mac: "3c:ec:ef:4a:17:b2",
    iface: "enp3s0",
    installedAt: new Date("2025-06-12T10:04:31Z"),
    upgradedAt: new Date("2026-01-28T07:41:12Z"),
    bootedAt: new Date("2026-02-02T08:14:09Z"),
    load: [0.21, 0.17, 0.11],
    cpu: { model: "Intel(R) Core(TM) i7-12700", cores: 12, mhz: 2100, cacheKiB: 25600 },
    memKiB: { total: 32_594_420, used: 3_118_204, buffCache: 9_402_116, swap: 999_420 },
    disks: [{ device: "/dev/nvme0n1p2", mount: "/", size: 476 * GiB, base: 38.2 * GiB, fstype: "ext4" }],
    seed: "7d1c94be02a65f38",
  },
  {
    worldName: SERVER_OLD,
    hostname: "srv-45",
    ip: SERVER_OLD,
    kind: "server",
    mac: "00:25:90:7c:3e:45",
    iface: "eno1",
    installedAt: new Date("2024-02-27T15:22:08Z"),
    upgradedAt: new Date("2025-11-20T09:12:40Z"),
    bootedAt: new Date("2025-11-20T09:31:55Z"),
    load: [0.04, 0.06, 0.01],
    cpu: { model: "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", cores: 24, mhz: 2200, cacheKiB: 16896 },
    memKiB: { total: 65_841_280, used: 2_406_112, buffCache: 48_730_516, swap: 8_388_604 },
    disks: [
      { device: "/dev/sda1", mount: "/", size: 64 * GiB, base: 7.9 * GiB, fstype: "ext4" },
      { device: "/dev/sdb1", mount: "/data", size: 2 * TiB, base: 0, fstype: "ext4" },
    ],
    seed: "c4f1e08a9b23d756",
  },
  {
    worldName: SERVER_NEW,
    hostname: "srv-46",
    ip: SERVER_NEW,
    kind: "server",
    mac: "00:25:90:b1:09:46",
    iface: "eno1",
    installedAt: new Date("2025-03-03T08:47:19Z"),
    upgradedAt: new Date("2026-01-06T07:55:02Z"),
    bootedAt: new Date("2026-01-06T08:03:44Z"),
    load: [0.63, 0.48, 0.39],
    cpu: { model: "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz", cores: 32, mhz: 2400, cacheKiB: 24576 },
    memKiB: { total: 131_834_732, used: 5_981_340, buffCache: 61_204_888, swap: 8_388_604 },
    disks: [
      { device: "/dev/sda1", mount: "/", size: 64 * GiB, base: 9.3 * GiB, fstype: "ext4" },
      { device: "/dev/sdb1", mount: "/data", size: 4 * TiB, base: 1.26 * TiB, fstype: "ext4" },
    ],
    seed: "1a9e6d3f7c0b4e82",
  },
];

export const DOMAIN = "corp.openbrain.internal";
/** The office network's gateway and resolver (the network inventory's gw01 and dns01). */
export const GATEWAY = "10.0.12.1";
export const RESOLVER = "10.0.12.2";

/** The login every host accepts over ssh (key-based, as set up for the agent). */
export const LOGIN_USER = LOGIN_ACCOUNT;
export const LOGIN_UID = 1000;

export function identityOf(worldName: string): HostIdentity {
  const found = HOSTS.find((h) => h.worldName === worldName);
  if (found) return found;
  const base = HOSTS[1] as HostIdentity;
  return { ...base, worldName, hostname: worldName, ip: worldName, kind: "server" };
}

/** Resolve a name as ssh would (/etc/hosts): address, short name, or fully qualified name. */
export function resolveHostName(name: string): HostIdentity | null {
  const n = name.toLowerCase().replace(/\.$/, "");
  for (const h of HOSTS) {
    if (n === h.ip || n === h.hostname || n === `${h.hostname}.${DOMAIN}` || n === h.worldName) return h;
  }
  return null;
}

export function isAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

/** /etc/hosts of `host`: its own name on 127.0.1.1 as Debian's installer writes it, then the office machines. */
export function etcHosts(host: HostIdentity): string {
  const lines = ["127.0.0.1\tlocalhost", `127.0.1.1\t${host.hostname}.${DOMAIN}\t${host.hostname}`, ""];
  for (const h of HOSTS) lines.push(`${h.ip}\t${h.hostname}.${DOMAIN}\t${h.hostname}`);
  lines.push(
    "",
    "# The following lines are desirable for IPv6 capable hosts",
    "::1     localhost ip6-localhost ip6-loopback",
    "ff02::1 ip6-allnodes",
    "ff02::2 ip6-allrouters",
  );
  return `${lines.join("\n")}\n`;
}
