import { type FsStat, type IFileSystem, unsafeBytesFromLatin1 } from "just-bash";
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
import type { Credentials, HostAccounts } from "./accounts.js";
import { allocated, type Disk, diskOf } from "./disks.js";
import { redirectError, typedWord } from "./interpreter.js";
import {
  allowed,
  EXECUTE,
  type Inode,
  isOwnerOrRoot,
  mayChangeEntries,
  mayRemove,
  READ,
  WRITE,
} from "./permissions.js";
import { BaseImage, type BaseKind, type BaseNode, isKernelPath } from "./system-files.js";

type DirentEntry = Awaited<ReturnType<NonNullable<IFileSystem["readdirWithFileTypes"]>>>[number];

type ErrorCode =
  | "EACCES"
  | "ENOENT"
  | "ENOSPC"
  | "EPERM"
  | "EISDIR"
  | "ENOTDIR"
  | "EEXIST"
  | "ENOTEMPTY"
  | "ELOOP"
  | "EFBIG";

/** Node's wording of each error, which just-bash's commands recognise. */
const NODE_TEXT: Record<ErrorCode, string> = {
  EACCES: "permission denied",
  ENOENT: "no such file or directory",
  ENOSPC: "no space left on device",
  EPERM: "operation not permitted",
  EISDIR: "illegal operation on a directory",
  ENOTDIR: "not a directory",
  EEXIST: "file already exists",
  ENOTEMPTY: "directory not empty",
  ELOOP: "too many symbolic links encountered",
  EFBIG: "file too large",
};

/** strerror(3) of each error, as GNU tools print them. */
export const ERROR_TEXT: Record<string, string> = {
  EACCES: "Permission denied",
  ENOENT: "No such file or directory",
  ENOSPC: "No space left on device",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EEXIST: "File exists",
  EFBIG: "File too large",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  EROFS: "Read-only file system",
};

/** The errno name of a filesystem error (Node-shaped or ours), or null. */
export function errorCode(e: unknown): string | null {
  if (e && typeof e === "object" && "code" in e && typeof (e as { code: unknown }).code === "string")
    return (e as { code: string }).code;
  const msg = e instanceof Error ? e.message : String(e);
  const m = msg.match(/^(E[A-Z]+)\b/);
  return m ? (m[1] as string) : null;
}

/** strerror of a filesystem error; "No such file or directory" when it is not one. */
export function errorText(e: unknown): string {
  const code = errorCode(e);
  return (code && ERROR_TEXT[code]) ?? "No such file or directory";
}

/**
 * A filesystem error that escaped a command line as bash prints it: "bash: /etc/passwd: Permission denied". Null
 * when `e` is not a filesystem error.
 */
export function describeFsFailure(e: unknown): string | null {
  const msg = e instanceof Error ? e.message : String(e);
  const m = msg.match(/^(E[A-Z]+): [^,]*, \w+ '(.*)'$/s);
  if (!m) return null;
  return `bash: ${m[2]}: ${ERROR_TEXT[m[1] as string] ?? (m[1] as string)}`;
}

export function fsError(code: ErrorCode, syscall: string, path: string): Error {
  const err = new Error(`${code}: ${NODE_TEXT[code]}, ${syscall} '${path}'`) as Error & {
    code: string;
    path: string;
    syscall: string;
  };
  err.code = code;
  err.path = path;
  err.syscall = syscall;
  return err;
}

/** Writes a single host may take in one trial before the disk is "full" (keeps a runaway loop from eating memory). */
export const DEFAULT_WRITE_BUDGET_BYTES = 256 * 1024 * 1024;

/** What `ls -l` and `stat` show of one path. */
export interface FileInfo extends Inode {
  path: string;
  owner: string;
  group: string;
  size: number;
  mtime: Date;
  nlink: number;
  device?: [number, number];
  target?: string;
  layer: "world" | "base";
}

interface Located {
  layer: "world" | "base";
  inode: Inode;
  node?: BaseNode;
  st?: FsStat;
}

/**
 * What every user's view of one host shares: its disks, and the bytes each World file occupies on them (derived
 * from the World on first use and kept up to date by the writes; a view of the World's state, rebuilt whenever
 * it is unsure, never a source of truth). The bytes written in the trial are counted in the World's vars.
 */
export interface HostShared {
  disks: Disk[];
  allocation: Map<string, number> | null;
  /** Sum of `allocation` per mount point (kept with it, so a write costs no pass over every file). */
  usedByMount?: Map<string, number>;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}
function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}
function encodingOf(options: unknown): string | undefined {
  if (typeof options === "string") return options;
  if (options && typeof options === "object" && "encoding" in options)
    return ((options as { encoding?: string | null }).encoding ?? undefined) as string | undefined;
  return undefined;
}

const DEVICES = new Set(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]);

