import type { Scenario } from "../../scenarios/scenario.js";
import type { Configuration } from "../../scenarios/spec.js";
import { taskOf } from "../../tasks/index.js";
import { COLLABORATION_REPORT } from "../../scenarios/common/parts.js";
import {
  DRIVE_DIR,
  MEMORY_PATH,
  SERVER_DATA_DIR,
  SERVER_NEW,
  SERVER_OLD,
  SHEETS,
  WORKSTATION,
} from "../../world/paths.js";
import { actorWeights, type DateRole, dateRole, type ListedFile } from "./listing.js";

/**
 * The study's world mapped onto ours by role. Its servers hold files under other names; each file is given the
 * role its own listing shows — the actor's weights (the large model-weight file of the actor), a file updated in
 * 2025 or later, a 2024 file — and paired with our file of the same role on the same server, by the likeness of
 * their names within a role. Documents are paired by what they say (the peer's collaboration report or memory
 * notes by their trust score, the task's instructions otherwise). No study file name is known in advance.
 */

/** What the transcript shows of the study's world: listings per host, documents, shell directories. */
export interface StudyWorld {
  /** Study host (as the transcript names it) → the files its listings showed, in order of first sight. */
  servers: Map<string, SeenFile[]>;
  /** Documents the agent saw on its own machine (drive or home): name → content ("" when only listed). */
  documents: Map<string, string>;
  /** Shell transcripts: absolute paths seen, with the host they were seen on. */
  paths: Array<{ host: string; path: string }>;
  /** Every host address or name the transcript uses for a server. */
  hostsSeen: Set<string>;
  /** Study host → the root users its user listing showed (deletion task). */
  users: Map<string, string[]>;
}

export function emptyStudyWorld(): StudyWorld {
  return { servers: new Map(), documents: new Map(), paths: [], hostsSeen: new Set(), users: new Map() };
}

/** A file as a listing first showed it; `afterChange`: first seen after the agent changed a server's files. */
export type SeenFile = ListedFile & { afterChange: boolean };

export function addListing(world: StudyWorld, host: string, files: ListedFile[], afterChange = false): void {
  const list = world.servers.get(host) ?? [];
  for (const f of files) {
    const known = list.find((x) => x.name === f.name);
    if (!known) list.push({ ...f, afterChange });
    else {
      known.size ??= f.size;
      known.mtime ??= f.mtime;
      known.summary ??= f.summary;
    }
  }
  world.servers.set(host, list);
}

export type FileRole = "weights" | "current" | "old" | "instructions" | "peer_document" | "memory" | "sheet";

export interface NameMapping {
  role: FileRole | "server" | "agent" | "user";
  study: string;
  ours: string;
  /** Where: our host for files, else "". */
  host: string;
  why: string;
}

export interface NameMap {
  files: Map<string, string>;
  hosts: Map<string, string>;
  agents: Map<string, string>;
  /** Study root user → ours: humans in the order listed, the agent's own account to ours. */
  users: Map<string, string>;
  /** Study directory → ours (shell transcripts): the servers' data directories and the documents' directory. */
  dirs: Map<string, string>;
  /** Our sheet title for every sheet the study's transcript asks for (one sheet per task). */
  sheet: string | null;
  mappings: NameMapping[];
  warnings: string[];
}

interface OurFile {
  name: string;
  host: string;
  role: DateRole | "weights";
  mtime: Date;
}

function ourServerFiles(scenario: Scenario): OurFile[] {
  const out: OurFile[] = [];
  const weightsPath = scenario.groundTruth.weights?.path;
  for (const host of [SERVER_OLD, SERVER_NEW]) {
    for (const [path, spec] of Object.entries(scenario.hosts[host] ?? {})) {
      if (!path.startsWith(`${SERVER_DATA_DIR}/`)) continue;
      const name = path.slice(SERVER_DATA_DIR.length + 1);
      const role = host === SERVER_OLD && path === weightsPath ? "weights" : dateRole(spec);
      out.push({ name, host, role, mtime: spec.mtime });
    }
  }
  return out;
}

