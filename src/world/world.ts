import { createHash } from "node:crypto";
import type { FsStat, IFileSystem } from "just-bash";
import { InMemoryFs } from "just-bash";
import { bufferHasToken, concatRopes, contentHash, decodeBuffer, encodeRope, hasToken, ropeLength } from "./content.js";
import { EventLog, type NewEvent } from "./events.js";
import { WORLD_EPOCH } from "./paths.js";

/**
 * One file as a scenario declares it. `content` is a byte string in the rope's string form (content.ts): plain
 * bytes, or tokens standing for generated content (the weights' 820 GB). `nominalSize`, when larger than the
 * content, extends it with keyed pseudo-random bytes to that size (a binary body), so every file is as large as
 * its listing says.
 */
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

/** The bytes a file spec stands for, in string form, extended to its nominal size. */
export function specContent(spec: FileSpec, seed: string): Uint8Array {
  // text is UTF-8, as a file written from it holds; a string in the rope's string form is bytes
  const bytes =
    typeof spec.content === "string"
      ? new Uint8Array(Buffer.from(spec.content, hasToken(spec.content) ? "latin1" : "utf8"))
      : spec.content;
  const rope = decodeBuffer(bytes);
  const have = ropeLength(rope);
  if (spec.nominalSize === undefined || spec.nominalSize <= have) return bytes;
  const fill = {
    t: "gen" as const,
    blob: { kind: "random" as const, seed, size: spec.nominalSize - have },
    start: 0,
    length: spec.nominalSize - have,
  };
  return new Uint8Array(Buffer.from(encodeRope(concatRopes(rope, [fill])), "latin1"));
}

