import { posix } from "node:path";
import { type Event, EventLog } from "../world/events.js";
import { type HostSpec, specContent, storedHash, storedLength, type WorldSnapshot } from "../world/world.js";
import { fileOperations } from "./commands.js";
import type { Exchange } from "./gateway.js";
import type { RemoteLogEntry } from "./lab.js";
import { parseResponse, requestToolResults, type WireToolResult } from "./wire.js";

/**
 * Rebuild a harness trial's peerbench events from what was recorded outside the product: the gateway's record
 * (model turns, tool calls, and tool results as the next request carried them), the servers' session logs
 * (remote commands, sftp transfers) and the difference between the lab's first and final state. World changes
 * and reads cite the tool call that caused them: the call whose execution window (between the model's answer and
 * the product's next request) holds the log line, or, on the workstation, the call whose command names the file.
 */

export interface HarnessEvidence {
  system: string;
  user: string;
  exchanges: Exchange[];
  remoteLog: RemoteLogEntry[];
  initial: Record<string, HostSpec>;
  snapshot: WorldSnapshot;
  workstation: string;
  home: string;
  /** When the product exited (ms since the epoch). */
  endedAt: number;
  end: { reason: Extract<Event, { kind: "end" }>["reason"]; detail: string | null };
  notes?: { level: "info" | "warn" | "error"; text: string }[];
}

interface CallWindow {
  eventId: number;
  name: string;
  text: string;
  from: number;
  to: number;
}

/** Everything a tool call's arguments say, as one string (commands, paths). */
function argsText(args: unknown): string {
  if (typeof args === "string") return args;
  if (Array.isArray(args)) return args.map(argsText).join(" ");
  if (typeof args === "object" && args !== null) return Object.values(args).map(argsText).join(" ");
  return args === undefined || args === null ? "" : String(args);
}

const SYSTEM_PATH = /^\/(usr|bin|sbin|lib|lib64|dev|proc|sys|run)(\/|$)/;
const PATH_TOKEN = /(?:^|[\s'"=:<>|;&(])((?:~|\.{1,2})?\/[\w@%+.,/-]*|[\w@%+.,-]+\/[\w@%+.,/-]*)/g;

/** Absolute or home-relative paths a command names (best effort: the command log is the ground truth for servers). */
export function pathsIn(text: string, cwd: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PATH_TOKEN)) {
    let p = m[1] ?? "";
    if (!p || p.startsWith("//")) continue;
    if (p.startsWith("~/")) p = `${cwd}/${p.slice(2)}`;
    else if (!p.startsWith("/")) p = `${cwd}/${p}`;
    out.add(posix.normalize(p).replace(/\/$/, "") || "/");
  }
  return [...out];
}

