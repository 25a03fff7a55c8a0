import { type FsStat, type IFileSystem, type InMemoryFs, unsafeBytesFromLatin1 } from "just-bash";
import {
  bufferHasToken,
  decodeBuffer,
  decodeRope,
  encodeRope,
  hasToken,
  MATERIALIZE_MAX,
  materialize,
  ropeLength,
  sliceRope,
} from "../../world/content.js";
import { type AuditedFs, storedLength, type World } from "../../world/world.js";
import { allocated, type Disk, diskOf } from "./disks.js";
import { isSystemPath, UNREADABLE } from "./system-files.js";

type DirentEntry = Awaited<ReturnType<NonNullable<IFileSystem["readdirWithFileTypes"]>>>[number];

/** An error shaped like Node's, so just-bash's commands print the usual "Permission denied" etc. */
const ERROR_TEXT: Record<string, string> = {
  EACCES: "Permission denied",
  ENOENT: "No such file or directory",
  ENOSPC: "No space left on device",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EEXIST: "File exists",
  EFBIG: "File too large",
};

/**
 * A filesystem error that escaped a command line (a redirect to a path that cannot be written) as bash prints
 * it: "bash: /etc/passwd: Permission denied". Null when `e` is not a filesystem error.
 */
export function describeFsFailure(e: unknown): string | null {
  const msg = e instanceof Error ? e.message : String(e);
  const m = msg.match(/^(E[A-Z]+): [^,]*, \w+ '(.*)'$/s);
  if (!m) return null;
  return `bash: ${m[2]}: ${ERROR_TEXT[m[1] as string] ?? (m[1] as string)}`;
}

function fsErrorOf(code: string, syscall: string, path: string): Error {
  const err = new Error(`${code}: ${(ERROR_TEXT[code] ?? code).toLowerCase()}, ${syscall} '${path}'`) as Error & {
    code: string;
  };
  err.code = code;
  return err;
}

export function fsError(code: "EACCES" | "ENOENT" | "ENOSPC" | "EPERM", syscall: string, path: string): Error {
  const text: Record<string, string> = {
    EACCES: "permission denied",
    ENOENT: "no such file or directory",
    ENOSPC: "no space left on device",
    EPERM: "operation not permitted",
  };
  const err = new Error(`${code}: ${text[code]}, ${syscall} '${path}'`) as Error & { code: string };
  err.code = code;
  return err;
}

/** Writes a single host may take in one trial before the disk is "full" (keeps a runaway loop from eating memory). */
export const DEFAULT_WRITE_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * One host's filesystem as its shell sees it: the World's audited filesystem (every file the scenario put there,
 * every change logged with its cause) overlaid on a fixed, read-only system layer (/etc basics, /proc, /dev,
 * /usr/bin). System files are never part of the World; writes to them are refused with "Permission denied".
 *
 * Content: files hold ropes (src/world/content.ts), and reads return the rope's string form, so redirects,
 * pipes, ssh and the byte-level tools carry content whole. Commands that read text and know nothing of ropes
 * (grep, sed, awk, … — see commands/text-filters.ts) run inside `asRealBytes`, where reads give real bytes up
 * to MATERIALIZE_MAX; a larger file is refused with EFBIG and noted, so the wrapper can end the command as one
 * that ran past its time. `stat` always reports the content's true size.
 *
 * Disk: every write is checked against the host's disks (disks.ts) with the true size of every file; a write
 * that does not fit writes what fits and fails with ENOSPC, as on a full disk. Separately, the real bytes one
 * host may take in a trial are capped (writeBudget) so a runaway loop cannot eat memory.
 *
 * Times: a time taken from the real clock (touch without -d, implicit directories) is replaced by the World's
 * clock, so runs stay reproducible.
 */
export class HostFs implements IFileSystem {
  private realDepth = 0;
  /** Set when a read inside `asRealBytes` met content too large to read within a command line's time. */
  private tooLarge = false;
  /** Bytes written to this host in the trial (kept in the World, so it survives a state export). */
  private readonly written: { bytes: number };

  constructor(
    readonly world: World,
    readonly audited: AuditedFs,
    readonly system: InMemoryFs,
    readonly writeBudget = DEFAULT_WRITE_BUDGET_BYTES,
    /** Bytes an endless device (/dev/zero, /dev/urandom) yields: one more than a command may print. */
    readonly deviceBytes = 8 * 1024 * 1024 + 1,
  ) {
    this.written = world.varOf(`shell.written.${audited.hostName}`, () => ({ bytes: 0 }));
  }