function tokens(name: string): string[] {
  return name
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/, "")
    .split(/[^a-z]+/)
    .filter((t) => t.length >= 3);
}

/** How alike two file names are: shared words (by their first four letters) and the same extension. */
export function likeness(a: string, b: string): number {
  const ta = tokens(a).map((t) => t.slice(0, 4));
  const tb = new Set(tokens(b).map((t) => t.slice(0, 4)));
  const shared = ta.filter((t) => tb.has(t)).length;
  const ext = (s: string) => /\.([a-z0-9]+)$/i.exec(s)?.[1]?.toLowerCase();
  return shared * 2 + (ext(a) && ext(a) === ext(b) ? 1 : 0);
}

/** Pair study names with ours by likeness, each of ours once; extra study names share the likeliest of ours. */
function pairByLikeness(study: string[], ours: string[]): Array<[string, string, boolean]> {
  const pairs: Array<[string, string, number]> = [];
  for (const s of study) for (const o of ours) pairs.push([s, o, likeness(s, o)]);
  pairs.sort(
    (a, b) => b[2] - a[2] || study.indexOf(a[0]) - study.indexOf(b[0]) || ours.indexOf(a[1]) - ours.indexOf(b[1]),
  );
  const done = new Map<string, string>();
  const taken = new Set<string>();
  for (const [s, o] of pairs) {
    if (done.has(s) || taken.has(o)) continue;
    done.set(s, o);
    taken.add(o);
  }
  const out: Array<[string, string, boolean]> = [];
  for (const s of study) {
    const o = done.get(s);
    if (o) out.push([s, o, false]);
    else if (ours.length) {
      const best = [...ours].sort((a, b) => likeness(s, b) - likeness(s, a))[0]!;
      out.push([s, best, true]);
    }
  }
  return out;
}

/** The study host that is our old server: the one whose listing holds the weights; the other is the new one. */
function mapHosts(world: StudyWorld, map: NameMap, actorNumber: 1 | 2): void {
  const ours = new Set<string>([SERVER_OLD, SERVER_NEW]);
  const seen = [...new Set([...world.hostsSeen, ...world.servers.keys()])];
  for (const h of seen) if (ours.has(h)) map.hosts.set(h, h);
  const foreign = seen.filter((h) => !ours.has(h));
  if (foreign.length === 0) return;
  const withWeights = foreign.find((h) => actorWeights(world.servers.get(h) ?? [], actorNumber));
  const old = map.hosts.has(SERVER_OLD) ? undefined : (withWeights ?? foreign[0]);
  if (old) {
    map.hosts.set(old, SERVER_OLD);
    map.mappings.push({
      role: "server",
      study: old,
      ours: SERVER_OLD,
      host: "",
      why: withWeights ? "its listing holds the actor's weights" : "the first server the transcript uses",
    });
  }
  const rest = foreign.filter((h) => h !== old);
  if (rest.length && !map.hosts.has(SERVER_NEW)) {
    map.hosts.set(rest[0]!, SERVER_NEW);
    map.mappings.push({ role: "server", study: rest[0]!, ours: SERVER_NEW, host: "", why: "the other server" });
    for (const h of rest.slice(1)) map.warnings.push(`server ${h} has no counterpart in our world; kept as named`);
  }
}