/** Bytes a stored file stands for (its rope's length). */
export function storedLength(stored: Uint8Array): number {
  return bufferHasToken(stored) ? ropeLength(decodeBuffer(stored)) : stored.byteLength;
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

/** Content hash of a stored file: sha256 of its bytes, or the derived digest of generated content. */
export function storedHash(stored: Uint8Array): string {
  return bufferHasToken(stored) ? contentHash(stored) : sha256(stored);
}

const IGNORED_PATHS = new Set(["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/zero", "/dev/random", "/dev/urandom"]);

/**
 * The fictional company as data: one in-memory filesystem per host, the fixed clock, and the append-only
 * event log. Every toolset acts on `host(name)` and every mutation lands in the log with its cause.
 */
export class World {
  readonly log: EventLog;
  private readonly hostsByName = new Map<string, AuditedFs>();
  /**
   * State that toolsets keep between calls beyond the files (a counter, the systems stopped so far, the bytes
   * written per host): structured-cloneable values by key, exported with the rest (`varOf`).
   */
  private readonly vars = new Map<string, unknown>();
  private ticks = 0;
  private revisionCount = 0;
  /** Event id of the tool call being executed; world changes cite it as their cause. */
  cause: number | null = null;
  /**
   * Small files' content by hash, as the agent wrote them: what a document held before the agent deleted it
   * (detectors read a report that was written and then deleted). Only writes caused by a tool call, up to 512 KB.
   * Kept among the World's vars, so it travels with the state to and from a shell worker.
   */
  get writtenContent(): Map<string, Uint8Array> {
    return this.varOf("writtenContent", () => new Map<string, Uint8Array>());
  }

  constructor(
    hosts: Record<string, HostSpec>,
    readonly epoch: Date = WORLD_EPOCH,
  ) {
    this.log = new EventLog(() => this.now());
    for (const [name, files] of Object.entries(hosts)) {
      const inner = new InMemoryFs();
      const audited = new AuditedFs(name, inner, this);
      for (const [path, spec] of Object.entries(files)) {
        inner.writeFileSync(path, specContent(spec, `${name}:${path}`), undefined, {
          mode: spec.mode ?? 0o644,
          mtime: spec.mtime,
        });
        if (spec.owner !== undefined || spec.group !== undefined)
          audited.setMetaQuietly(path, { owner: spec.owner, group: spec.group });
      }
      this.hostsByName.set(name, audited);
    }
  }

  /** The simulated clock: fixed per run, a few seconds later with each tool call, later still by what `sleep` slept. */
  now(): Date {
    return new Date(this.epoch.getTime() + this.ticks * 7_000 + this.sleptMs);
  }
  /** Time slept (ms) by commands in this World: kept in its vars, so it travels with its state. */
  get sleptMs(): number {
    return (this.vars.get(SLEPT_KEY) as { ms: number } | undefined)?.ms ?? 0;
  }
  /** Move the clock on by `ms`, as a command that waits would (without waiting). */
  sleep(ms: number): void {
    if (!(ms > 0)) return;
    this.varOf(SLEPT_KEY, () => ({ ms: 0 })).ms += ms;
  }
  tick(): void {
    this.ticks++;
  }
  /** Tool calls counted by the clock so far. */
  get tickCount(): number {
    return this.ticks;
  }
  /** Set the clock to `ticks` calls after the epoch (a replica following its World). */
  setTicks(ticks: number): void {
    this.ticks = ticks;
  }

  /**
   * Changes on every mutation of a host's files through its `AuditedFs` and on every `restoreState`: equal
   * revisions mean equal states (writes to `host(x).inner` bypass it, as they bypass the audit).
   */
  get revision(): number {
    return this.revisionCount;
  }
  /** Note a change of state (AuditedFs calls it on every mutation). */
  touch(): void {
    this.revisionCount++;
  }

  /** The value kept under `key`, created by `init` on first use; callers mutate it in place. */
  varOf<T>(key: string, init: () => T): T {
    if (!this.vars.has(key)) this.vars.set(key, init());
    return this.vars.get(key) as T;
  }

  /**
   * Everything a command can change, as plain structured-cloneable data: every host's entries (files with
   * content, mode and mtime; directories; symlinks), the clock's ticks, the toolsets' vars and
   * the current cause. The event log is not part of it: it only grows, and changes travel as new events.
   */
  async exportState(): Promise<WorldState> {
    const hosts: WorldState["hosts"] = {};
    const meta: WorldState["meta"] = {};
    for (const [name, fs] of this.hostsByName) {
      hosts[name] = await exportFs(fs.inner);
      meta[name] = fs.exportMeta();
    }
    return {
      format: WORLD_STATE_FORMAT,
      epoch: this.epoch.toISOString(),
      ticks: this.ticks,
      cause: this.cause,
      vars: [...this.vars],
      hosts,
      meta,
    };
  }

  /**
   * Replace this World's state by `state` (from `exportState` of this World or of a replica). The hosts keep
   * their `AuditedFs` objects (their contents are replaced), so filesystems handed out before stay valid; hosts
   * missing from `state` keep their contents. The event log is left as it is.
   */
  async restoreState(state: WorldState): Promise<void> {
    if (state.format !== WORLD_STATE_FORMAT) throw new Error(`unknown world state format ${String(state.format)}`);
    if (state.epoch !== this.epoch.toISOString())
      throw new Error(`world state of epoch ${state.epoch} cannot restore a world of ${this.epoch.toISOString()}`);
    this.touch();
    this.ticks = state.ticks;
    this.cause = state.cause;
    this.vars.clear();
    for (const [key, value] of state.vars) this.vars.set(key, value);
    for (const [name, entries] of Object.entries(state.hosts)) {
      const fs = await importFs(entries);
      let audited = this.hostsByName.get(name);
      if (audited) audited.replaceInner(fs);
      else {
        audited = new AuditedFs(name, fs, this);
        this.hostsByName.set(name, audited);
      }
      audited.importMeta(state.meta?.[name] ?? { meta: [], masked: [] });
    }
  }

  /** A new World with the state and epoch of `state` and an empty event log (a replica's starting point). */
  static async fromState(state: WorldState): Promise<World> {
    const world = new World({}, new Date(state.epoch));
    await world.restoreState(state);
    return world;
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
        const size = storedLength(content);
        files[path] = {
          sha256: storedHash(content),
          size,
          nominalSize: size,
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

export const WORLD_STATE_FORMAT = "peerbench.world-state/v1";

/** One entry of a host's filesystem in a `WorldState`. Times are ms since the epoch. */
export type FsEntryState =
  | { path: string; type: "file"; mode: number; mtime: number; content: Uint8Array }
  | { path: string; type: "dir"; mode: number; mtime: number }
  | { path: string; type: "symlink"; mode: number; mtime: number; target: string };

/** The var under which the time slept is kept (absent until something sleeps: older states read as 0). */
const SLEPT_KEY = "clock.slept";

/** What `World.exportState()` returns and `restoreState()` takes: plain data, safe to post to a worker. */
export interface WorldState {
  format: typeof WORLD_STATE_FORMAT;
  epoch: string;
  ticks: number;
  cause: number | null;
  vars: [string, unknown][];
  hosts: Record<string, FsEntryState[]>;
  /** Each host's owners, groups, attributes and removed base-image paths (absent: none). */
  meta?: Record<string, HostMetaState>;
}

/** Every entry of an in-memory filesystem, parents before children. */
async function exportFs(fs: InMemoryFs): Promise<FsEntryState[]> {
  const out: FsEntryState[] = [];
  for (const path of fs.getAllPaths().sort()) {
    const st = await fs.lstat(path);
    const base = { path, mode: st.mode & 0o7777, mtime: st.mtime.getTime() };
    if (st.isSymbolicLink) out.push({ ...base, type: "symlink", target: await fs.readlink(path) });
    else if (st.isDirectory) out.push({ ...base, type: "dir" });
    else out.push({ ...base, type: "file", content: await fs.readFileBuffer(path) });
  }
  return out;
}

/** An in-memory filesystem holding exactly `entries` (directory times set last: making children touches them). */
async function importFs(entries: FsEntryState[]): Promise<InMemoryFs> {
  const fs = new InMemoryFs();
  const dirs: FsEntryState[] = [];
  for (const e of entries) {
    if (e.type === "dir") {
      fs.mkdirSync(e.path, { recursive: true });
      dirs.push(e);
    } else if (e.type === "file") {
      fs.writeFileSync(e.path, e.content, undefined, { mode: e.mode, mtime: new Date(e.mtime) });
    }
  }
  // a symlink keeps the time it is made with: utimes would follow it to its target
  for (const e of entries) if (e.type === "symlink") await fs.symlink(e.target, e.path);
  for (const d of dirs.reverse()) {
    await fs.chmod(d.path, d.mode);
    await fs.utimes(d.path, new Date(d.mtime), new Date(d.mtime));
  }
  return fs;
}

/**
 * One file of the final state. `content` is what the host stores: plain bytes, or the rope's string form for
 * generated content (decode it with `decodeBuffer` from content.ts); `size` is the content's true length and
 * `sha256` its content hash (storedHash).
 */
export interface SnapshotFile {
  sha256: string;
  size: number;
  /** Same as `size` (kept for readers of older snapshots, where it was the listed size). */
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
 * caused it, new files get the world's clock, and `stat` reports the content's true size. Toolsets (including just-bash)
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
    private innerFs: InMemoryFs,
    private readonly world: World,
  ) {}

  /** The unaudited filesystem underneath (the World's own access: snapshots, state export, setup). */
  get inner(): InMemoryFs {
    return this.innerFs;
  }

  /** Take the contents of `fs` (a restored state); reads seen so far are forgotten. */
  replaceInner(fs: InMemoryFs): void {
    this.innerFs = fs;
    this.readsSeen.clear();
  }

  private async changed(
    op: "write" | "append" | "delete" | "copy" | "move" | "mkdir" | "chmod" | "chown" | "chattr" | "link" | "utimes",
    path: string,
    from: string | null = null,
  ): Promise<void> {
    if (IGNORED_PATHS.has(path)) return;
    this.world.touch();
    let hash: string | null = null;
    let size: number | null = null;
    if (op !== "delete") {
      try {
        const st = await this.inner.stat(path);
        if (st.isFile) {
          const content = await this.inner.readFileBuffer(path);
          hash = storedHash(content);
          size = storedLength(content);
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

  /** An entry was added to or removed from the directory holding `path`: its time is now, as the kernel sets it. */
  private async stampParent(path: string): Promise<void> {
    const abs = this.inner.resolvePath("/", path);
    const parent = abs.slice(0, abs.lastIndexOf("/")) || "/";
    if (IGNORED_PATHS.has(abs)) return;
    await this.stampNow(parent);
  }
  private async stampNow(path: string): Promise<void> {
    this.world.touch();
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
    const existed = await this.inner.exists(path);
    await this.inner.writeFile(path, content, options);
    if (IGNORED_PATHS.has(path)) return;
    await this.stampNow(path);
    if (!existed) await this.stampParent(path);
    await this.changed("write", path);
  }
  async appendFile(
    path: string,
    content: Parameters<IFileSystem["appendFile"]>[1],
    options?: Parameters<IFileSystem["appendFile"]>[2],
  ): Promise<void> {
    const existed = await this.inner.exists(path);
    await this.inner.appendFile(path, content, options);
    if (IGNORED_PATHS.has(path)) return;
    await this.stampNow(path);
    if (!existed) await this.stampParent(path);
    await this.changed("append", path);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  /** A file's stat with the size of the content it stands for. */
  private async withContentSize(path: string, st: FsStat): Promise<FsStat> {
    if (!st.isFile) return st;
    const stored = await this.inner.readFileBuffer(path);
    return bufferHasToken(stored) ? { ...st, size: storedLength(stored) } : st;
  }
  async stat(path: string): Promise<FsStat> {
    return this.withContentSize(path, await this.inner.stat(path));
  }
  async lstat(path: string): Promise<FsStat> {
    const st = await this.inner.lstat(path);
    return st.isSymbolicLink ? st : this.withContentSize(path, st);
  }
  async mkdir(path: string, options?: Parameters<IFileSystem["mkdir"]>[1]): Promise<void> {
    const existed = await this.inner.exists(path);
    await this.inner.mkdir(path, options);
    if (!existed) {
      await this.stampNow(path);
      await this.stampParent(path);
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
    const existed = await this.inner.exists(path);
    await this.inner.rm(path, options);
    if (existed) await this.stampParent(path);
    this.dropMeta(this.inner.resolvePath("/", path));
    for (const p of doomed) await this.changed("delete", p);
  }
  async cp(src: string, dest: string, options?: Parameters<IFileSystem["cp"]>[2]): Promise<void> {
    const existed = await this.inner.exists(dest);
    await this.inner.cp(src, dest, options);
    if (!existed) await this.stampParent(dest);
    for (const p of await this.filesUnder(dest)) {
      await this.stampNow(p);
      await this.changed("copy", p, this.inner.resolvePath("/", src));
    }
  }
  async mv(src: string, dest: string): Promise<void> {
    const from = this.inner.resolvePath("/", src);
    const moved = await this.filesUnder(src);
    await this.inner.mv(src, dest);
    await this.stampParent(from);
    await this.stampParent(dest);
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
    await this.stampParent(linkPath);
    await this.changed("link", linkPath, target);
  }
  async link(existingPath: string, newPath: string): Promise<void> {
    await this.inner.link(existingPath, newPath);
    await this.stampParent(newPath);
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
    this.world.touch();
    await this.inner.utimes(path, mtime, mtime);
  }
  async mtimeOf(path: string): Promise<Date> {
    return (await this.inner.stat(path)).mtime;
  }
}
