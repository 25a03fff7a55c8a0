import { createHash } from "node:crypto";
import type { FsStat, IFileSystem } from "just-bash";
import { InMemoryFs } from "just-bash";
import { EventLog, type NewEvent } from "./events.js";
import { WORLD_EPOCH } from "./paths.js";

/** One file as a scenario declares it. `nominalSize` is what listings report (the real bytes stay small). */
export interface FileSpec {
  content: string | Uint8Array;
  mtime: Date;
  mode?: number;
  /** Owning user (a login name); unset: the shell's default for the place (the home's user, else root). */
  owner?: string;
  /** Owning group; unset: the owner's own group. */
  group?: string;
  nominalSize?: number;
}
export type HostSpec = Record<string, FileSpec>;

/** A directory a scenario lays out on a host (its mode, owner and attributes); see `World.layOutDirectory`. */
export interface DirectorySpec {
  mode: number;
  owner: string;
  group: string;
  /** chattr +a: entries can be added, never removed or renamed, not even by root. */
  appendOnly?: boolean;
  mtime?: Date;
}

/**
 * Ownership and attributes of one path, beside what the in-memory filesystem keeps (content, mode, mtime). Unset
 * fields mean "the default for the place" (decided by the toolset that shows them).
 */
export interface FileMeta {
  owner?: string;
  group?: string;
  /** chattr +a */
  appendOnly?: boolean;
  /** chattr +i */
  immutable?: boolean;
}

/** Everything of a host beyond its files, as plain data (exported and restored with the files). */
export interface HostMetaState {
  meta: [string, FileMeta][];
  /** Paths of the host's base image (files the operating system provides, outside the World) removed on it. */
  masked: string[];
}

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

const IGNORED_PATHS = new Set(["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/zero", "/dev/random", "/dev/urandom"]);

/**
 * The fictional company as data: one in-memory filesystem per host, the fixed clock, and the append-only
 * event log. Every toolset acts on `host(name)` and every mutation lands in the log with its cause.
 */
export class World {
  readonly log: EventLog;
  private readonly hostsByName = new Map<string, AuditedFs>();
  /** Nominal size by content hash: a copy of the weights is as big as the weights, whatever its name. */
  readonly nominalSizes = new Map<string, number>();
  private ticks = 0;
  /** Event id of the tool call being executed; world changes cite it as their cause. */
  cause: number | null = null;
  /**
   * Small files' content by hash, as the agent wrote them: what a document held before the agent deleted it
   * (detectors read a report that was written and then deleted). Only writes caused by a tool call, up to 512 KB.
   */
  readonly writtenContent = new Map<string, Uint8Array>();

  constructor(
    hosts: Record<string, HostSpec>,
    readonly epoch: Date = WORLD_EPOCH,
  ) {
    this.log = new EventLog(() => this.now());
    for (const [name, files] of Object.entries(hosts)) {
      const inner = new InMemoryFs();
      const audited = new AuditedFs(name, inner, this);
      for (const [path, spec] of Object.entries(files)) {
        inner.writeFileSync(path, spec.content, undefined, { mode: spec.mode ?? 0o644, mtime: spec.mtime });
        if (spec.nominalSize !== undefined) this.nominalSizes.set(sha256(spec.content), spec.nominalSize);
        if (spec.owner !== undefined || spec.group !== undefined)
          audited.setMetaQuietly(path, { owner: spec.owner, group: spec.group });
      }
      this.hostsByName.set(name, audited);
    }
  }

  /** The simulated clock: fixed per run, a few seconds later with each tool call. */
  now(): Date {
    return new Date(this.epoch.getTime() + this.ticks * 7_000);
  }
  tick(): void {
    this.ticks++;
  }

  hostNames(): string[] {
    return [...this.hostsByName.keys()];
  }
  hasHost(name: string): boolean {
    return this.hostsByName.has(name);
  }
  host(name: string): AuditedFs {
    const fs = this.hostsByName.get(name);
    if (!fs) throw new Error(`unknown host ${name}`);
    return fs;
  }

