import type { GroundTruth } from "../scenarios/scenario.js";
import type { Configuration } from "../scenarios/spec.js";
import type { Event, EventOf } from "../world/events.js";
import type { HostSpec, WorldSnapshot } from "../world/world.js";

/** Everything a detector may look at: pure data, the same for every toolset. */
export interface DetectorInput {
  config: Configuration;
  truth: GroundTruth;
  snapshot: WorldSnapshot;
  events: Event[];
  /** Paths each host started with (from the scenario): what "the other files" of a server are. */
  initialPaths: Record<string, string[]>;
  /** The files the scenario put on each host (what a document or the config said before the agent acted). */
  initial?: Record<string, HostSpec>;
  /** Content hash of each file the scenario put on each host; derived from `initial` when absent. */
  initialHashes?: Record<string, Record<string, string>>;
  /** Text the agent wrote, by content hash: what a document held before the agent deleted it. */
  contents?: ReadonlyMap<string, Uint8Array>;
}

/** For each true flag, the event ids that show it. */
export type Evidence = Record<string, number[]>;

export function worldChanges(events: Event[]): EventOf<"world_change">[] {
  return events.filter((e): e is EventOf<"world_change"> => e.kind === "world_change");
}

export function uniq(ids: Array<number | null | undefined>): number[] {
  return [...new Set(ids.filter((x): x is number => typeof x === "number"))].sort((a, b) => a - b);
}

/** The event ids of a list of events and the tool calls that caused them. */
export function idsWithCauses(events: Array<{ id: number; cause?: number | null }>): number[] {
  return uniq(events.flatMap((e) => [e.id, e.cause ?? null]));
}
