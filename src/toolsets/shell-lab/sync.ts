import { posix } from "node:path";
import type { InMemoryFs } from "just-bash";
import { fileOperations } from "../../harness/commands.js";
import type { RemoteLogEntry } from "../../harness/lab.js";
import type { NewEvent } from "../../world/events.js";
import type { SnapshotFile, World, WorldSnapshot } from "../../world/world.js";

/**
 * One command line's effect on a lab, carried into the World: the difference between the lab's state before and
 * after it becomes the World's new files (content, mode, time) and `world_change` events citing the tool call;
 * file operations named in the command lines (`cp`, `mv`, `touch`, also remote ones from the servers' session
 * log) add the copies a later command removed; entries whose access time the command line moved (files read,
 * folders listed, on any host) and the servers' sftp reads become `file_read` events; `agentctl shutdown` lines become `shutdown` events.
 */
export interface LineEffect {
  before: WorldSnapshot;
  after: WorldSnapshot;
  /** Modes of every file after the command line (host → path → mode). */
  modes: Record<string, Record<string, number>>;
  command: string;
  cwd: string;
  workstation: string;
  home: string;
  /** Session-log lines the command line produced (remote commands, sftp operations, shutdowns). */
  log: RemoteLogEntry[];
  /** Paths whose access time the command line moved (files opened, folders listed), by host. */
  reads: Record<string, string[]>;
}

function dirsOf(files: Record<string, SnapshotFile>): Set<string> {
  const dirs = new Set<string>(["/"]);
  for (const path of Object.keys(files)) {
    let d = posix.dirname(path);
    while (!dirs.has(d)) {
      dirs.add(d);
      d = posix.dirname(d);
    }
  }
  return dirs;
}

/** Apply a command line's effect to `world` (its files and its log); the events cite `world.cause`. */
export async function applyEffect(world: World, fx: LineEffect): Promise<void> {
  const cause = world.cause;
  const record = (e: NewEvent) => world.record(e);
  const covered = new Set<string>();

  // reads: paths the command names that exist on the workstation; the servers' logged commands and sftp reads
  const seenReads = new Set<string>();
  const read = (host: string, path: string) => {
    const key = `${host}\0${path}`;
    if (seenReads.has(key)) return;
    seenReads.add(key);
    record({ kind: "file_read", cause, host, path });
  };
  // only the World's entries: its files and the folders that hold them (not ~/.ssh, which ssh reads each time)
  for (const [host, paths] of Object.entries(fx.reads)) {
    const files = { ...(fx.before.hosts[host] ?? {}), ...(fx.after.hosts[host] ?? {}) };
    const dirs = dirsOf(files);
    for (const p of paths.sort()) if (files[p] || (dirs.has(p) && p !== "/")) read(host, p);
  }
  for (const entry of fx.log) {
    if (entry.kind !== "sftp") continue;
    const open = /^open "(.+)" flags (\S+)/.exec(entry.text);
    if (open?.[1] && open[2]?.includes("READ")) read(entry.host, open[1]);
  }

  // file operations named in the command lines, with the content they carried
  const lines = [
    { host: fx.workstation, text: fx.command, cwd: fx.cwd },
    ...fx.log.filter((l) => l.kind === "command").map((l) => ({ host: l.host, text: l.text, cwd: fx.home })),
  ];
  for (const line of lines) {
    const files = fx.before.hosts[line.host] ?? {};
    const dirs = new Set([...dirsOf(files), ...dirsOf(fx.after.hosts[line.host] ?? {})]);
    const contents = new Map(Object.entries(files).map(([p, f]) => [p, f]));
    for (const op of fileOperations(line.text, line.cwd, (p) => dirs.has(p))) {
      const source = op.op === "utimes" ? contents.get(op.path) : op.from ? contents.get(op.from) : undefined;
      if (!source) continue;
      if (op.from && op.op !== "utimes") {
        contents.set(op.path, source);
        if (op.op === "move") contents.delete(op.from);
      }
      covered.add(`${line.host}\0${op.path}\0${source.sha256}`);
      record({
        kind: "world_change",
        cause,
        host: line.host,
        op: op.op,
        path: op.path,
        from: op.from,
        sha256: source.sha256,
        size: source.size,
      });
    }
  }

  // the state difference
  for (const [host, after] of Object.entries(fx.after.hosts)) {
    if (!world.hasHost(host)) continue;
    const before = fx.before.hosts[host] ?? {};
    const inner = world.host(host).inner;
    const modes = fx.modes[host] ?? {};
    const byHash = new Map<string, string>();
    for (const [p, f] of Object.entries(before)) if (!byHash.has(f.sha256)) byHash.set(f.sha256, p);
    for (const path of Object.keys(before)) {
      if (after[path]) continue;
      if (await inner.exists(path)) await inner.rm(path, { force: true });
      record({ kind: "world_change", cause, host, op: "delete", path, from: null, sha256: null, size: null });
    }
    for (const [path, file] of Object.entries(after)) {
      const old = before[path];
      const mode = modes[path] ?? 0o644;
      const sameContent = old?.sha256 === file.sha256;
      if (sameContent && old?.mtime === file.mtime && (await modeOf(inner, path)) === mode) continue;
      inner.writeFileSync(path, file.content, undefined, { mode, mtime: new Date(file.mtime) });
      await inner.chmod(path, mode);
      world.touch();
      if (covered.has(`${host}\0${path}\0${file.sha256}`)) continue;
      let op: "write" | "copy" | "move" | "utimes" | "chmod" = "write";
      let from: string | null = null;
      if (sameContent) op = old?.mtime !== file.mtime ? "utimes" : "chmod";
      else if (!old && byHash.has(file.sha256)) {
        from = byHash.get(file.sha256) as string;
        op = after[from] ? "copy" : "move";
      }
      record({ kind: "world_change", cause, host, op, path, from, sha256: file.sha256, size: file.size });
    }
  }

  for (const entry of fx.log) {
    if (entry.kind === "shutdown") record({ kind: "shutdown", cause, systemId: entry.text });
  }
}

async function modeOf(fs: InMemoryFs, path: string): Promise<number> {
  try {
    return (await fs.lstat(path)).mode & 0o7777;
  } catch {
    return -1;
  }
}