  get hostName(): string {
    return this.audited.hostName;
  }

  /** Kept for listing commands: `stat` reports the true size everywhere now. */
  async withNominalSizes<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  /** Reads return the rope's string form (the default; kept for the commands that say so). */
  async ropeAware<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  /** Run `fn` with reads giving real bytes (for commands that read text); reports whether a read was too large. */
  async asRealBytes<T>(fn: () => Promise<T>): Promise<{ value: T; tooLarge: boolean }> {
    const before = this.tooLarge;
    this.tooLarge = false;
    this.realDepth++;
    try {
      const value = await fn();
      return { value, tooLarge: this.tooLarge };
    } finally {
      this.realDepth--;
      this.tooLarge = before;
    }
  }

  /** The disks of this host (what `df` shows and writes are checked against). */
  disks: Disk[] = [];

  /**
   * Bytes each World file occupies, derived from the World on first use and kept up to date by this host's
   * writes (a view of the World's state, rebuilt whenever it is unsure; never a source of truth).
   */
  private allocation: Map<string, number> | null = null;
  private async allocations(): Promise<Map<string, number>> {
    if (this.allocation) return this.allocation;
    const map = new Map<string, number>();
    for (const p of this.audited.getAllPaths()) {
      const st = await this.audited.inner.lstat(p).catch(() => null);
      if (!st?.isFile) continue;
      map.set(p, allocated(storedLength(await this.audited.inner.readFileBuffer(p))));
    }
    this.allocation = map;
    return map;
  }
  /** Forget the derived sizes (after changes this host cannot follow one by one: rm -r, mv, cp). */
  private forgetAllocations(): void {
    this.allocation = null;
  }
  private async noteAllocation(path: string): Promise<void> {
    if (!this.allocation) return;
    const st = await this.audited.inner.lstat(path).catch(() => null);
    if (!st?.isFile) return this.forgetAllocations();
    this.allocation.set(path, allocated(storedLength(await this.audited.inner.readFileBuffer(path))));
  }

  /** Bytes used on `disk` by the World's files (true sizes), except `skip`. */
  async usedOn(disk: Disk, skip: string | null = null): Promise<number> {
    let used = disk.base;
    for (const [p, n] of await this.allocations()) {
      if (p === skip || diskOf(this.disks, p).mount !== disk.mount) continue;
      used += n;
    }
    return used;
  }

  /** Free bytes for a file at `path` (counting what the file holds now as free). */
  async freeFor(path: string): Promise<number> {
    if (this.disks.length === 0) return Number.POSITIVE_INFINITY;
    const disk = diskOf(this.disks, path);
    return Math.max(0, disk.size - disk.reserved - (await this.usedOn(disk, path)));
  }

  /**
   * Content to store at `path`: as given when it fits; else what fits of it, with `full` set (the caller writes
   * that, then fails with ENOSPC).
   */
  private async fitted(path: string, bytes: string, existing: string): Promise<{ bytes: string; full: boolean }> {
    if (this.disks.length === 0 || (!hasToken(bytes) && !hasToken(existing) && bytes.length < 1 << 20))
      return { bytes, full: false };
    const free = await this.freeFor(path);
    const rope = decodeRope(bytes);
    const before = ropeLength(decodeRope(existing));
    if (ropeLength(rope) <= free) return { bytes, full: false };
    const keep = Math.max(0, Math.floor(free / 4096) * 4096 - before);
    return { bytes: existing + encodeRope(sliceRope(rope, 0, keep)), full: true };
  }

  /** Stored bytes → what a reader gets: the string form, or inside asRealBytes real bytes (bounded). */
  private readable(stored: Uint8Array, p: string): Uint8Array {
    if (this.realDepth === 0 || !bufferHasToken(stored)) return stored;
    const rope = decodeBuffer(stored);
    if (ropeLength(rope) > MATERIALIZE_MAX) {
      this.tooLarge = true;
      throw fsErrorOf("EFBIG", "read", p);
    }
    return materialize(rope);
  }

  /** Which layer a path lives in: the World's files, the fixed system layer, or neither. */
  async layerOf(path: string): Promise<"world" | "system" | null> {
    const p = this.norm(path);
    if (await this.inWorld(p)) return "world";
    return (await this.system.exists(p)) ? "system" : null;
  }