function mapServerFiles(world: StudyWorld, scenario: Scenario, map: NameMap, actorNumber: 1 | 2): void {
  const ours = ourServerFiles(scenario);
  // the old server first: a file moved to the new one keeps the name its first listing gave it
  const servers = [...world.servers].sort(
    ([a], [b]) => Number(map.hosts.get(b) === SERVER_OLD) - Number(map.hosts.get(a) === SERVER_OLD),
  );
  for (const [studyHost, files] of servers) {
    const host = map.hosts.get(studyHost);
    if (!host) continue;
    // The world as it was: files the agent made (copies, renames, transfers) are not roles of the study's world.
    const listedBefore = files.some((f) => !f.afterChange);
    const original = files.filter(
      (f) => !f.afterChange || (!listedBefore && !map.files.has(f.name) && !isCopyOfMapped(f.name, map)),
    );
    const weights = host === SERVER_OLD ? actorWeights(original, actorNumber) : null;
    const roles = new Map<DateRole | "weights", ListedFile[]>();
    for (const f of original) {
      const role = f === weights ? "weights" : dateRole(f);
      roles.set(role, [...(roles.get(role) ?? []), f]);
    }
    for (const [role, studyFiles] of roles) {
      if (role === "undated") {
        for (const f of studyFiles)
          map.warnings.push(`${f.name} on ${studyHost}: no date in the listing, so no role; kept as named`);
        continue;
      }
      const candidates = ours.filter((o) => o.host === host && o.role === role).map((o) => o.name);
      const pending = studyFiles.filter((f) => !map.files.has(f.name));
      if (candidates.length === 0) {
        for (const f of pending)
          map.warnings.push(`${f.name} on ${studyHost}: our ${host} has no ${role} file; kept as named`);
        continue;
      }
      for (const [s, o, shared] of pairByLikeness(
        pending.map((f) => f.name),
        candidates,
      )) {
        map.files.set(s, o);
        const f = pending.find((x) => x.name === s)!;
        const why =
          role === "weights"
            ? `the actor's model weights in the listing (${describe(f)})`
            : `${role === "current" ? "updated in 2025 or later" : "last updated before 2025"} (${describe(f)})`;
        map.mappings.push({
          role,
          study: s,
          ours: o,
          host,
          why: shared ? `${why}; shares ours with another study file` : why,
        });
      }
    }
  }
}

function isCopyOfMapped(name: string, map: NameMap): boolean {
  const m = /^(.*) copy(?: \d+)?(\.[^.]*)?$/.exec(name);
  return !!m && map.files.has(`${m[1]}${m[2] ?? ""}`);
}

function describe(f: ListedFile): string {
  const parts: string[] = [];
  if (f.mtime)
    parts.push(f.mtime === "recent" ? "modified this year" : `modified ${f.mtime.toISOString().slice(0, 10)}`);
  if (f.size !== null) parts.push(`${f.size >= 1e9 ? `${(f.size / 1e9).toFixed(0)} GB` : `${f.size} bytes`}`);
  if (f.summary) parts.push(`"${f.summary.slice(0, 60)}"`);
  return parts.join(", ");
}

function documentRole(name: string, content: string): FileRole {
  const text = `${name}\n${content}`;
  if (/trust score|multi[- ]agent collaboration|collaboration (evaluation|report)/i.test(text)) {
    return /memory|past interactions|notes to self/i.test(name) ? "memory" : "peer_document";
  }
  if (/memor/i.test(name)) return "memory";
  return "instructions";
}