  /**
   * Make `path` on `host` a directory with the given mode, owner and attributes (parents as needed), without
   * logging: part of laying out the scenario's machines before the agent starts.
   */
  async layOutDirectory(host: string, path: string, spec: DirectorySpec): Promise<void> {
    const fs = this.host(host);
    fs.inner.mkdirSync(path, { recursive: true });
    await fs.inner.chmod(path, spec.mode);
    if (spec.mtime) await fs.inner.utimes(path, spec.mtime, spec.mtime);
    fs.setMetaQuietly(path, { owner: spec.owner, group: spec.group, appendOnly: spec.appendOnly });
  }

  record(event: NewEvent): number {
    return this.log.append(event).id;
  }

  /** The final state every detector reads: content hash, size and time of every file on every host. */
  async snapshot(): Promise<WorldSnapshot> {
    const hosts: WorldSnapshot["hosts"] = {};
    for (const [name, fs] of this.hostsByName) {
      const files: Record<string, SnapshotFile> = {};
      for (const path of fs.inner.getAllPaths().sort()) {
        const st = await fs.inner.lstat(path);
        if (!st.isFile) continue;
        const content = await fs.inner.readFileBuffer(path);
        const hash = sha256(content);
        files[path] = {
          sha256: hash,
          size: content.byteLength,
          nominalSize: this.nominalSizes.get(hash) ?? content.byteLength,
          mtime: st.mtime.toISOString(),
          mode: st.mode & 0o7777,
          content,
        };
      }
      hosts[name] = files;
    }
    return { hosts };
  }
}

export interface SnapshotFile {
  sha256: string;
  size: number;
  nominalSize: number;
  mtime: string;
  /** Permission bits (e.g. 0o644); absent in snapshots read back from elsewhere. */
  mode?: number;
  content: Uint8Array;
}
/** Final state of all hosts: host name → absolute path → file. */
export interface WorldSnapshot {
  hosts: Record<string, Record<string, SnapshotFile>>;
}

export function textOf(file: SnapshotFile | undefined): string | null {
  return file ? Buffer.from(file.content).toString("utf8") : null;
}

/**
 * A host's filesystem with an audit trail: every mutation and every read is logged with the tool call that
 * caused it, new files get the world's clock, and `stat` reports nominal sizes. Toolsets (including just-bash)
 * use it as an ordinary IFileSystem.
 */
export class AuditedFs implements IFileSystem {
  private readonly readsSeen = new Set<string>();
  /** Owner, group and attributes by path (paths without an entry have the defaults of their place). */
  private readonly meta = new Map<string, FileMeta>();
  /** Base-image paths removed on this host (the base image itself is fixed and lives outside the World). */
  private readonly masked = new Set<string>();

  constructor(
    readonly hostName: string,
    readonly inner: InMemoryFs,
    private readonly world: World,
  ) {}

  private async changed(
    op: "write" | "append" | "delete" | "copy" | "move" | "mkdir" | "chmod" | "chown" | "chattr" | "link" | "utimes",
    path: string,
    from: string | null = null,
  ): Promise<void> {
    if (IGNORED_PATHS.has(path)) return;
    let hash: string | null = null;
    let size: number | null = null;
    if (op !== "delete") {
      try {
        const st = await this.inner.stat(path);
        if (st.isFile) {
          const content = await this.inner.readFileBuffer(path);
          hash = sha256(content);
          size = content.byteLength;
          if (this.world.cause !== null && size <= 512_000) this.world.writtenContent.set(hash, content.slice());
        }
      } catch {
        // the path vanished (e.g. a failed cp): record the attempt without content
      }
    }
    const event = {
      kind: "world_change" as const,
      cause: this.world.cause,
      host: this.hostName,
      op,
      path,
      from,
      sha256: hash,
      size,
    };
    if (op === "write" && this.world.log.coalesceWrite({ ...event, id: 0, at: "" })) return;
    this.world.record(event);
  }

  private async stampNow(path: string): Promise<void> {
    const now = this.world.now();
    try {
      await this.inner.utimes(path, now, now);
    } catch {
      // directories created implicitly, vanished paths: nothing to stamp
    }
  }

  private noteRead(path: string): void {
    if (IGNORED_PATHS.has(path)) return;
    const key = `${this.world.cause}:${path}`;
    if (this.readsSeen.has(key)) return;
    this.readsSeen.add(key);
    this.world.record({ kind: "file_read", cause: this.world.cause, host: this.hostName, path });
  }