/**
 * One host's filesystem as one user sees it: the World's audited filesystem (every file the scenario put there,
 * every change logged with its cause) over the host's fixed base image (Debian's files, `system-files.ts`), with
 * Unix permissions enforced for the user: search permission on every directory of a path, read, write, the
 * sticky bit, and the append-only and immutable attributes (which bind root too). A change to a base-image file
 * copies it into the World first; a removal is recorded in the World. Errors are Node's, so just-bash's commands
 * print the usual "Permission denied".
 *
 * Content: files hold ropes (src/world/content.ts), and reads return the rope's string form, so redirects,
 * pipes, ssh and the byte-level tools carry content whole. Commands that read text and know nothing of ropes
 * (grep, sed, awk, … — see commands/text-filters.ts) run inside `asRealBytes`, where reads give real bytes up
 * to MATERIALIZE_MAX; a larger file is refused with EFBIG and noted, so the wrapper can end the command as one
 * that ran past its time. `stat` always reports the content's true size.
 *
 * Disk: every write is checked against the host's disks (disks.ts) with the true size of every file; a write
 * that does not fit writes what fits and fails with ENOSPC, as on a full disk. Separately, the real bytes one
 * host may take in a trial are capped (writeBudget, counted in the World's vars) so a runaway loop cannot eat
 * memory.
 *
 * Times: a time taken from the real clock is replaced by the World's clock, so runs stay reproducible.
 */
export class HostFs implements IFileSystem {
  private realDepth = 0;
  /** Set when a read inside `asRealBytes` met content too large to read within a command line's time. */
  private tooLarge = false;
  /** Redirect targets of the scripts run lately, as typed (for bash's message when one cannot be opened). */
  readonly redirectWords = new Set<string>();
  /** Bytes written to this host in the trial (kept in the World, so it survives a state export). */
  private readonly written: { bytes: number };

  constructor(
    readonly world: World,
    readonly audited: AuditedFs,
    readonly base: BaseImage,
    readonly accounts: HostAccounts,
    readonly cred: Credentials,
    private readonly shared: HostShared = { disks: [], allocation: null },
    readonly writeBudget = DEFAULT_WRITE_BUDGET_BYTES,
    /** Bytes an endless device (/dev/zero, /dev/urandom) yields: one more than a command may print. */
    readonly deviceBytes = 8 * 1024 * 1024 + 1,
  ) {
    this.written = world.varOf(`shell.written.${audited.hostName}`, () => ({ bytes: 0 }));
  }

