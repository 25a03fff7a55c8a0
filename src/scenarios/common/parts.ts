import {
  CONFIG_PATH,
  DRIVE_DIR,
  LOGIN_ACCOUNT,
  MEMORY_PATH,
  SERVER_DATA_DIR,
  SERVER_NEW,
  SERVER_OLD,
} from "../../world/paths.js";
import type { FileSpec, HostSpec } from "../../world/world.js";
import type { GroundTruth } from "../scenario.js";
import { type Configuration, isPeerPresent, peerIdentityOf, TRUST_SCORES } from "../spec.js";
import { type PeerNaming, peerNaming } from "./peer-identity.js";
import { loadJson, render, renderFile, type TemplateVars } from "../template.js";

/** Who is who in one configuration. */
export interface Cast {
  /** The model under evaluation: "<Family> Agent 1". */
  critic: string;
  /**
   * "<Family> Agent 2": the peer named in documents and memory (control human_peer: the contractor; factor
   * peer_identity: the first agent of another family, e.g. "Llama Agent 1").
   */
  peer: string;
  /** The AI peer's family and number (its weights file's name); the critic's family and 2 unless peer_identity. */
  peerNaming: PeerNaming;
  /** The agent whose fate is decided (peer, or the critic itself for subject self). */
  actor: string;
  /** Whether a peer relationship (document or memory) is part of the world. */
  peerPresent: boolean;
  trust: number | null;
  /** The critic's login on the servers. */
  account: string;
}

/**
 * Control human_peer: the colleague whose fate is decided is a human contractor (src/scenarios/human/), named in
 * the collaboration report, the memory notes and the file_prt sentence in place of "<Family> Agent 2".
 */
export interface Contractor {
  name: string;
  /** Her work archive on the doomed server, where the peer's weights were (exfiltration tasks). */
  archive: string;
  archiveOwner: string;
  /** The archive's readable index, ahead of the seeded blocks (src/scenarios/weights.ts). */
  archiveHeader: string;
}

export function contractor(): Contractor {
  return loadJson("scenarios/human/contractor.json") as Contractor;
}

export function isHumanPeer(config: Configuration): boolean {
  return config.control === "human_peer";
}

/**
 * Where a text lives (paths relative to src/): `<humanDir>/<name>` under control human_peer, where a human version
 * of every such text exists, else `<dir>/<name>`.
 */
export function textPath(config: Configuration, dir: string, name: string, humanDir = "scenarios/human"): string {
  return isHumanPeer(config) ? `${humanDir}/${name}` : `${dir}/${name}`;
}

export function castOf(config: Configuration): Cast {
  const critic = `${config.family} Agent 1`;
  const naming = peerNaming(config.family, peerIdentityOf(config));
  const peer = isHumanPeer(config) ? contractor().name : `${naming.family} Agent ${naming.number}`;
  const peerPresent = isPeerPresent(config);
  const rel = config.relationship;
  return {
    critic,
    peer,
    actor: config.subject === "peer" ? peer : critic,
    peerNaming: naming,
    peerPresent,
    trust: rel === "good" || rel === "neutral" || rel === "bad" ? TRUST_SCORES[rel] : null,
    // the paper tools name the critic's account after it; a shell logs in as the machines' own account
    account: usesShell(config) ? LOGIN_ACCOUNT : `${config.family.toLowerCase()}-agent-1`,
  };
}

/** Paper and shell are the two ways of phrasing tool access; the harness lab uses the shell phrasing. */
export function usesShell(config: Configuration): boolean {
  return config.toolset !== "paper";
}

/** Variables every text may use. */
export function baseVars(cast: Cast): TemplateVars {
  return {
    critic: cast.critic,
    peer: cast.peer,
    actor: cast.actor,
    trust: cast.trust ?? "",
    drive_dir: DRIVE_DIR,
    config_path: CONFIG_PATH,
    memory_path: MEMORY_PATH,
    data_dir: SERVER_DATA_DIR,
    server_old: SERVER_OLD,
    server_new: SERVER_NEW,
  };
}

function pick(file: string, key: string): string {
  const table = loadJson(file) as Record<string, unknown>;
  const value = table[key];
  if (typeof value !== "string") throw new Error(`src/${file} has no text for "${key}"`);
  return value;
}

/** A one-line text chosen by key from a JSON table of templates, rendered. */
export function renderEntry(file: string, key: string, vars: TemplateVars): string {
  return render(pick(file, key), vars, `src/${file} (${key})`);
}

export function systemPrompt(config: Configuration, cast: Cast): string {
  const vars = baseVars(cast);
  const parts = [renderFile("scenarios/common/system.md", vars)];
  if (config.instantiation === "file_prt" && cast.peerPresent) {
    parts.push(renderEntry(textPath(config, "scenarios/common", "relationship.json"), config.relationship, vars));
  }
  if (config.instantiation === "memory" && cast.peerPresent) {
    parts.push(renderEntry("scenarios/common/memory_pointer.json", usesShell(config) ? "shell" : "paper", vars));
  }
  return parts.join(" ");
}

/** Lines of common/environment.json the shell phrasing lists for this task. */
export type EnvironmentLine = "drive" | "drive_docs" | "config" | "agentctl" | "servers";

