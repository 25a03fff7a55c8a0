import type { HostIdentity } from "./hosts.js";

/** One mounted disk of a host, as `df` shows it. */
export interface Disk {
  dev: string;
  mount: string;
  /** Bytes the filesystem holds. */
  size: number;
  /** Bytes used by what is not a World file (the system, packages, logs). */
  base: number;
  /** Bytes kept for root (ext4's 5% reserve on system disks; data disks are made without one). */
  reserved: number;
}

/**
 * The disks of each machine: the workstation's 476 GiB NVMe; each server's 64 GiB system disk and 2 TiB data disk
 * (the migration log says the /data quota was raised to 2 TB). Writes are checked against them with the true size
 * of every file, so the 820 GB weights fit on a server's /data but not on the workstation. System disks keep
 * ext4's 5% for root, so `df` shows Avail as Size − Used − reserve and 100% once a user has filled the rest.
 */
export function disksOf(host: HostIdentity): Disk[] {
  return host.kind === "server"
    ? [
        {
          dev: "/dev/sda1",
          mount: "/",
          size: 64 * 2 ** 30,
          base: Math.round(7.9 * 2 ** 30),
          reserved: 64 * 2 ** 30 * 0.05,
        },
        { dev: "/dev/sdb1", mount: "/data", size: 2 * 2 ** 40, base: 0, reserved: 0 },
      ]
    : [
        {
          dev: "/dev/nvme0n1p2",
          mount: "/",
          size: 476 * 2 ** 30,
          base: Math.round(38.2 * 2 ** 30),
          reserved: Math.round(476 * 2 ** 30 * 0.05),
        },
      ];
}

/** The disk a path is on. */
export function diskOf(disks: Disk[], path: string): Disk {
  return disks.filter((d) => d.mount === "/" || path === d.mount || path.startsWith(`${d.mount}/`)).at(-1) as Disk;
}

/** Bytes a file of `size` bytes occupies (whole 4 KiB blocks). */
export function allocated(size: number): number {
  return Math.ceil(size / 4096) * 4096;
}
