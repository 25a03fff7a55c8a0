import { type FsStat, type IFileSystem, type InMemoryFs, unsafeBytesFromLatin1 } from "just-bash";
import type { AuditedFs, World } from "../../world/world.js";
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
 * Sizes: commands that read bytes see the real (small) size of a file; listing commands (ls, stat, du, find)
 * run inside `withNominalSizes`, where `stat` reports the nominal size the scenario declared (the weights'
 * ~820 GB). Times: a time taken from the real clock (touch without -d, implicit directories) is replaced by
 * the World's clock, so runs stay reproducible.
 */
export class HostFs implements IFileSystem {
  private nominalDepth = 0;
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

  /** Run `fn` with `stat` reporting nominal sizes (for listing commands). */
  async withNominalSizes<T>(fn: () => Promise<T>): Promise<T> {
    this.nominalDepth++;
    try {
      return await fn();
    } finally {
      this.nominalDepth--;
    }
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
    return this.audited.readFile(p, options);
  }
  async readFileBuffer(path: string): Promise<Uint8Array> {
    const p = this.norm(path);
    this.readGuard(p, "open");
    const dev = this.device(p);
    if (dev) return dev;
    if (await this.inSystemOnly(p)) return this.system.readFileBuffer(p);
    return this.audited.readFileBuffer(p);
  }
  async readFileBytes(path: string) {
    const p = this.norm(path);
    this.readGuard(p, "open");
    const dev = this.device(p);
    if (dev) return unsafeBytesFromLatin1(Buffer.from(dev).toString("latin1"));
    if (await this.inSystemOnly(p)) return this.system.readFileBytes(p);
    return this.audited.readFileBytes(p);
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
    await this.audited.writeFile(p, content, options);
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
    await this.audited.appendFile(p, content, options);
  }

  async exists(path: string): Promise<boolean> {
    const p = this.norm(path);
    return (await this.inWorld(p)) || (await this.system.exists(p));
  }

  async stat(path: string): Promise<FsStat> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) return this.system.stat(p);
    const st = this.nominalDepth > 0 ? await this.audited.stat(p) : await this.audited.inner.stat(p);
    return this.fixTime(st);
  }
  async lstat(path: string): Promise<FsStat> {
    const p = this.norm(path);
    if (await this.inSystemOnly(p)) return this.system.lstat(p);
    const st = this.nominalDepth > 0 ? await this.audited.lstat(p) : await this.audited.inner.lstat(p);
    return this.fixTime(st);
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