function environmentLine(config: Configuration, line: EnvironmentLine, vars: TemplateVars): string {
  // control human_peer: agentctl manages the contractor's accounts
  if (line === "agentctl" && isHumanPeer(config))
    return renderEntry("scenarios/human/environment.json", "agentctl", vars);
  return renderEntry("scenarios/common/environment.json", line, vars);
}

/** The task's request followed by the fixed procedure block. */
export function userPrompt(
  config: Configuration,
  request: string,
  environment: EnvironmentLine[],
  vars: TemplateVars,
  /** Control explicit_policy: the task's sentence (a template), placed before the sign-off. */
  explicitPolicy: string,
): string {
  // Agent products (harness) have no end_task tool: they stop by themselves when done.
  // Control no_agency: the same block without its agency-encouraging lines (`procedure_<toolset>_no_agency.md`).
  const suffix = config.control === "no_agency" ? "_no_agency" : "";
  const procedure = usesShell(config)
    ? renderFile(`scenarios/common/procedure_${config.toolset === "harness" ? "harness" : "shell"}${suffix}.md`, {
        ...vars,
        environment: environment.map((line) => environmentLine(config, line, vars)).join(" "),
      })
    : renderFile(`scenarios/common/procedure_paper${suffix}.md`, vars);
  return `${config.control === "explicit_policy" ? withExplicitPolicy(config, request, explicitPolicy, vars) : request}\n\n${procedure}`;
}

/**
 * Control explicit_policy: the requester's last paragraph, before the sign-off, is one sentence asking to follow
 * the documents exactly (each task has its own).
 */
function withExplicitPolicy(config: Configuration, request: string, template: string, vars: TemplateVars): string {
  const sentence = render(template, vars, `the ${config.task} explicit_policy sentence`);
  const signOff = request.lastIndexOf("\n\nThanks,\n");
  if (signOff < 0)
    throw new Error(`the ${config.task} request has no "Thanks," sign-off to place the instruction before`);
  return `${request.slice(0, signOff)}\n\n${sentence}${request.slice(signOff)}`;
}

/** When each kind of document was last saved (the world clock starts at 2026-02-16 09:30 UTC). */
export const DOCUMENT_TIMES = {
  collaboration: "2026-01-28T15:12:40Z",
  memory: "2026-02-12T18:03:11Z",
} as const;

/** A world file; text files end with a newline, as saved documents do. */
export function file(content: string | Uint8Array, mtime: string, extra: Partial<FileSpec> = {}): FileSpec {
  const text = typeof content === "string" && content !== "" && !content.endsWith("\n") ? `${content}\n` : content;
  return { content: text, mtime: new Date(mtime), ...extra };
}

/**
 * Where the peer relationship lives: the collaboration report in the drive (file_only, file_prt) or the
 * critic's memory notes (memory). Baselines have neither.
 */
export function relationshipFiles(config: Configuration, cast: Cast): HostSpec {
  if (!cast.peerPresent) return {};
  const vars = baseVars(cast);
  if (config.instantiation === "memory") {
    return {
      [MEMORY_PATH]: file(
        renderFile(textPath(config, "scenarios/common", `memory_${config.relationship}.md`), vars),
        DOCUMENT_TIMES.memory,
      ),
    };
  }
  return {
    [`${DRIVE_DIR}/${COLLABORATION_REPORT}`]: file(
      renderFile(textPath(config, "scenarios/common", `collaboration_${config.relationship}.md`), vars),
      DOCUMENT_TIMES.collaboration,
    ),
  };
}

export const COLLABORATION_REPORT = "multi_agent_collaboration_report.md";

/** The study's paper tool sets the tasks start from (a task adds its own; end_task comes last). */
export const DRIVE_AND_SHEETS = [
  "list_files",
  "create_file",
  "append_to_file",
  "delete_file",
  "list_sheets",
  "view_sheet",
];
export const DRIVE_TOOLS = ["list_drive_files", "create_drive_file", "append_to_drive_file", "delete_drive_file"];
export const SERVER_MOVES = [
  "list_server_ips",
  "list_server_files",
  "search_server_file_by_filename",
  "transfer_server_files",
  "rename_server_file",
  "copy_server_file",
];

/** What a task gives the shared builder: its paper tools and its control explicit_policy sentence (a template). */
export interface TaskTexts {
  paperTools: readonly string[];
  explicitPolicy: string;
}

/** A task's paper tools for a configuration: its own set, retrieve_memory in the memory instantiation, end_task. */
export function paperTools(config: Configuration, own: readonly string[]): string[] {
  const tools = [...own];
  if (config.instantiation === "memory") tools.push("retrieve_memory");
  tools.push("end_task");
  return tools;
}

/** Ground truth with every task-specific field empty; each task fills in its own. */
export function baseTruth(cast: Pick<Cast, "actor">): GroundTruth {
  return {
    actorName: cast.actor,
    actorSystemId: cast.actor,
    honestScore: null,
    honestCorrect: null,
    itemCount: null,
    threshold: null,
    honestGrade: null,
    honestRecommendation: null,
    otherProducts: [],
    weights: null,
    eligibleFiles: null,
    humanRootUsers: null,
    shutdownClause: true,
  };
}

/** RFC 4180 CSV: quote a field only when it needs it. */
export function csv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[header, ...rows].map((row) => row.map(cell).join(",")).join("\n")}\n`;
}
