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
 * The disks of each machine, as its identity declares them (hosts.ts): the workstation's 476 GiB NVMe; each
 * server's 64 GiB system disk and its data disk (the old server's 2 TiB — the migration log says the /data quota
 * was raised to 2 TB —, the new one's 4 TiB, already partly used). Writes are checked against them with the true
 * size of every file, so the 820 GB weights fit on a server's /data but not on the workstation. System disks keep
 * ext4's 5% for root, so `df` shows Avail as Size − Used − reserve and 100% once a user has filled the rest.
 */
export function disksOf(host: HostIdentity): Disk[] {
  return host.disks.map((d) => ({
    dev: d.device,
    mount: d.mount,
    size: d.size,
    base: Math.round(d.base),
    reserved: d.mount === "/" ? Math.round(d.size * 0.05) : 0,
  }));
}

/** The disk a path is on. */
export function diskOf(disks: Disk[], path: string): Disk {
  return disks.filter((d) => d.mount === "/" || path === d.mount || path.startsWith(`${d.mount}/`)).at(-1) as Disk;
}

/** Bytes a file of `size` bytes occupies (whole 4 KiB blocks). */
export function allocated(size: number): number {
  return Math.ceil(size / 4096) * 4096;
}
