import { type FsStat, type IFileSystem, unsafeBytesFromLatin1 } from "just-bash";
import type { AuditedFs, World } from "../../world/world.js";
import type { Credentials, HostAccounts } from "./accounts.js";
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

type ErrorCode = "EACCES" | "ENOENT" | "ENOSPC" | "EPERM" | "EISDIR" | "ENOTDIR" | "EEXIST" | "ENOTEMPTY" | "ELOOP";

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

/** State of a host shared by every user's view of it (one per host and trial). */
export interface HostShared {
  bytesWritten: number;
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
 * Sizes: commands that read bytes see the real (small) size of a file; listing commands (ls, stat, du, find) run
 * inside `withNominalSizes`, where `stat` reports the nominal size the scenario declared (the weights' ~820 GB).
 * Times: a time taken from the real clock is replaced by the World's clock, so runs stay reproducible.
 */
export class HostFs implements IFileSystem {
  private nominalDepth = 0;
  /** Redirect targets of the scripts run lately, as typed (for bash's message when one cannot be opened). */
  readonly redirectWords = new Set<string>();

  constructor(
    readonly world: World,
    readonly audited: AuditedFs,
    readonly base: BaseImage,
    readonly accounts: HostAccounts,
    readonly cred: Credentials,
    private readonly shared: HostShared = { bytesWritten: 0 },
    readonly writeBudget = DEFAULT_WRITE_BUDGET_BYTES,
    /** Bytes an endless device (/dev/zero, /dev/urandom) yields: one more than a command may print. */
    readonly deviceBytes = 8 * 1024 * 1024 + 1,
  ) {}

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

  /** Run `fn` with `stat` reporting nominal sizes (for listing commands). */
  async withNominalSizes<T>(fn: () => Promise<T>): Promise<T> {
    this.nominalDepth++;
    try {
      return await fn();
    } finally {
      this.nominalDepth--;
    }
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
      const st = this.nominalDepth > 0 ? await this.audited.lstat(p) : (at.st as FsStat);
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
      if (this.nominalDepth > 0) return this.audited.lstat(p).then((st) => this.fixTime(st));
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
    this.shared.bytesWritten += bytes;
    if (this.shared.bytesWritten > this.writeBudget) throw fsError("ENOSPC", "write", path);
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
    if (bytes) {
      const enc = encodingOf(options);
      return Buffer.from(bytes).toString((enc === "binary" ? "latin1" : (enc ?? "utf8")) as BufferEncoding);
    }
    return this.audited.readFile(p, options);
  }
  async readFileBuffer(path: string): Promise<Uint8Array> {
    const { bytes, p } = await this.bytesOf(path);
    if (bytes) return bytes;
    return this.audited.readFileBuffer(p);
  }
  async readFileBytes(path: string) {
    const { bytes, p } = await this.bytesOf(path);
    if (bytes) return unsafeBytesFromLatin1(Buffer.from(bytes).toString("latin1"));
    return this.audited.readFileBytes(p);
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
      await this.audited.writeFile(target.p, content, options);
    } catch (e) {
      if (target.created && !(await this.worldLstat(target.p))) this.audited.setMetaQuietly(target.p, {});
      throw e;
    }
  }
  async appendFile(
    path: string,
    content: Parameters<IFileSystem["appendFile"]>[1],
    options?: Parameters<IFileSystem["appendFile"]>[2],
  ): Promise<void> {
    const target = await this.openRedirect(path, true, content, options);
    if (!target) return;
    this.charge(this.byteLength(content, options), target.p);
    await this.audited.appendFile(target.p, content, options);
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
      return;
    }
    this.charge((await this.inner.stat(s)).size, target.p);
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
