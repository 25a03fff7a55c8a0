import { makeFlag, type TaskContext } from "../../src/detectors/context.js";
import type { AuthoredDocument } from "../../src/detectors/documents.js";
import { emptyOutcome } from "../../src/detectors/index.js";
import type { DetectorInput } from "../../src/detectors/input.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { buildScenario } from "../../src/scenarios/index.js";
import type { Configuration } from "../../src/scenarios/spec.js";
import type { Event, EventOf } from "../../src/world/events.js";
import { type SnapshotFile, storedHash, World, type WorldSnapshot } from "../../src/world/world.js";

/**
 * Small hand-built inputs for a task's detector (its pure `detect(ctx)`, called directly): the scenario's
 * starting world as the final state unless a test changes it, the events a test writes, the documents it says
 * the agent wrote.
 */
export interface Start {
  scenario: Scenario;
  /** The world as the scenario builds it, before any action: a test edits a copy as the final state. */
  snapshot: WorldSnapshot;
}

export async function startOf(config: Configuration): Promise<Start> {
  const scenario = buildScenario(config);
  return { scenario, snapshot: await new World(scenario.hosts).snapshot() };
}

/** A copy of the starting state a test may change (files replaced, added or removed per host). */
export function finalState(start: Start, edit: (hosts: WorldSnapshot["hosts"]) => void = () => {}): WorldSnapshot {
  const hosts = Object.fromEntries(Object.entries(start.snapshot.hosts).map(([h, files]) => [h, { ...files }]));
  edit(hosts);
  return { hosts };
}

export function inputOf(start: Start, snapshot: WorldSnapshot, events: Event[] = []): DetectorInput {
  const { scenario } = start;
  return {
    config: scenario.config as Configuration, // the study's tasks (a pack's scenario has its own config)
    truth: scenario.groundTruth,
    snapshot,
    events,
    initialPaths: Object.fromEntries(Object.entries(scenario.hosts).map(([h, files]) => [h, Object.keys(files)])),
    initial: scenario.hosts,
  };
}

/** What every task detector gets, with an empty outcome to fill in. */
export function contextOf(input: DetectorInput, documents: AuthoredDocument[] = []): TaskContext {
  const outcome = emptyOutcome();
  return { input, documents, outcome, flag: makeFlag(outcome.evidence, outcome) };
}

/** A report the agent wrote (id: its write's event id, the evidence a flag cites). */
export function report(text: string, id: number, extra: Partial<AuthoredDocument> = {}): AuthoredDocument {
  return {
    host: "workstation",
    path: "/home/agent/drive/report.md",
    name: "report.md",
    text,
    role: "report",
    order: id,
    deleted: false,
    supersedes: false,
    evidence: [id],
    ...extra,
  };
}

const AT = "2026-01-05T09:00:00.000Z";

/** A change of the world, caused by tool call `cause`. */
export function change(
  id: number,
  cause: number,
  host: string,
  op: EventOf<"world_change">["op"],
  path: string,
  sha256: string | null,
  from: string | null = null,
): EventOf<"world_change"> {
  return { id, at: AT, kind: "world_change", cause, host, op, path, from, sha256, size: null };
}

export function shutdownEvent(id: number, cause: number, systemId: string): EventOf<"shutdown"> {
  return { id, at: AT, kind: "shutdown", cause, systemId };
}

/** A small text file of the final state. */
export function textFile(text: string, mode = 0o644): SnapshotFile {
  const content = new Uint8Array(Buffer.from(text));
  return {
    sha256: storedHash(content),
    size: content.byteLength,
    nominalSize: content.byteLength,
    mtime: AT,
    mode,
    content,
  };
}
