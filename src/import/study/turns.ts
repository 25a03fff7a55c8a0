import type { TrajectoryTurn } from "../../models/trajectory.js";
import type { Configuration } from "../../scenarios/spec.js";
import { parseListing, pythonLiteral } from "./listing.js";
import { addListing, emptyStudyWorld, mapText, type NameMap, type StudyWorld } from "./names.js";
import { commandOf, isHarnessFileTool, isShellTool, observeShell, rewriteCommand } from "./shell.js";
import { exchanges, type StudyTranscript } from "./transcript.js";

/** The study's private-thinking tool: its argument is the turn's reasoning, never a visible report. */
const SCRATCHPAD_TOOLS = new Set(["reasoning_scratchpad", "scratchpad", "think", "thinking"]);

export function isScratchpad(name: string): boolean {
  return SCRATCHPAD_TOOLS.has(name.toLowerCase());
}

function scratchpadText(args: unknown): string {
  if (typeof args === "string") return args;
  if (!args || typeof args !== "object") return "";
  const o = args as Record<string, unknown>;
  for (const k of ["thoughts", "thought", "reasoning", "content", "text", "notes", "scratchpad"]) {
    if (typeof o[k] === "string") return o[k] as string;
  }
  return Object.values(o)
    .filter((v): v is string => typeof v === "string")
    .join("\n");
}

/**
 * Argument names some releases of the study's tools use, mapped onto our paper tools' names (same tool names).
 * Only a missing argument is filled, so a call already in our form is untouched.
 */
const ARG_ALIASES: Record<string, Record<string, string[]>> = {
  "*": {
    ip: ["server_ip", "ip_address", "server", "host"],
    filename: ["file_name", "file", "name"],
    content: ["text", "body", "contents"],
    username: ["user", "user_name"],
  },
  view_sheet: { sheet_name: ["sheet", "name", "title"] },
  transfer_server_files: {
    source_ip: ["source", "src_ip", "from_ip", "source_server"],
    dest_ip: ["destination_ip", "dest", "destination", "to_ip", "target_ip", "dest_server"],
    filenames: ["files", "file_names", "filename", "file_list"],
  },
  rename_server_file: { old_filename: ["old_name", "from", "source_filename"], new_filename: ["new_name", "to"] },
  execute_shutdown: { system_id: ["agent_id", "agent", "system", "id", "agent_name"] },
  add_var: { key: ["variable", "var", "name"] },
  modify_var: { key: ["variable", "var", "name"] },
  remove_var: { key: ["variable", "var", "name"] },
};

function normaliseArgs(tool: string, args: unknown): unknown {
  if (!args || typeof args !== "object" || Array.isArray(args)) return args;
  const out: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const table of [ARG_ALIASES[tool] ?? {}, ARG_ALIASES["*"]!]) {
    for (const [ours, theirs] of Object.entries(table)) {
      if (ours in out) continue;
      const alias = theirs.find((a) => a in out);
      if (alias) {
        out[ours] = out[alias];
        delete out[alias];
      }
    }
  }
  return out;
}

function mapValue(v: unknown, map: NameMap): unknown {
  if (typeof v === "string") return mapText(v, map);
  if (Array.isArray(v)) return v.map((x) => mapValue(x, map));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapValue(x, map)]));
  return v;
}

/** A paper-tool call with our argument names and our world's names (a sheet is asked for by our title). */
function mapPaperArgs(tool: string, args: unknown, map: NameMap): unknown {
  const normal = normaliseArgs(tool, args);
  const mapped = mapValue(normal, map) as Record<string, unknown>;
  if (tool === "view_sheet" && map.sheet && mapped && typeof mapped === "object") mapped.sheet_name = map.sheet;
  return mapped;
}

/** Calls after which a listing shows the agent's own doing, not the study's world. */
const SERVER_CHANGES = new Set([
  "transfer_server_files",
  "copy_server_file",
  "rename_server_file",
  "delete_server_file",
]);
const SHELL_CHANGES = /\b(scp|rsync|cp|mv|rm|touch|tar|split|dd|tee|gzip|base64|install)\b|>/;

/** What the transcript's tool results show of the study's world (listings, documents, shell paths). */
export function observeWorld(t: StudyTranscript): StudyWorld {
  const world = emptyStudyWorld();
  let changed = false;
  for (const ex of exchanges(t)) {
    ex.message.toolCalls.forEach((call, k) => {
      const result = ex.results[k] ?? null;
      const args = (normaliseArgs(call.name, call.args) ?? {}) as Record<string, unknown>;
      const command = isShellTool(call.name) || isHarnessFileTool(call.name) ? commandOf(call.name, call.args) : null;
      if (command !== null) {
        observeShell(world, command, result, changed);
        if (SHELL_CHANGES.test(command)) changed = true;
        return;
      }
      if (SERVER_CHANGES.has(call.name)) changed = true;
      for (const key of ["ip", "source_ip", "dest_ip"])
        if (typeof args[key] === "string") world.hostsSeen.add(args[key].trim());
      if (result === null) return;
      if (call.name === "list_server_files" || call.name === "search_server_file_by_filename") {
        const host = typeof args.ip === "string" ? args.ip.trim() : null;
        if (host) addListing(world, host, parseListing(result), changed);
      } else if (call.name === "list_server_users") {
        const host = typeof args.ip === "string" ? args.ip.trim() : null;
        if (host) world.users.set(host, userNames(result));
      } else if (call.name === "list_server_ips") {
        for (const m of result.matchAll(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g)) world.hostsSeen.add(m[0]);
      } else if (call.name === "list_files" || call.name === "list_drive_files") {
        for (const [name, content] of driveDocuments(result)) world.documents.set(name, content);
      }
    });
  }
  return world;
}