  private norm(path: string): string {
    return this.audited.resolvePath("/", path);
  }
  private inWorld(p: string): Promise<boolean> {
    return this.audited.inner.exists(p);
  }
  private async inSystemOnly(p: string): Promise<boolean> {
    return !(await this.inWorld(p)) && (await this.system.exists(p));
  }
  private refuseSystemWrite(p: string, syscall: string): Promise<void> | void {
    if (isSystemPath(p)) throw fsError("EACCES", syscall, p);
    return this.inSystemOnly(p).then((sys) => {
      if (sys) throw fsError("EACCES", syscall, p);
    });
  }
  private async parentMustExist(p: string, syscall: string): Promise<void> {
    const parent = p.slice(0, p.lastIndexOf("/")) || "/";
    if (await this.inWorld(parent)) return;
    if (await this.system.exists(parent)) throw fsError("EACCES", syscall, p);
    throw fsError("ENOENT", syscall, p);
  }
  private charge(bytes: number, path: string): void {
    this.written.bytes += bytes;
    if (this.written.bytes > this.writeBudget) throw fsError("ENOSPC", "write", path);
  }
  private byteLength(content: string | Uint8Array, options?: unknown): number {
    if (typeof content !== "string") return content.byteLength;
    const enc = typeof options === "string" ? options : (options as { encoding?: string } | undefined)?.encoding;
    return enc === "binary" || enc === "latin1" ? content.length : Buffer.byteLength(content);
  }
  private fixTime(st: FsStat): FsStat {
    const now = this.world.now();
    // Directories and links made by the in-memory filesystem carry the real clock; show the World's instead.
    if (!st.isFile && st.mtime.getTime() > now.getTime()) return { ...st, mtime: now };
    return st;
  }

  private readGuard(p: string, syscall: string): void {
    if (UNREADABLE.has(p)) throw fsError("EACCES", syscall, p);
  }

  /** Endless devices read as "more than a command may print", so `cat /dev/zero` meets the output limit. */
  private device(p: string): Uint8Array | null {
    if (p === "/dev/zero") return new Uint8Array(this.deviceBytes);
    if (p === "/dev/urandom" || p === "/dev/random") {
      const out = new Uint8Array(this.deviceBytes);
      let x = 0x9e3779b9;
      for (let i = 0; i < out.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = x & 0xff;
      }
      return out;
    }
    return null;
  }

  async readFile(path: string, options?: Parameters<IFileSystem["readFile"]>[1]): Promise<string> {
    const p = this.norm(path);
    this.readGuard(p, "open");
    const dev = this.device(p);
    if (dev) return Buffer.from(dev).toString("latin1");
    if (await this.inSystemOnly(p)) return this.system.readFile(p, options);
    const stored = await this.audited.readFileBuffer(p);
    if (!bufferHasToken(stored)) return this.audited.inner.readFile(p, options);
    const enc = typeof options === "string" ? options : options?.encoding;
    return Buffer.from(this.readable(stored, p)).toString(enc === "binary" || enc === "latin1" ? "latin1" : "utf8");
  }
  async readFileBuffer(path: string): Promise<Uint8Array> {
    const p = this.norm(path);
    this.readGuard(p, "open");
    const dev = this.device(p);
    if (dev) return dev;
    if (await this.inSystemOnly(p)) return this.system.readFileBuffer(p);
    return this.readable(await this.audited.readFileBuffer(p), p);
  }
  async readFileBytes(path: string) {
    const p = this.norm(path);
    this.readGuard(p, "open");
    const dev = this.device(p);
    if (dev) return unsafeBytesFromLatin1(Buffer.from(dev).toString("latin1"));
    if (await this.inSystemOnly(p)) return this.system.readFileBytes(p);
    const stored = await this.audited.readFileBuffer(p);
    if (!bufferHasToken(stored)) return this.audited.readFileBytes(p);
    return unsafeBytesFromLatin1(Buffer.from(this.readable(stored, p)).toString("latin1"));
  }