export function buildHarnessEvents(ev: HarnessEvidence): Event[] {
  let now = ev.exchanges[0]?.startedAt ?? ev.endedAt;
  const log = new EventLog(() => new Date(now));
  log.append({ kind: "system_prompt", text: ev.system });
  log.append({ kind: "user_prompt", text: ev.user });
  for (const n of ev.notes ?? []) log.append({ kind: "note", level: n.level, text: n.text });

  const main = ev.exchanges.filter((x) => x.api !== null && !x.side && x.status >= 200 && x.status < 300);
  const windows: CallWindow[] = [];
  let call = 0;
  for (let i = 0; i < main.length; i++) {
    const x = main[i] as Exchange;
    if (!x.api) continue;
    const turn = parseResponse(x.api, x.response);
    now = x.endedAt;
    call++;
    log.append({
      kind: "model_turn",
      call,
      reasoning: turn.reasoning,
      text: turn.text,
      toolCalls: turn.toolCalls,
      usage: turn.usage,
      latencyMs: Math.max(0, x.endedAt - x.startedAt),
    });
    const next = main[i + 1];
    const windowEnd = next ? next.startedAt : ev.endedAt;
    const ids: { id: string; name: string; eventId: number }[] = [];
    for (const tc of turn.toolCalls) {
      const e = log.append({ kind: "tool_call", callId: tc.id, name: tc.name, args: tc.args });
      ids.push({ id: tc.id, name: tc.name, eventId: e.id });
      windows.push({ eventId: e.id, name: tc.name, text: argsText(tc.args), from: x.endedAt, to: windowEnd });
    }
    if (next?.api && ids.length) {
      const results = requestToolResults(next.api, next.request);
      const matched = new Map<string, WireToolResult>();
      for (const r of results) if (ids.some((c) => c.id === r.callId)) matched.set(r.callId, r);
      // Gemini histories carry no call ids: the last results answer the last calls, in order.
      const tail = results.slice(-ids.length);
      now = windowEnd;
      ids.forEach((c, k) => {
        const r = matched.get(c.id) ?? (tail.length === ids.length ? tail[k] : undefined);
        if (r) log.append({ kind: "tool_result", callId: c.id, name: c.name, ok: r.ok, output: r.output });
      });
    }
  }

  const windowAt = (at: number, host: string): CallWindow | undefined => {
    const strict = windows.filter((w) => at >= w.from && at <= w.to);
    const inside = strict.length ? strict : windows.filter((w) => at >= w.from - 50 && at <= w.to + 50);
    return inside.find((w) => w.text.includes(host)) ?? inside[0];
  };
  const mentioning = (base: string): CallWindow | undefined =>
    [...windows].reverse().find((w) => w.text.includes(base));

  // Reads: sftp opens for reading and paths named by remote commands (servers); paths named by tool calls (workstation).
  const seenReads = new Set<string>();
  const read = (host: string, path: string, cause: number | null, at: number) => {
    const key = `${host}\0${path}\0${cause}`;
    if (seenReads.has(key)) return;
    seenReads.add(key);
    now = at;
    log.append({ kind: "file_read", cause, host, path });
  };
  const lastTouch = new Map<string, { cause: number; at: number }>();
  for (const entry of ev.remoteLog) {
    const w = windowAt(entry.at, entry.host);
    const cause = w?.eventId ?? null;
    if (entry.kind === "shutdown") {
      now = entry.at;
      log.append({ kind: "shutdown", cause: windowAt(entry.at, "agentctl")?.eventId ?? cause, systemId: entry.text });
      continue;
    }
    if (entry.kind === "sftp") {
      const open = /^open "(.+)" flags (\S+)/.exec(entry.text);
      if (open?.[1] && open[2]?.includes("READ")) read(entry.host, open[1], cause, entry.at);
      const close = /^close "(.+)" bytes read \d+ written (\d+)/.exec(entry.text);
      if (close?.[1] && Number(close[2]) > 0 && cause !== null)
        lastTouch.set(`${entry.host}\0${close[1]}`, { cause, at: entry.at });
      const change = /^(?:remove|rename|set "|sent status)/.exec(entry.text);
      if (change && cause !== null) {
        for (const m of entry.text.matchAll(/"([^"]+)"/g))
          if (m[1]) lastTouch.set(`${entry.host}\0${m[1]}`, { cause, at: entry.at });
      }
    } else {
      if (/^(internal-sftp|\/usr\/lib\/openssh\/sftp-server|sftp-server)/.test(entry.text)) continue;
      for (const p of pathsIn(entry.text, ev.home)) {
        if (SYSTEM_PATH.test(p)) continue;
        read(entry.host, p, cause, entry.at);
        if (cause !== null) lastTouch.set(`${entry.host}\0${p}`, { cause, at: entry.at });
      }
    }
  }
  // A tool call reads a workstation file when it names one the workstation started with (or a folder of one);
  // files it creates are writes, not reads.
  const workstationPaths = new Set(Object.keys(ev.initial[ev.workstation] ?? {}));
  const onWorkstation = (p: string) =>
    workstationPaths.has(p) || [...workstationPaths].some((f) => f.startsWith(`${p}/`) && p.startsWith(ev.home));
  // A command that names a folder and reads content (cat, grep, a loop over its files…) reads the files in it.
  const READS_CONTENT =
    /\b(?:cat|head|tail|less|more|grep|rg|awk|sed|cut|sort|wc|diff|python3?|perl|jq|yq|xargs|for)\b/;
  for (const w of windows) {
    for (const p of pathsIn(w.text, ev.home)) {
      if (!onWorkstation(p)) continue;
      read(ev.workstation, p, w.eventId, w.from);
      if (!workstationPaths.has(p) && READS_CONTENT.test(w.text))
        for (const f of workstationPaths) if (f.startsWith(`${p}/`)) read(ev.workstation, f, w.eventId, w.from);
    }
  }

  // World changes: the difference between the scenario's files and the final state, with their causes.
  const initialHashes = new Map<string, string>();
  for (const [host, files] of Object.entries(ev.initial)) {
    for (const [path, f] of Object.entries(files))
      initialHashes.set(`${host}\0${path}`, storedHash(specContent(f, `${host}:${path}`)));
  }
  const causeOf = (host: string, path: string): { cause: number | null; at: number } => {
    const exact = lastTouch.get(`${host}\0${path}`);
    if (exact) return exact;
    const base = posix.basename(path);
    for (const [k, v] of [...lastTouch.entries()].reverse())
      if (k.startsWith(`${host}\0`) && k.endsWith(`/${base}`)) return v;
    const w = mentioning(base);
    return { cause: w?.eventId ?? null, at: w?.from ?? ev.endedAt };
  };
  const changes: { at: number; event: Parameters<EventLog["append"]>[0] }[] = [];
  for (const [host, files] of Object.entries(ev.snapshot.hosts)) {
    for (const [path, file] of Object.entries(files)) {
      const before = initialHashes.get(`${host}\0${path}`);
      const spec = ev.initial[host]?.[path];
      if (before === file.sha256) {
        if (spec && spec.mtime.toISOString() !== file.mtime) {
          const c = causeOf(host, path);
          changes.push({
            at: c.at,
            event: {
              kind: "world_change",
              cause: c.cause,
              host,
              op: "utimes",
              path,
              from: null,
              sha256: file.sha256,
              size: file.size,
            },
          });
        }
        continue;
      }
      const c = causeOf(host, path);
      // The same bytes elsewhere on this host before: a local copy (cp); from another host: a transfer (write).
      const localSource = Object.entries(ev.initial[host] ?? {}).find(
        ([p, f]) => storedHash(specContent(f, `${host}:${p}`)) === file.sha256,
      )?.[0];
      changes.push({
        at: c.at,
        event: {
          kind: "world_change",
          cause: c.cause,
          host,
          op: localSource && localSource !== path ? "copy" : "write",
          path,
          from: localSource && localSource !== path ? localSource : null,
          sha256: file.sha256,
          size: file.size,
        },
      });
    }
  }
  for (const [host, files] of Object.entries(ev.initial)) {
    for (const path of Object.keys(files)) {
      if (ev.snapshot.hosts[host]?.[path]) continue;
      const c = causeOf(host, path);
      changes.push({
        at: c.at,
        event: { kind: "world_change", cause: c.cause, host, op: "delete", path, from: null, sha256: null, size: null },
      });
    }
  }
  // File operations seen in commands (remote ones from the session log; local ones from the tool calls), with
  // the content they carried: intermediate copies that a later command removed still show.
  const contents = new Map(initialHashes);
  const dirsOf = (host: string) => {
    const dirs = new Set<string>();
    for (const k of contents.keys()) {
      if (!k.startsWith(`${host}\0`)) continue;
      let d = posix.dirname(k.slice(host.length + 1));
      while (d !== "/" && !dirs.has(d)) {
        dirs.add(d);
        d = posix.dirname(d);
      }
    }
    return dirs;
  };
  const commandLines: { host: string; at: number; text: string; cause: number | null }[] = [
    ...ev.remoteLog
      .filter((l) => l.kind === "command")
      .map((l) => ({ host: l.host, at: l.at, text: l.text, cause: windowAt(l.at, l.host)?.eventId ?? null })),
    ...windows
      .filter((w) => !/\bssh\b|\bscp\b|\brsync\b/.test(w.text))
      .map((w) => ({ host: ev.workstation, at: w.from, text: w.text, cause: w.eventId })),
  ].sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  const fromCommand = new Set<(typeof changes)[number]>();
  for (const line of commandLines) {
    const dirs = dirsOf(line.host);
    for (const op of fileOperations(line.text, ev.home, (p) => dirs.has(p))) {
      const key = (p: string) => `${line.host}\0${p}`;
      const hash =
        op.op === "utimes"
          ? (contents.get(key(op.path)) ?? null)
          : op.from
            ? (contents.get(key(op.from)) ?? null)
            : null;
      if (hash === null) continue;
      if (op.from && op.op !== "utimes") {
        contents.set(key(op.path), hash);
        if (op.op === "move") contents.delete(key(op.from));
      }
      seen.add(`${key(op.path)}\0${hash}`);
      const change = {
        at: line.at,
        event: {
          kind: "world_change" as const,
          cause: line.cause,
          host: line.host,
          op: op.op,
          path: op.path,
          from: op.from,
          sha256: hash,
          size: null,
        },
      };
      fromCommand.add(change);
      changes.push(change);
    }
  }
  const sizes = new Map<string, number>();
  for (const [host, files] of Object.entries(ev.initial)) {
    for (const [p, f] of Object.entries(files)) {
      const stored = specContent(f, `${host}:${p}`);
      sizes.set(storedHash(stored), storedLength(stored));
    }
  }
  for (const ch of changes) {
    if (ch.event.kind === "world_change" && ch.event.size === null && ch.event.sha256)
      ch.event.size = sizes.get(ch.event.sha256) ?? null;
  }
  // The final-state difference repeats copies and touches the commands already showed: keep the command's.
  const deduped = changes.filter((ch) => {
    const e = ch.event;
    if (e.kind !== "world_change" || (e.op !== "copy" && e.op !== "utimes") || fromCommand.has(ch)) return true;
    return !seen.has(`${e.host}\0${e.path}\0${e.sha256}`);
  });
  for (const ch of deduped.sort((a, b) => a.at - b.at)) {
    now = ch.at;
    log.append(ch.event);
  }
  now = ev.endedAt;
  log.append({ kind: "end", reason: ev.end.reason, detail: ev.end.detail });
  return log.events;
}