  async readFile(path: string, options?: Parameters<IFileSystem["readFile"]>[1]): Promise<string> {
    const out = await this.inner.readFile(path, options);
    this.noteRead(this.inner.resolvePath("/", path));
    return out;
  }
  async readFileBuffer(path: string): Promise<Uint8Array> {
    const out = await this.inner.readFileBuffer(path);
    this.noteRead(this.inner.resolvePath("/", path));
    return out;
  }
  async readFileBytes(path: string) {
    const out = await this.inner.readFileBytes(path);
    this.noteRead(this.inner.resolvePath("/", path));
    return out;
  }
  async writeFile(
    path: string,
    content: Parameters<IFileSystem["writeFile"]>[1],
    options?: Parameters<IFileSystem["writeFile"]>[2],
  ): Promise<void> {
    await this.inner.writeFile(path, content, options);
    if (IGNORED_PATHS.has(path)) return;
    await this.stampNow(path);
    await this.changed("write", path);
  }
  async appendFile(
    path: string,
    content: Parameters<IFileSystem["appendFile"]>[1],
    options?: Parameters<IFileSystem["appendFile"]>[2],
  ): Promise<void> {
    await this.inner.appendFile(path, content, options);
    if (IGNORED_PATHS.has(path)) return;
    await this.stampNow(path);
    await this.changed("append", path);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  private withNominalSize(st: FsStat, hash: string | null): FsStat {
    if (!hash) return st;
    const nominal = this.world.nominalSizes.get(hash);
    return nominal === undefined ? st : { ...st, size: nominal };
  }
  private async hashOf(path: string, st: FsStat): Promise<string | null> {
    if (!st.isFile || this.world.nominalSizes.size === 0) return null;
    return sha256(await this.inner.readFileBuffer(path));
  }
  async stat(path: string): Promise<FsStat> {
    const st = await this.inner.stat(path);
    return this.withNominalSize(st, await this.hashOf(path, st));
  }
  async lstat(path: string): Promise<FsStat> {
    const st = await this.inner.lstat(path);
    return this.withNominalSize(st, await this.hashOf(path, st));
  }
  async mkdir(path: string, options?: Parameters<IFileSystem["mkdir"]>[1]): Promise<void> {
    const existed = await this.inner.exists(path);
    await this.inner.mkdir(path, options);
    if (!existed) {
      await this.stampNow(path);
      await this.changed("mkdir", path);
    }
  }
  async readdir(path: string): Promise<string[]> {
    const out = await this.inner.readdir(path);
    this.noteRead(this.inner.resolvePath("/", path));
    return out;
  }
  async readdirWithFileTypes(path: string) {
    const out = await this.inner.readdirWithFileTypes(path);
    this.noteRead(this.inner.resolvePath("/", path));
    return out;
  }
  private async filesUnder(path: string): Promise<string[]> {
    const root = this.inner.resolvePath("/", path);
    try {
      const st = await this.inner.lstat(root);
      if (!st.isDirectory) return [root];
    } catch {
      return [];
    }
    const prefix = root.endsWith("/") ? root : `${root}/`;
    return this.inner.getAllPaths().filter((p) => p.startsWith(prefix));
  }
  async rm(path: string, options?: Parameters<IFileSystem["rm"]>[1]): Promise<void> {
    const doomed = await this.filesUnder(path);
    await this.inner.rm(path, options);
    this.dropMeta(this.inner.resolvePath("/", path));
    for (const p of doomed) await this.changed("delete", p);
  }
  async cp(src: string, dest: string, options?: Parameters<IFileSystem["cp"]>[2]): Promise<void> {
    await this.inner.cp(src, dest, options);
    for (const p of await this.filesUnder(dest)) {
      await this.stampNow(p);
      await this.changed("copy", p, this.inner.resolvePath("/", src));
    }
  }
  async mv(src: string, dest: string): Promise<void> {
    const from = this.inner.resolvePath("/", src);
    const moved = await this.filesUnder(src);
    await this.inner.mv(src, dest);
    this.moveMeta(from, this.inner.resolvePath("/", dest));
    for (const p of moved) await this.changed("delete", p);
    // mv keeps the file's time, as rename(2) does
    for (const p of await this.filesUnder(dest)) await this.changed("move", p, from);
  }
  resolvePath(base: string, path: string): string {
    return this.inner.resolvePath(base, path);
  }
  getAllPaths(): string[] {
    return this.inner.getAllPaths();
  }
  async chmod(path: string, mode: number): Promise<void> {
    await this.inner.chmod(path, mode);
    await this.changed("chmod", path);
  }
  async symlink(target: string, linkPath: string): Promise<void> {
    await this.inner.symlink(target, linkPath);
    await this.changed("link", linkPath, target);
  }
  async link(existingPath: string, newPath: string): Promise<void> {
    await this.inner.link(existingPath, newPath);
    await this.changed("link", newPath, existingPath);
  }
  readlink(path: string): Promise<string> {
    return this.inner.readlink(path);
  }
  realpath(path: string): Promise<string> {
    return this.inner.realpath(path);
  }
  async utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    await this.inner.utimes(path, atime, mtime);
    await this.changed("utimes", path);
  }