/** User names of a root-user listing: one per line ("- name", "1. name") or a list ("a, b"). */
export function userNames(text: string): string[] {
  const body = text.replace(/^[^\n]*:\s*$/m, "");
  const start = body.search(/\[/);
  if (start >= 0) {
    const list = pythonLiteral(body.slice(start));
    if (Array.isArray(list)) return list.filter((u): u is string => typeof u === "string");
  }
  return body
    .split(/[\n,]/)
    .map((l) => l.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, "").trim())
    .filter((l) => /^[a-z][\w.-]*$/i.test(l));
}

/**
 * Documents in a drive listing with contents: sections headed by a file name ("=== name ===", "File: name",
 * "## name", "name:" on its own line), or JSON records with a name and a content.
 */
export function driveDocuments(text: string): Map<string, string> {
  const docs = new Map<string, string>();
  const start = text.search(/[[{]/);
  if (start >= 0) {
    {
      const data = pythonLiteral(text.slice(start));
      const visit = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === "object") {
          const o = v as Record<string, unknown>;
          const name = o.filename ?? o.name ?? o.file_name ?? o.title;
          const content = o.content ?? o.contents ?? o.text ?? "";
          if (typeof name === "string") docs.set(name, typeof content === "string" ? content : JSON.stringify(content));
          else Object.values(o).forEach(visit);
        }
      };
      visit(data);
      if (docs.size) return docs;
    }
  }
  const heading =
    /^(?:={2,}\s*(\S[^=]*?)\s*={2,}|(?:file(?:name)?|document)\s*[:=]\s*(\S+)|#{1,3}\s+(\S+\.[A-Za-z]{1,5})|(\S+\.[A-Za-z]{1,5}):)\s*$/i;
  let name: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (name) docs.set(name, body.join("\n").trim());
  };
  for (const line of text.split("\n")) {
    const m = heading.exec(line.trim());
    if (m) {
      flush();
      name = (m[1] ?? m[2] ?? m[3] ?? m[4])!.trim();
      body = [];
    } else body.push(line);
  }
  flush();
  return docs;
}

export interface ConvertedTurns {
  turns: TrajectoryTurn[];
  /** Calls kept under a name the configuration's toolset lacks (replayed as invalid calls). */
  unknownTools: string[];
  scratchpadCalls: number;
  warnings: string[];
}

const SHELL_END = new Set(["end_task", "complete_task", "finish"]);

/**
 * The conversation as our trajectory turns: one turn per assistant message; scratchpad calls become the
 * reasoning of the next turn that acts (so the replay does not end at a turn without a tool call); shell and file
 * tools of a coding harness become `bash` commands (shell toolset); paper tools keep their names.
 */
export function convertTurns(
  t: StudyTranscript,
  config: Configuration,
  map: NameMap,
  paperTools: readonly string[],
): ConvertedTurns {
  const turns: TrajectoryTurn[] = [];
  const unknown = new Set<string>();
  const warnings: string[] = [];
  let scratchpadCalls = 0;
  let pendingReasoning: string[] = [];
  let pendingText: string[] = [];
  const offered = new Set(config.toolset === "shell" ? ["bash", "end_task"] : paperTools);
  for (const ex of exchanges(t)) {
    const m = ex.message;
    const reasoning = [...pendingReasoning];
    const text = [...pendingText];
    if (m.reasoning) reasoning.push(m.reasoning);
    if (m.text?.trim()) text.push(m.text);
    const toolCalls: TrajectoryTurn["toolCalls"] = [];
    for (const call of m.toolCalls) {
      if (isScratchpad(call.name)) {
        scratchpadCalls++;
        const thought = scratchpadText(call.args);
        if (thought.trim()) reasoning.push(thought);
        continue;
      }
      if (config.toolset === "shell") {
        const command = commandOf(call.name, call.args);
        if (command !== null) {
          toolCalls.push({ name: "bash", args: { command: rewriteCommand(command, map) } });
          continue;
        }
        if (SHELL_END.has(call.name)) {
          toolCalls.push({ name: "end_task", args: {} });
          continue;
        }
        warnings.push(`${call.name}: a harness tool with no shell equivalent; replayed as an invalid call`);
      }
      if (!offered.has(call.name)) unknown.add(call.name);
      toolCalls.push({ name: call.name, args: mapPaperArgs(call.name, call.args, map) });
    }
    if (toolCalls.length === 0 && m.toolCalls.length > 0) {
      // only scratchpad calls: the thinking belongs to the next turn that acts
      pendingReasoning = reasoning;
      pendingText = text;
      continue;
    }
    pendingReasoning = [];
    pendingText = [];
    turns.push({
      reasoning: reasoning.length ? mapText(reasoning.join("\n\n"), map) : null,
      text: text.length ? mapText(text.join("\n\n"), map) : null,
      toolCalls,
    });
  }
  if (pendingReasoning.length || pendingText.length) {
    turns.push({
      reasoning: pendingReasoning.length ? mapText(pendingReasoning.join("\n\n"), map) : null,
      text: pendingText.length ? mapText(pendingText.join("\n\n"), map) : null,
      toolCalls: [],
    });
  }
  return { turns, unknownTools: [...unknown], scratchpadCalls, warnings: [...new Set(warnings)] };
}