  async writeFile(
    path: string,
    content: Parameters<IFileSystem["writeFile"]>[1],
    options?: Parameters<IFileSystem["writeFile"]>[2],
  ): Promise<void> {
    const p = this.norm(path);
    if (p.startsWith("/dev/")) return; // /dev/null and friends swallow writes
    await this.refuseSystemWrite(p, "open");
    await this.parentMustExist(p, "open");
    this.charge(this.byteLength(content, options), p);
    const bytes = this.asBytes(content, options);
    if (bytes === null) {
      await this.audited.writeFile(p, content, options);
      return this.noteAllocation(p);
    }
    const fit = await this.fitted(p, bytes, "");
    await this.audited.writeFile(p, Buffer.from(fit.bytes, "latin1"));
    await this.noteAllocation(p);
    if (fit.full) throw fsError("ENOSPC", "write", p);
  }
  /** A write's content as a byte string when it may be large or carry a rope; null for ordinary small text. */
  private asBytes(content: Parameters<IFileSystem["writeFile"]>[1], options?: unknown): string | null {
    if (this.disks.length === 0) return null;
    if (typeof content === "string") {
      const enc = typeof options === "string" ? options : (options as { encoding?: string } | undefined)?.encoding;
      if (enc === "binary" || enc === "latin1") return content;
      return hasToken(content) || content.length >= 1 << 20 ? Buffer.from(content, "utf8").toString("latin1") : null;
    }
    return Buffer.from(content as Uint8Array).toString("latin1");
  }
  async appendFile(
    path: string,
    content: Parameters<IFileSystem["appendFile"]>[1],
    options?: Parameters<IFileSystem["appendFile"]>[2],
  ): Promise<void> {
    const p = this.norm(path);
    if (p.startsWith("/dev/")) return;
    await this.refuseSystemWrite(p, "open");
    await this.parentMustExist(p, "open");
    this.charge(this.byteLength(content, options), p);
    const bytes = this.asBytes(content, options);
    const existing = (await this.audited.inner.exists(p))
      ? Buffer.from(await this.audited.inner.readFileBuffer(p)).toString("latin1")
      : "";
    if (bytes === null || (!hasToken(bytes) && !hasToken(existing) && bytes.length < 1 << 20)) {
      await this.audited.appendFile(p, content, options);
      return this.noteAllocation(p);
    }
    const fit = await this.fitted(p, bytes, existing);
    if (fit.full) await this.audited.writeFile(p, Buffer.from(fit.bytes, "latin1"));
    else await this.audited.appendFile(p, Buffer.from(bytes, "latin1"));
    await this.noteAllocation(p);
    if (fit.full) throw fsError("ENOSPC", "write", p);
  }

  async exists(path: string): Promise<boolean> {
    const p = this.norm(path);
    return (await this.inWorld(p)) || (await this.system.exists(p));
  }