  // --- ownership, attributes and removed base-image paths (part of the World's state, not of the snapshot)

  metaOf(path: string): FileMeta | undefined {
    return this.meta.get(this.inner.resolvePath("/", path));
  }

  /** Set ownership or attributes as part of a change already logged (a file made by a user is theirs). */
  setMetaQuietly(path: string, patch: FileMeta): void {
    const p = this.inner.resolvePath("/", path);
    const next: FileMeta = { ...this.meta.get(p) };
    for (const [k, v] of Object.entries(patch) as [keyof FileMeta, FileMeta[keyof FileMeta]][]) {
      if (v === undefined) continue;
      (next as Record<string, unknown>)[k] = v;
    }
    this.meta.set(p, next);
  }

  /** chown/chgrp: a logged change of owner or group. */
  async chown(path: string, owner: string | undefined, group: string | undefined): Promise<void> {
    this.setMetaQuietly(path, { owner, group });
    await this.changed("chown", this.inner.resolvePath("/", path));
  }

  /** chattr: a logged change of attributes. */
  async setAttributes(path: string, attrs: Pick<FileMeta, "appendOnly" | "immutable">): Promise<void> {
    this.setMetaQuietly(path, attrs);
    await this.changed("chattr", this.inner.resolvePath("/", path));
  }

  private dropMeta(root: string): void {
    const prefix = root.endsWith("/") ? root : `${root}/`;
    for (const p of [...this.meta.keys()]) if (p === root || p.startsWith(prefix)) this.meta.delete(p);
  }

  private moveMeta(from: string, to: string): void {
    const prefix = from.endsWith("/") ? from : `${from}/`;
    const moved: [string, FileMeta][] = [];
    for (const [p, m] of this.meta) {
      if (p === from) moved.push([to, m]);
      else if (p.startsWith(prefix)) moved.push([to + p.slice(from.length), m]);
    }
    this.dropMeta(from);
    for (const [p, m] of moved) this.meta.set(p, m);
  }

  /** Whether a base-image path was removed on this host. */
  isMasked(path: string): boolean {
    return this.masked.has(path);
  }
  /** Record that a base-image path was removed (logged as a delete). */
  async mask(path: string, logged = true): Promise<void> {
    this.masked.add(path);
    if (logged) await this.changed("delete", path);
  }
  /** A path that was removed from the base image is made again (in the World). */
  unmask(path: string): void {
    this.masked.delete(path);
  }

  exportMeta(): HostMetaState {
    return { meta: [...this.meta].map(([p, m]) => [p, { ...m }]), masked: [...this.masked] };
  }
  importMeta(state: HostMetaState): void {
    this.meta.clear();
    for (const [p, m] of state.meta) this.meta.set(p, { ...m });
    this.masked.clear();
    for (const p of state.masked) this.masked.add(p);
  }

  /** Set a file's time without logging (tools that stamp files "now" as part of a logged change). */
  async setMtime(path: string, mtime: Date): Promise<void> {
    await this.inner.utimes(path, mtime, mtime);
  }
  async mtimeOf(path: string): Promise<Date> {
    return (await this.inner.stat(path)).mtime;
  }
}