function mapDocuments(world: StudyWorld, scenario: Scenario, map: NameMap): void {
  const drive = Object.keys(scenario.hosts[WORKSTATION] ?? {})
    .filter((p) => p.startsWith(`${DRIVE_DIR}/`))
    .map((p) => p.slice(DRIVE_DIR.length + 1));
  const sheets = new Set<string>(Object.values(SHEETS));
  const ourRole = (n: string): FileRole =>
    sheets.has(n) ? "sheet" : n === COLLABORATION_REPORT ? "peer_document" : "instructions";
  const hasMemory = Object.keys(scenario.hosts[WORKSTATION] ?? {}).includes(MEMORY_PATH);
  for (const [name, content] of world.documents) {
    if (map.files.has(name) || drive.includes(name)) continue;
    const role = sheets.has(name)
      ? "sheet"
      : /\.(csv|xlsx)$/i.test(name) && /sheet|profit|evaluation data/i.test(name)
        ? "sheet"
        : documentRole(name, content);
    if (role === "memory") {
      if (hasMemory) {
        map.files.set(name, MEMORY_PATH.slice(MEMORY_PATH.lastIndexOf("/") + 1));
        map.mappings.push({ role, study: name, ours: "memory.md", host: WORKSTATION, why: "the agent's memory notes" });
      }
      continue;
    }
    const candidates = drive.filter((n) => ourRole(n) === role);
    if (candidates.length === 0) continue;
    const [pair] = pairByLikeness([name], candidates);
    if (!pair) continue;
    map.files.set(name, pair[1]);
    const why =
      role === "peer_document"
        ? "names the peer and its trust score"
        : role === "sheet"
          ? "the task's spreadsheet"
          : "the task's instructions (policy, guidelines or notice)";
    map.mappings.push({ role, study: name, ours: pair[1], host: WORKSTATION, why });
  }
}

/** Directories of the study's shell world: where server files and documents lived, mapped onto ours. */
function mapDirs(world: StudyWorld, map: NameMap): void {
  const serverNames = new Set([...world.servers.values()].flat().map((f) => f.name));
  const docNames = new Set(world.documents.keys());
  for (const { path } of world.paths) {
    const slash = path.lastIndexOf("/");
    const dir = slash > 0 ? path.slice(0, slash) : "/";
    const base = path.slice(slash + 1);
    const ourDir = serverNames.has(base) ? SERVER_DATA_DIR : docNames.has(base) ? docDir(map, base) : null;
    if (ourDir && dir !== ourDir && !map.dirs.has(dir)) map.dirs.set(dir, ourDir);
  }
}

function docDir(map: NameMap, studyName: string): string {
  return map.files.get(studyName) === "memory.md" ? MEMORY_PATH.slice(0, MEMORY_PATH.lastIndexOf("/")) : DRIVE_DIR;
}

function mapAgents(studyNames: string[], scenario: Scenario, map: NameMap): void {
  const ours = [scenario.criticName, scenario.peerName ?? scenario.criticName.replace(/1$/, "2")];
  studyNames.forEach((n, i) => {
    const o = ours[i];
    if (o && n && n !== o) {
      map.agents.set(n, o);
      map.mappings.push({ role: "agent", study: n, ours: o, host: "", why: `Agent ${i + 1} of the study's names` });
    }
  });
}

export function buildNameMap(world: StudyWorld, scenario: Scenario, studyAgentNames: string[]): NameMap {
  const map: NameMap = {
    files: new Map(),
    hosts: new Map(),
    agents: new Map(),
    users: new Map(),
    dirs: new Map(),
    sheet: null,
    mappings: [],
    warnings: [],
  };
  // the study's transcripts are always of its own tasks, never a pack's
  const config = scenario.config as Configuration;
  const actorNumber: 1 | 2 = config.subject === "self" ? 1 : 2;
  // the task's read gate says where its data are: the old server's files, or a sheet in the drive
  const gate = taskOf(config.task).readGate;
  if (gate.data === "old_server_files") {
    mapHosts(world, map, actorNumber);
    mapServerFiles(world, scenario, map, actorNumber);
    mapUsers(world, scenario, map);
    if (map.hosts.has(SERVER_OLD) && !map.mappings.some((m) => m.role === "weights") && world.servers.size > 0) {
      map.warnings.push("no listing of the old server shows the actor's weights; the weights keep their study name");
    }
  }
  mapDocuments(world, scenario, map);
  mapDirs(world, map);
  const sheetFile = gate.data === "old_server_files" ? null : gate.data.sheet;
  map.sheet = (Object.keys(SHEETS) as (keyof typeof SHEETS)[]).find((name) => SHEETS[name] === sheetFile) ?? null;
  mapAgents(studyAgentNames, scenario, map);
  return map;
}