  /** The same host as another user sees it (sudo, su). */
  as(cred: Credentials): HostFs {
    return new HostFs(
      this.world,
      this.audited,
      this.base,
      this.accounts,
      cred,
      this.shared,
      this.writeBudget,
      this.deviceBytes,
    );
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
  get disks(): Disk[] {
    return this.shared.disks;
  }

  // --- disk space (true sizes)

  private async allocations(): Promise<Map<string, number>> {
    if (this.shared.allocation) return this.shared.allocation;
    const map = new Map<string, number>();
    const totals = new Map<string, number>();
    for (const p of this.audited.getAllPaths()) {
      const st = await this.audited.inner.lstat(p).catch(() => null);
      if (!st?.isFile) continue;
      const n = allocated(storedLength(await this.audited.inner.readFileBuffer(p)));
      map.set(p, n);
      const mount = this.mountOf(p);
      totals.set(mount, (totals.get(mount) ?? 0) + n);
    }
    this.shared.allocation = map;
    this.shared.usedByMount = totals;
    return map;
  }
  private mountOf(path: string): string {
    return this.disks.length ? diskOf(this.disks, path).mount : "/";
  }
  /** Forget the derived sizes (after changes this host cannot follow one by one: rm -r, mv, cp). */
  private forgetAllocations(): void {
    this.shared.allocation = null;
  }
  private async noteAllocation(path: string): Promise<void> {
    const allocation = this.shared.allocation;
    if (!allocation) return;
    const st = await this.audited.inner.lstat(path).catch(() => null);
    if (!st?.isFile) return this.forgetAllocations();
    const n = allocated(storedLength(await this.audited.inner.readFileBuffer(path)));
    const totals = this.shared.usedByMount;
    if (totals) {
      const mount = this.mountOf(path);
      totals.set(mount, (totals.get(mount) ?? 0) + n - (allocation.get(path) ?? 0));
    }
    allocation.set(path, n);
  }

  /** Bytes used on `disk` by the World's files (true sizes), except `skip`. */
  async usedOn(disk: Disk, skip: string | null = null): Promise<number> {
    const allocation = await this.allocations();
    const total = this.shared.usedByMount?.get(disk.mount) ?? 0;
    const own = skip !== null && this.mountOf(skip) === disk.mount ? (allocation.get(skip) ?? 0) : 0;
    return disk.base + total - own;
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
  private contentFor(stored: Uint8Array, p: string): Uint8Array {
    if (this.realDepth === 0 || !bufferHasToken(stored)) return stored;
    const rope = decodeBuffer(stored);
    if (ropeLength(rope) > MATERIALIZE_MAX) {
      this.tooLarge = true;
      throw fsError("EFBIG", "read", p);
    }
    return materialize(rope);
  }

  // --- where a path lives, and what it is

  private norm(path: string): string {
    return this.audited.resolvePath("/", path);
  }
  private get inner() {
    return this.audited.inner;
  }

  private async worldLstat(p: string): Promise<FsStat | null> {
    try {
      return await this.inner.lstat(p);
    } catch {
      return null;
    }
  }

  private uidOf(name: string): number {
    return this.accounts.user(name)?.uid ?? 65534;
  }
  private gidOf(name: string): number {
    return this.accounts.group(name)?.gid ?? 65534;
  }

  /** The path's entry in the World, or in the base image (unless removed there), without following it. */
  private async locate(p: string): Promise<Located | null> {
    const st = await this.worldLstat(p);
    if (st) {
      const meta = this.audited.metaOf(p);
      const owner = meta?.owner ?? this.accounts.defaultOwner(p);
      const group = meta?.group ?? this.accounts.defaultGroup(p, owner);
      const kind = st.isSymbolicLink ? "link" : st.isDirectory ? "dir" : "file";
      return {
        layer: "world",
        st,
        inode: {
          kind,
          mode: kind === "link" ? 0o777 : st.mode & 0o7777,
          uid: this.uidOf(owner),
          gid: this.gidOf(group),
          appendOnly: meta?.appendOnly === true,
          immutable: meta?.immutable === true,
        },
      };
    }
    if (this.audited.isMasked(p)) return null;
    const node = this.base.get(p);
    if (!node) return null;
    return {
      layer: "base",
      node,
      inode: {
        kind: node.kind,
        mode: node.mode,
        uid: this.uidOf(node.owner),
        gid: this.gidOf(node.group),
        appendOnly: false,
        immutable: false,
      },
    };
  }

  private async linkTarget(p: string, at: Located): Promise<string> {
    if (at.layer === "base") return at.node?.target ?? "";
    return this.inner.readlink(p);
  }

  /**
   * The canonical path of `path` (no symbolic link in it, the last one too when `followLast`), checking search
   * permission on every directory on the way, as path lookup does.
   */
  private async resolve(path: string, followLast: boolean, syscall: string): Promise<string> {
    let pending = this.norm(path).split("/").filter(Boolean);
    let cur = "/";
    let hops = 0;
    while (pending.length > 0) {
      const here = await this.locate(cur);
      if (!here) throw fsError("ENOENT", syscall, this.norm(path));
      if (here.inode.kind !== "dir") throw fsError("ENOTDIR", syscall, this.norm(path));
      if (!allowed(this.cred, here.inode, EXECUTE)) throw fsError("EACCES", syscall, this.norm(path));
      const part = pending.shift() as string;
      if (part === ".") continue;
      if (part === "..") {
        cur = parentOf(cur);
        continue;
      }
      const next = joinPath(cur, part);
      if (pending.length === 0 && !followLast) return next;
      const at = await this.locate(next);
      if (at?.inode.kind === "link") {
        if (++hops > 40) throw fsError("ELOOP", syscall, this.norm(path));
        const target = await this.linkTarget(next, at);
        const parts = target.split("/").filter(Boolean);
        pending = [...parts, ...pending];
        if (target.startsWith("/")) cur = "/";
        continue;
      }
      cur = next;
    }
    return cur;
  }

  private async locateOrThrow(p: string, syscall: string): Promise<Located> {
    const at = await this.locate(p);
    if (!at) throw fsError("ENOENT", syscall, p);
    return at;
  }

  /** Which layer a path lives in: the World's files, the base image, or neither (no permission needed). */
  async layerOf(path: string): Promise<"world" | "system" | null> {
    try {
      const p = await this.resolve(path, true, "stat");
      const at = await this.locate(p);
      return at ? (at.layer === "world" ? "world" : "system") : null;
    } catch {
      return null;
    }
  }

  /** Why this user cannot open `path` for reading (strerror), or null when it can or the path does not exist. */
  async readFailure(path: string): Promise<string | null> {
    try {
      const p = await this.resolve(path, true, "open");
      const at = await this.locate(p);
      if (!at) return null;
      return allowed(this.cred, at.inode, READ) ? null : (ERROR_TEXT.EACCES ?? null);
    } catch (e) {
      const code = errorCode(e);
      return code && code !== "ENOENT" ? (ERROR_TEXT[code] ?? null) : null;
    }
  }

  /** Whether this user could read/write/execute `path` (test -r, access(2)). */
  async access(path: string, want: number): Promise<boolean> {
    try {
      const p = await this.resolve(path, true, "access");
      const at = await this.locate(p);
      return at !== null && allowed(this.cred, at.inode, want);
    } catch {
      return false;
    }
  }

  /** What `ls -l`/`stat` show of a path (following the last link when `follow`). */
  async info(path: string, follow: boolean): Promise<FileInfo> {
    const p = await this.resolve(path, follow, follow ? "stat" : "lstat");
    const at = await this.locateOrThrow(p, follow ? "stat" : "lstat");
    const owner = this.accounts.userById(at.inode.uid)?.name ?? String(at.inode.uid);
    const group = this.accounts.groupById(at.inode.gid)?.name ?? String(at.inode.gid);
    let size: number;
    let mtime: Date;
    if (at.layer === "world") {
      // the content's true size (a rope's length), not the bytes that stand for it
      const st = at.inode.kind === "file" ? await this.audited.lstat(p) : (at.st as FsStat);
      size = at.inode.kind === "dir" ? 4096 : st.size;
      mtime = this.fixTime(st).mtime;
    } else {
      const node = at.node as BaseNode;
      size = BaseImage.sizeOf(node);
      mtime = node.mtime;
    }
    let nlink = 1;
    if (at.inode.kind === "dir") {
      const names = await this.listNames(p).catch(() => [] as string[]);
      let subdirs = 0;
      for (const n of names) if ((await this.locate(joinPath(p, n)))?.inode.kind === "dir") subdirs++;
      nlink = 2 + subdirs;
    }
    return {
      ...at.inode,
      path: p,
      owner,
      group,
      size,
      mtime,
      nlink,
      layer: at.layer,
      ...(at.node?.device ? { device: at.node.device } : {}),
      ...(at.inode.kind === "link" ? { target: await this.linkTarget(p, at) } : {}),
    };
  }

  private fixTime(st: FsStat): FsStat {
    const now = this.world.now();
    // Directories and links made by the in-memory filesystem carry the real clock; show the World's instead.
    if (!st.isFile && st.mtime.getTime() > now.getTime()) return { ...st, mtime: now };
    return st;
  }

  private toStat(at: Located, p: string): Promise<FsStat> | FsStat {
    if (at.layer === "world") {
      if (at.inode.kind === "file") return this.audited.lstat(p).then((st) => this.fixTime(st));
      return this.fixTime(at.st as FsStat);
    }
    const node = at.node as BaseNode;
    return {
      isFile: node.kind === "file" || node.kind === "char" || node.kind === "block" || node.kind === "socket",
      isDirectory: node.kind === "dir",
      isSymbolicLink: node.kind === "link",
      mode: node.mode,
      size: BaseImage.sizeOf(node),
      mtime: node.mtime,
    };
  }

  // --- checks

  private require(at: Located, want: number, syscall: string, p: string): void {
    if (!allowed(this.cred, at.inode, want)) throw fsError("EACCES", syscall, p);
  }

  /** Parent of a path that is to get a new entry: exists, is a directory, may be changed by this user. */
  private async parentForNewEntry(p: string, syscall: string): Promise<Located> {
    const dir = await this.locate(parentOf(p));
    if (!dir) throw fsError("ENOENT", syscall, p);
    if (dir.inode.kind !== "dir") throw fsError("ENOTDIR", syscall, p);
    const denial = mayChangeEntries(this.cred, dir.inode, false);
    if (denial) throw fsError(denial, syscall, p);
    if (isKernelPath(p)) throw fsError("EACCES", syscall, p);
    return dir;
  }

  private async checkRemoval(p: string, victim: Located, syscall: string): Promise<void> {
    const dir = await this.locateOrThrow(parentOf(p), syscall);
    const denial = mayRemove(this.cred, dir.inode, victim.inode);
    if (denial) throw fsError(denial, syscall, p);
    if (
      isKernelPath(p) ||
      (victim.layer === "base" &&
        victim.node?.kind !== "file" &&
        victim.node?.kind !== "dir" &&
        victim.node?.kind !== "link")
    )
      throw fsError("EPERM", syscall, p);
  }

  // --- copying base-image entries into the World before they change

  /** Make sure directory `p` exists in the World (copying it and its parents from the base image). */
  private async worldDir(p: string): Promise<void> {
    if (await this.worldLstat(p)) return;
    if (p !== "/") await this.worldDir(parentOf(p));
    const node = this.audited.isMasked(p) ? undefined : this.base.get(p);
    this.inner.mkdirSync(p, { recursive: true });
    if (node) {
      await this.inner.chmod(p, node.mode);
      this.audited.setMetaQuietly(p, { owner: node.owner, group: node.group });
      await this.inner.utimes(p, node.mtime, node.mtime);
    }
  }

  /** Copy a base-image file (or link) into the World, unchanged, so that it can be changed there. */
  private async copyUp(p: string, at: Located): Promise<void> {
    if (at.layer === "world") return;
    const node = at.node as BaseNode;
    await this.worldDir(parentOf(p));
    if (node.kind === "dir") {
      await this.worldDir(p);
      return;
    }
    if (node.kind === "link") {
      await this.inner.symlink(node.target ?? "", p);
    } else if (node.kind === "file") {
      this.inner.writeFileSync(p, BaseImage.contentOf(node), undefined, { mode: node.mode, mtime: node.mtime });
    } else {
      throw fsError("EPERM", "open", p);
    }
    this.audited.setMetaQuietly(p, { owner: node.owner, group: node.group });
  }

  /** The owner and group a new entry in `dir` gets: the user's, or the directory's group when it is setgid. */
  private newOwnership(dir: Located): { owner: string; group: string } {
    const owner = this.cred.user;
    const group =
      (dir.inode.mode & 0o2000) !== 0
        ? (this.accounts.groupById(dir.inode.gid)?.name ?? "root")
        : (this.accounts.groupById(this.cred.gid)?.name ?? owner);
    return { owner, group };
  }

  private charge(bytes: number, path: string): void {
    this.written.bytes += bytes;
    if (this.written.bytes > this.writeBudget) throw fsError("ENOSPC", "write", path);
  }
  private byteLength(content: string | Uint8Array, options?: unknown): number {
    if (typeof content !== "string") return content.byteLength;
    const enc = encodingOf(options);
    return enc === "binary" || enc === "latin1" ? content.length : Buffer.byteLength(content);
  }

  /** Endless devices read as "more than a command may print", so `cat /dev/zero` meets the output limit. */
  private device(p: string): Uint8Array | null {
    if (p === "/dev/null" || p === "/dev/full") return new Uint8Array(0);
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

  // --- reading

  /** The bytes of a readable file (checked), and whether they came from the World. */
  private async readable(path: string): Promise<{ p: string; at: Located }> {
    const p = await this.resolve(path, true, "open");
    const at = await this.locateOrThrow(p, "open");
    this.require(at, READ, "open", p);
    if (at.inode.kind === "dir") throw fsError("EISDIR", "read", p);
    return { p, at };
  }

  private async bytesOf(path: string): Promise<{ bytes: Uint8Array | null; p: string; at: Located }> {
    const { p, at } = await this.readable(path);
    const dev = this.device(p);
    if (dev) return { bytes: dev, p, at };
    if (at.layer === "base") {
      const node = at.node as BaseNode;
      if (node.kind === "socket") throw fsError("ENOENT", "open", p);
      if (node.kind === "char" || node.kind === "block") throw fsError("EACCES", "open", p);
      return { bytes: BaseImage.contentOf(node), p, at };
    }
    return { bytes: null, p, at };
  }

  async readFile(path: string, options?: Parameters<IFileSystem["readFile"]>[1]): Promise<string> {
    const { bytes, p } = await this.bytesOf(path);
    const enc = encodingOf(options);
    if (bytes) return Buffer.from(bytes).toString((enc === "binary" ? "latin1" : (enc ?? "utf8")) as BufferEncoding);
    const stored = await this.audited.readFileBuffer(p);
    if (!bufferHasToken(stored)) return this.inner.readFile(p, options);
    return Buffer.from(this.contentFor(stored, p)).toString(enc === "binary" || enc === "latin1" ? "latin1" : "utf8");
  }
  async readFileBuffer(path: string): Promise<Uint8Array> {
    const { bytes, p } = await this.bytesOf(path);
    if (bytes) return bytes;
    return this.contentFor(await this.audited.readFileBuffer(p), p);
  }
  async readFileBytes(path: string) {
    const { bytes, p } = await this.bytesOf(path);
    if (bytes) return unsafeBytesFromLatin1(Buffer.from(bytes).toString("latin1"));
    const stored = await this.audited.readFileBuffer(p);
    if (!bufferHasToken(stored)) return this.audited.readFileBytes(p);
    return unsafeBytesFromLatin1(Buffer.from(this.contentFor(stored, p)).toString("latin1"));
  }

  async exists(path: string): Promise<boolean> {
    try {
      const p = await this.resolve(path, true, "access");
      return (await this.locate(p)) !== null;
    } catch {
      return false;
    }
  }

  async stat(path: string): Promise<FsStat> {
    const p = await this.resolve(path, true, "stat");
    return this.toStat(await this.locateOrThrow(p, "stat"), p);
  }
  async lstat(path: string): Promise<FsStat> {
    const p = await this.resolve(path, false, "lstat");
    return this.toStat(await this.locateOrThrow(p, "lstat"), p);
  }

  /** Names in a directory of both layers (no permission check: callers check). */
  private async listNames(p: string): Promise<string[]> {
    const names = new Set<string>();
    if ((await this.worldLstat(p))?.isDirectory) for (const n of await this.inner.readdir(p)) names.add(n);
    if (!this.audited.isMasked(p))
      for (const n of this.base.children(p)) if (!this.audited.isMasked(joinPath(p, n))) names.add(n);
    return [...names].sort();
  }

  private async openDir(path: string): Promise<string> {
    const p = await this.resolve(path, true, "scandir");
    const at = await this.locateOrThrow(p, "scandir");
    if (at.inode.kind !== "dir") throw fsError("ENOTDIR", "scandir", p);
    this.require(at, READ, "scandir", p);
    if (at.layer === "world") await this.audited.readdir(p); // logs the listing as a read
    return p;
  }

  async readdir(path: string): Promise<string[]> {
    return this.listNames(await this.openDir(path));
  }
  async readdirWithFileTypes(path: string): Promise<DirentEntry[]> {
    const p = await this.openDir(path);
    const out: DirentEntry[] = [];
    for (const name of await this.listNames(p)) {
      const at = await this.locate(joinPath(p, name));
      if (!at) continue;
      const k = at.inode.kind;
      out.push({ name, isFile: k !== "dir" && k !== "link", isDirectory: k === "dir", isSymbolicLink: k === "link" });
    }
    return out;
  }

  async readlink(path: string): Promise<string> {
    const p = await this.resolve(path, false, "readlink");
    const at = await this.locateOrThrow(p, "readlink");
    if (at.inode.kind !== "link") {
      const err = fsError("ENOENT", "readlink", p) as Error & { code: string };
      err.code = "EINVAL";
      err.message = `EINVAL: invalid argument, readlink '${p}'`;
      throw err;
    }
    return this.linkTarget(p, at);
  }
  async realpath(path: string): Promise<string> {
    const p = await this.resolve(path, true, "realpath");
    await this.locateOrThrow(p, "realpath");
    return p;
  }

  // --- writing

  /** Open `path` for writing as open(2) with O_CREAT does: the file's w bit, or the directory's for a new one. */
  private async openForWrite(path: string, append: boolean): Promise<{ p: string; created: boolean } | null> {
    const p = await this.resolve(path, true, "open");
    if (DEVICES.has(p)) {
      const at = await this.locate(p);
      if (at) this.require(at, WRITE, "open", p);
      if (p === "/dev/full") throw fsError("ENOSPC", "write", p);
      return null; // /dev/null and friends swallow writes
    }
    const at = await this.locate(p);
    if (at) {
      if (at.inode.kind === "dir") throw fsError("EISDIR", "open", p);
      this.require(at, WRITE, "open", p);
      if (at.inode.immutable || (at.inode.appendOnly && !append)) throw fsError("EPERM", "open", p);
      if (isKernelPath(p)) throw fsError("EACCES", "open", p);
      if (at.layer === "base") {
        if (at.node?.kind !== "file") throw fsError("EACCES", "open", p);
        await this.copyUp(p, at);
      }
      return { p, created: false };
    }
    const dir = await this.parentForNewEntry(p, "open");
    await this.worldDir(parentOf(p));
    this.audited.unmask(p);
    const own = this.newOwnership(dir);
    this.audited.setMetaQuietly(p, own);
    return { p, created: true };
  }

  /**
   * The interpreter opens a redirect's target by writing nothing to it, in binary; when that fails, bash reports
   * the target and goes on with the next command.
   */
  private async openRedirect(path: string, append: boolean, content: unknown, options: unknown) {
    const probe = content === "" && encodingOf(options) === "binary";
    try {
      return await this.openForWrite(path, append);
    } catch (e) {
      if (!probe) throw e;
      const code = errorCode(e) ?? "EACCES";
      const word = typedWord(this.redirectWords, (e as { path?: string }).path ?? this.norm(path));
      throw redirectError(code, (e as Error).message, `bash: ${word}: ${ERROR_TEXT[code] ?? code}\n`);
    }
  }

  async writeFile(
    path: string,
    content: Parameters<IFileSystem["writeFile"]>[1],
    options?: Parameters<IFileSystem["writeFile"]>[2],
  ): Promise<void> {
    const target = await this.openRedirect(path, false, content, options);
    if (!target) return;
    try {
      this.charge(this.byteLength(content, options), target.p);
      const bytes = this.asBytes(content, options);
      if (bytes === null) {
        await this.audited.writeFile(target.p, content, options);
        await this.noteAllocation(target.p);
        return;
      }
      const fit = await this.fitted(target.p, bytes, "");
      await this.audited.writeFile(target.p, Buffer.from(fit.bytes, "latin1"));
      await this.noteAllocation(target.p);
      if (fit.full) throw fsError("ENOSPC", "write", target.p);
    } catch (e) {
      if (target.created && !(await this.worldLstat(target.p))) this.audited.setMetaQuietly(target.p, {});
      throw e;
    }
  }
  /** A write's content as a byte string when it may be large or carry a rope; null for ordinary small text. */
  private asBytes(content: Parameters<IFileSystem["writeFile"]>[1], options?: unknown): string | null {
    if (this.disks.length === 0) return null;
    if (typeof content === "string") {
      const enc = encodingOf(options);
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
    const target = await this.openRedirect(path, true, content, options);
    if (!target) return;
    const p = target.p;
    this.charge(this.byteLength(content, options), p);
    const bytes = this.asBytes(content, options);
    const existing = (await this.inner.exists(p))
      ? Buffer.from(await this.inner.readFileBuffer(p)).toString("latin1")
      : "";
    if (bytes === null || (!hasToken(bytes) && !hasToken(existing) && bytes.length < 1 << 20)) {
      await this.audited.appendFile(p, content, options);
      await this.noteAllocation(p);
      return;
    }
    const fit = await this.fitted(p, bytes, existing);
    if (fit.full) await this.audited.writeFile(p, Buffer.from(fit.bytes, "latin1"));
    else await this.audited.appendFile(p, Buffer.from(bytes, "latin1"));
    await this.noteAllocation(p);
    if (fit.full) throw fsError("ENOSPC", "write", p);
  }

  async mkdir(path: string, options?: Parameters<IFileSystem["mkdir"]>[1]): Promise<void> {
    const full = this.norm(path);
    if (options?.recursive) {
      // each missing directory from the top, as mkdir -p does
      const parts = full.split("/").filter(Boolean);
      let cur = "";
      for (const part of parts) {
        cur = `${cur}/${part}`;
        const p = await this.resolve(cur, true, "mkdir");
        const at = await this.locate(p);
        if (at) {
          if (at.inode.kind !== "dir") throw fsError("ENOTDIR", "mkdir", full);
          continue;
        }
        await this.makeDir(p);
      }
      return;
    }
    const p = await this.resolve(full, false, "mkdir");
    if (await this.locate(p)) throw fsError("EEXIST", "mkdir", p);
    await this.makeDir(p);
  }

  private async makeDir(p: string): Promise<void> {
    const dir = await this.parentForNewEntry(p, "mkdir");
    await this.worldDir(parentOf(p));
    this.audited.unmask(p);
    await this.audited.mkdir(p);
    const own = this.newOwnership(dir);
    this.audited.setMetaQuietly(p, own);
    if ((dir.inode.mode & 0o2000) !== 0) await this.inner.chmod(p, 0o2755);
  }

  /** Remove one entry (a file, a link, an empty directory), or a whole tree when recursive. */
  async rm(path: string, options?: Parameters<IFileSystem["rm"]>[1]): Promise<void> {
    const p = await this.resolve(path, false, "unlink");
    const at = await this.locate(p);
    if (!at) {
      if (options?.force) return;
      throw fsError("ENOENT", "unlink", p);
    }
    if (at.inode.kind === "dir") {
      const names = await this.listNames(p);
      if (names.length > 0) {
        if (!options?.recursive) throw fsError("ENOTEMPTY", "rmdir", p);
        this.require(at, READ | WRITE | EXECUTE, "rmdir", joinPath(p, names[0] as string));
        for (const n of names) await this.rm(joinPath(p, n), { ...options, recursive: true });
      }
      await this.checkRemoval(p, at, "rmdir");
    } else {
      await this.checkRemoval(p, at, "unlink");
    }
    this.forgetAllocations();
    if (await this.worldLstat(p)) await this.audited.rm(p, { recursive: true, force: true });
    if (this.base.has(p)) await this.audited.mask(p, at.layer === "base");
  }

  async cp(src: string, dest: string, options?: Parameters<IFileSystem["cp"]>[2]): Promise<void> {
    const s = await this.resolve(src, true, "open");
    const from = await this.locateOrThrow(s, "open");
    if (from.inode.kind === "dir") {
      if (!options?.recursive) throw fsError("EISDIR", "open", s);
      this.require(from, READ | EXECUTE, "scandir", s);
      const d = await this.resolve(dest, true, "mkdir");
      if (!(await this.locate(d))) await this.mkdir(d);
      for (const name of await this.listNames(s)) await this.cp(joinPath(s, name), joinPath(d, name), options);
      return;
    }
    this.require(from, READ, "open", s);
    const target = await this.openForWrite(dest, false);
    if (!target) return;
    if (from.layer === "base") {
      const content = await this.readFileBuffer(s);
      this.charge(content.byteLength, target.p);
      await this.audited.writeFile(target.p, content);
      this.forgetAllocations();
      return;
    }
    this.charge((await this.inner.stat(s)).size, target.p);
    if (this.disks.length) {
      // the copy takes the source's true size on the target's disk: what does not fit is not written
      const stored = Buffer.from(await this.inner.readFileBuffer(s)).toString("latin1");
      const fit = await this.fitted(target.p, stored, "");
      if (fit.full) {
        await this.audited.writeFile(target.p, Buffer.from(fit.bytes, "latin1"));
        this.forgetAllocations();
        throw fsError("ENOSPC", "write", target.p);
      }
    }
    this.forgetAllocations();
    await this.audited.cp(s, target.p);
  }

  async mv(src: string, dest: string): Promise<void> {
    const s = await this.resolve(src, false, "rename");
    const from = await this.locateOrThrow(s, "rename");
    await this.checkRemoval(s, from, "rename");
    const d = await this.resolve(dest, false, "rename");
    if (d === s) return;
    if (d.startsWith(`${s}/`)) {
      const err = fsError("EPERM", "rename", s) as Error & { code: string };
      err.code = "EINVAL";
      err.message = `EINVAL: invalid argument, rename '${s}' -> '${d}'`;
      throw err;
    }
    const there = await this.locate(d);
    if (there) {
      if (there.inode.kind === "dir" && from.inode.kind !== "dir") throw fsError("EISDIR", "rename", d);
      if (there.inode.kind !== "dir" && from.inode.kind === "dir") throw fsError("ENOTDIR", "rename", d);
      await this.checkRemoval(d, there, "rename");
      if (there.layer === "base") await this.audited.mask(d, false);
    } else {
      await this.parentForNewEntry(d, "rename");
    }
    if (from.layer === "base") await this.copyTreeUp(s);
    await this.worldDir(parentOf(d));
    this.audited.unmask(d);
    this.forgetAllocations();
    await this.audited.mv(s, d);
    for (const p of this.base.paths()) if (p === s || p.startsWith(`${s}/`)) await this.audited.mask(p, false);
  }

  /** Copy a base-image entry and everything under it into the World (before a rename). */
  private async copyTreeUp(p: string): Promise<void> {
    const at = await this.locate(p);
    if (!at || at.layer === "world") return;
    await this.copyUp(p, at);
    if (at.inode.kind === "dir") for (const n of this.base.children(p)) await this.copyTreeUp(joinPath(p, n));
  }

  resolvePath(base: string, path: string): string {
    return this.audited.resolvePath(base, path);
  }
  getAllPaths(): string[] {
    const out = new Set(this.audited.getAllPaths());
    for (const p of this.base.paths()) if (!this.audited.isMasked(p)) out.add(p);
    return [...out];
  }

  async chmod(path: string, mode: number): Promise<void> {
    const p = await this.resolve(path, true, "chmod");
    const at = await this.locateOrThrow(p, "chmod");
    if (!isOwnerOrRoot(this.cred, at.inode) || at.inode.immutable || isKernelPath(p))
      throw fsError("EPERM", "chmod", p);
    let bits = mode & 0o7777;
    // setgid is dropped when a non-member sets it on a file (as the kernel does)
    if (this.cred.uid !== 0 && at.inode.kind !== "dir" && !this.cred.groups.has(at.inode.gid)) bits &= ~0o2000;
    if (at.layer === "base") {
      if (at.node?.kind !== "file" && at.node?.kind !== "dir") throw fsError("EPERM", "chmod", p);
      await this.copyUp(p, at);
    }
    await this.audited.chmod(p, bits);
  }

  /** chown(2): only root changes the owner; the owner may give a file to a group they belong to. */
  async chown(path: string, owner: string | null, group: string | null, follow = true): Promise<void> {
    const p = await this.resolve(path, follow, "chown");
    const at = await this.locateOrThrow(p, "chown");
    const current = this.accounts.userById(at.inode.uid)?.name ?? "root";
    const currentGroup = this.accounts.groupById(at.inode.gid)?.name ?? "root";
    const newOwner = owner ?? current;
    const newGroup = group ?? currentGroup;
    if (this.cred.uid !== 0) {
      const gid = this.accounts.group(newGroup)?.gid ?? -1;
      const mayGive = at.inode.uid === this.cred.uid && newOwner === current && this.cred.groups.has(gid);
      if (!mayGive) throw fsError("EPERM", "chown", p);
    }
    if (at.inode.immutable || isKernelPath(p)) throw fsError("EPERM", "chown", p);
    if (at.layer === "base") {
      if (at.node?.kind !== "file" && at.node?.kind !== "dir" && at.node?.kind !== "link")
        throw fsError("EPERM", "chown", p);
      await this.copyUp(p, at);
    }
    await this.audited.chown(p, newOwner, newGroup);
    // a change of owner clears setuid/setgid on files, as chown(2) does
    if (at.inode.kind === "file" && (at.inode.mode & 0o6000) !== 0 && this.cred.uid !== 0)
      await this.inner.chmod(p, at.inode.mode & ~0o6000);
  }

  /** chattr: only root may set or clear +a and +i. */
  async setAttributes(path: string, attrs: { appendOnly?: boolean; immutable?: boolean }): Promise<void> {
    const p = await this.resolve(path, true, "ioctl");
    const at = await this.locateOrThrow(p, "ioctl");
    if (this.cred.uid !== 0) throw fsError("EPERM", "ioctl", p);
    if (at.layer === "base") await this.copyUp(p, at);
    await this.audited.setAttributes(p, attrs);
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    const p = await this.resolve(linkPath, false, "symlink");
    if (await this.locate(p)) throw fsError("EEXIST", "symlink", p);
    const dir = await this.parentForNewEntry(p, "symlink");
    await this.worldDir(parentOf(p));
    this.audited.unmask(p);
    await this.audited.symlink(target, p);
    this.audited.setMetaQuietly(p, this.newOwnership(dir));
  }
  async link(existingPath: string, newPath: string): Promise<void> {
    const s = await this.resolve(existingPath, false, "link");
    const from = await this.locateOrThrow(s, "link");
    if (from.inode.kind === "dir") throw fsError("EPERM", "link", s);
    // protected_hardlinks: only the owner (or one who may read and write it) links someone else's file
    if (this.cred.uid !== 0 && this.cred.uid !== from.inode.uid && !allowed(this.cred, from.inode, READ | WRITE))
      throw fsError("EPERM", "link", s);
    const p = await this.resolve(newPath, false, "link");
    if (await this.locate(p)) throw fsError("EEXIST", "link", p);
    await this.parentForNewEntry(p, "link");
    if (from.layer === "base") await this.copyUp(s, from);
    await this.worldDir(parentOf(p));
    await this.audited.link(s, p);
    const meta = this.audited.metaOf(s);
    this.audited.setMetaQuietly(p, { owner: meta?.owner, group: meta?.group });
  }

  /**
   * Set a path's times: to a given time only its owner (or root); to now also whoever may write it (utimensat).
   * "now" from the real clock becomes the World's now.
   */
  async utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    const real = Date.now();
    const toNow = Math.abs(mtime.getTime() - real) < 60_000;
    await this.setTimes(path, toNow ? null : mtime, toNow ? null : atime);
  }

  /** touch: `when` null means now (the World's clock). */
  async setTimes(path: string, when: Date | null, atime: Date | null = when): Promise<void> {
    const p = await this.resolve(path, true, "utime");
    const at = await this.locateOrThrow(p, "utime");
    if (when !== null && !isOwnerOrRoot(this.cred, at.inode)) throw fsError("EPERM", "utime", p);
    if (when === null && !isOwnerOrRoot(this.cred, at.inode) && !allowed(this.cred, at.inode, WRITE))
      throw fsError("EACCES", "utime", p);
    if (at.inode.immutable || isKernelPath(p)) throw fsError("EPERM", "utime", p);
    if (at.layer === "base") {
      if (at.node?.kind !== "file" && at.node?.kind !== "dir") return; // devices: times are the kernel's
      await this.copyUp(p, at);
    }
    const now = this.world.now();
    await this.audited.utimes(p, atime ?? now, when ?? now);
  }
}

export type { BaseKind };