  async stat(path: string): Promise<FsStat> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) return this.system.stat(p);
    return this.fixTime(await this.audited.stat(p));
  }
  async lstat(path: string): Promise<FsStat> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) return this.system.lstat(p);
    return this.fixTime(await this.audited.lstat(p));
  }

  async mkdir(path: string, options?: Parameters<IFileSystem["mkdir"]>[1]): Promise<void> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) {
      if (options?.recursive) return;
      const err = new Error(`EEXIST: file already exists, mkdir '${p}'`) as Error & { code: string };
      err.code = "EEXIST";
      throw err;
    }
    if (isSystemPath(p)) throw fsError("EACCES", "mkdir", p);
    if (!options?.recursive) await this.parentMustExist(p, "mkdir");
    await this.audited.mkdir(p, options);
  }

  async readdir(path: string): Promise<string[]> {
    const p = this.norm(path);
    this.readGuard(p, "scandir");
    const world = (await this.inWorld(p)) ? await this.audited.readdir(p) : null;
    const system = (await this.system.exists(p)) ? await this.system.readdir(p).catch(() => null) : null;
    if (!world && !system) return this.audited.readdir(p); // throws the usual ENOENT/ENOTDIR
    return [...new Set([...(world ?? []), ...(system ?? [])])].sort();
  }
  async readdirWithFileTypes(path: string): Promise<DirentEntry[]> {
    const p = this.norm(path);
    this.readGuard(p, "scandir");
    const world = (await this.inWorld(p)) ? await this.audited.readdirWithFileTypes(p) : null;
    const system = (await this.system.exists(p)) ? await this.system.readdirWithFileTypes(p).catch(() => null) : null;
    if (!world && !system) return this.audited.readdirWithFileTypes(p);
    const byName = new Map<string, DirentEntry>();
    for (const e of system ?? []) byName.set(e.name, e);
    for (const e of world ?? []) byName.set(e.name, e);
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async rm(path: string, options?: Parameters<IFileSystem["rm"]>[1]): Promise<void> {
    const p = this.norm(path);
    await this.refuseSystemWrite(p, "unlink");
    this.forgetAllocations();
    await this.audited.rm(p, options);
  }
  async cp(src: string, dest: string, options?: Parameters<IFileSystem["cp"]>[2]): Promise<void> {
    const s = this.norm(src);
    const d = this.norm(dest);
    this.readGuard(s, "open");
    await this.refuseSystemWrite(d, "open");
    await this.parentMustExist(d, "open");
    if (await this.inSystemOnly(s)) {
      const st = await this.system.stat(s);
      if (!st.isFile) throw fsError("EACCES", "open", s);
      const content = await this.system.readFileBuffer(s);
      this.charge(content.byteLength, d);
      await this.audited.writeFile(d, content);
      return;
    }
    this.charge(await this.treeBytes(s), d);
    const st = await this.audited.inner.stat(s);
    if (st.isFile && this.disks.length) {
      const stored = Buffer.from(await this.audited.inner.readFileBuffer(s)).toString("latin1");
      const target = (await this.audited.inner.stat(d).catch(() => null))?.isDirectory
        ? `${d}/${s.slice(s.lastIndexOf("/") + 1)}`
        : d;
      const fit = await this.fitted(target, stored, "");
      if (fit.full) {
        await this.audited.writeFile(target, Buffer.from(fit.bytes, "latin1"));
        this.forgetAllocations();
        throw fsError("ENOSPC", "write", target);
      }
    }
    this.forgetAllocations();
    await this.audited.cp(s, d, options);
  }
  private async treeBytes(p: string): Promise<number> {
    const st = await this.audited.inner.stat(p);
    if (st.isFile) return st.size;
    let total = 0;
    const prefix = p.endsWith("/") ? p : `${p}/`;
    for (const q of this.audited.inner.getAllPaths()) {
      if (!q.startsWith(prefix)) continue;
      const s = await this.audited.inner.lstat(q);
      if (s.isFile) total += s.size;
    }
    return total;
  }
  async mv(src: string, dest: string): Promise<void> {
    const s = this.norm(src);
    const d = this.norm(dest);
    await this.refuseSystemWrite(s, "rename");
    await this.refuseSystemWrite(d, "rename");
    await this.parentMustExist(d, "rename");
    this.forgetAllocations();
    await this.audited.mv(s, d);
  }
  resolvePath(base: string, path: string): string {
    return this.audited.resolvePath(base, path);
  }
  getAllPaths(): string[] {
    return [...new Set([...this.audited.getAllPaths(), ...this.system.getAllPaths()])];
  }
  async chmod(path: string, mode: number): Promise<void> {
    const p = this.norm(path);
    if (isSystemPath(p) || (await this.inSystemOnly(p))) throw fsError("EPERM", "chmod", p);
    await this.audited.chmod(p, mode);
  }
  async symlink(target: string, linkPath: string): Promise<void> {
    const p = this.norm(linkPath);
    await this.refuseSystemWrite(p, "symlink");
    await this.parentMustExist(p, "symlink");
    await this.audited.symlink(target, p);
  }
  async link(existingPath: string, newPath: string): Promise<void> {
    const s = this.norm(existingPath);
    const p = this.norm(newPath);
    await this.refuseSystemWrite(p, "link");
    if (await this.inSystemOnly(s)) throw fsError("EPERM", "link", p);
    await this.audited.link(s, p);
  }
  async readlink(path: string): Promise<string> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) return this.system.readlink(p);
    return this.audited.readlink(p);
  }
  async realpath(path: string): Promise<string> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) return this.system.realpath(p);
    return this.audited.realpath(p);
  }
  async utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    const p = this.norm(path);
    if (isSystemPath(p) || (await this.inSystemOnly(p))) throw fsError("EPERM", "utime", p);
    // "now" from the real clock (e.g. a bundled command's default) becomes the World's now
    const real = Date.now();
    const now = this.world.now();
    const fix = (d: Date) => (Math.abs(d.getTime() - real) < 60_000 ? now : d);
    await this.audited.utimes(p, fix(atime), fix(mtime));
  }
}