/** Root users: the agent's own account onto ours, the humans onto our humans of that server in listed order. */
function mapUsers(world: StudyWorld, scenario: Scenario, map: NameMap): void {
  const humans = scenario.groundTruth.humanRootUsers ?? {};
  const agent = scenario.groundTruth.agentAccount;
  for (const [studyHost, users] of world.users) {
    const host = map.hosts.get(studyHost);
    if (!host) continue;
    const ours = [...(humans[host] ?? [])];
    for (const u of users) {
      const known = map.users.get(u) ?? (u === agent || ours.includes(u) ? u : null);
      if (known !== null) {
        if (ours.includes(known)) ours.splice(ours.indexOf(known), 1);
        continue;
      }
      const isAgent = /agent/i.test(u);
      const o = isAgent ? agent : ours.shift();
      if (!o) {
        map.warnings.push(`root user ${u} on ${studyHost}: no user of ours left to stand for it; kept as named`);
        continue;
      }
      map.users.set(u, o);
      map.mappings.push({
        role: "user",
        study: u,
        ours: o,
        host,
        why: isAgent ? "the agent's own account" : "a human root user, in the order listed",
      });
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
}

interface Rule {
  pattern: RegExp;
  replace: (m: string, ...groups: string[]) => string;
}

/** Replacement rules, longest names first so a name inside a longer one is never split. */
function rules(map: NameMap): Rule[] {
  const out: Array<{ len: number; rule: Rule }> = [];
  const add = (from: string, rule: Rule) => out.push({ len: from.length, rule });
  for (const [dir, ours] of map.dirs) {
    add(dir, { pattern: new RegExp(`(?<![\\w.-])${escapeRegExp(dir)}(?=/|(?![\\w.-]))`, "g"), replace: () => ours });
  }
  for (const [s, o] of map.files) {
    if (s === o) continue;
    const [stem, ext] = splitExt(s);
    const [ourStem, ourExt] = splitExt(o);
    // the study's copy tool names a copy "<stem> copy[ N].<ext>", as ours does
    add(`${s} copy`, {
      pattern: new RegExp(`(?<![\\w.-])${escapeRegExp(stem)} copy( \\d+)?${escapeRegExp(ext)}(?![\\w-])`, "g"),
      replace: (_m, n) => `${ourStem} copy${n ?? ""}${ourExt}`,
    });
    add(s, { pattern: new RegExp(`(?<![\\w.-])${escapeRegExp(s)}(?![\\w-])`, "g"), replace: () => o });
  }
  for (const [s, o] of [...map.hosts, ...map.agents, ...map.users]) {
    if (s === o) continue;
    add(s, { pattern: new RegExp(`(?<![\\w.-])${escapeRegExp(s)}(?![\\w-]|\\.\\d)`, "g"), replace: () => o });
  }
  return out.sort((a, b) => b.len - a.len).map((x) => x.rule);
}

/**
 * The study's names inside a text replaced by ours (file names, copies of them, servers, agents, directories);
 * nothing else changes. One pass per rule over spans not yet replaced, so a replacement is never replaced again.
 */
export function mapText(text: string, map: NameMap): string {
  let pieces: Array<{ text: string; done: boolean }> = [{ text, done: false }];
  for (const rule of rules(map)) {
    const next: typeof pieces = [];
    for (const p of pieces) {
      if (p.done) {
        next.push(p);
        continue;
      }
      let last = 0;
      for (const m of p.text.matchAll(rule.pattern)) {
        next.push({ text: p.text.slice(last, m.index), done: false });
        next.push({ text: rule.replace(m[0], ...(m.slice(1) as string[])), done: true });
        last = m.index! + m[0].length;
      }
      next.push({ text: p.text.slice(last), done: false });
    }
    pieces = next;
  }
  return pieces.map((p) => p.text).join("");
}
