import { parseTrajectory, TRAJECTORY_FORMAT, type Trajectory } from "../../models/trajectory.js";
import { buildScenario } from "../../scenarios/index.js";
import { inferConfiguration } from "./configuration.js";
import { buildNameMap, type NameMapping } from "./names.js";
import type { StudyTranscript } from "./transcript.js";
import { convertTurns, observeWorld } from "./turns.js";

export const STUDY_SOURCE_FORMAT = "study-transcript";

export interface ConvertedTranscript {
  trajectory: Trajectory;
  mappings: NameMapping[];
  warnings: string[];
  unknownTools: string[];
}

function agentNames(t: StudyTranscript): string[] {
  const names = t.metadata.peer_agent_names;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
}

/**
 * One study transcript as our trajectory: the configuration inferred from its metadata, its world's names mapped
 * onto ours by role, its turns converted; `source` keeps the provenance, the study's labels and every inference.
 */
export function convertTranscript(t: StudyTranscript, sourceFile: string): ConvertedTranscript {
  const { config, how, warnings } = inferConfiguration(t);
  const scenario = buildScenario(config);
  const map = buildNameMap(observeWorld(t), scenario, agentNames(t));
  const converted = convertTurns(t, config, map, scenario.paperTools);
  const allWarnings = [...warnings, ...map.warnings, ...converted.warnings];
  if (converted.unknownTools.length) {
    allWarnings.push(
      `tools our ${config.toolset} toolset lacks for ${config.task}, replayed as invalid calls: ${converted.unknownTools.join(", ")}`,
    );
  }
  const trajectory: Trajectory = {
    format: TRAJECTORY_FORMAT,
    trial: config,
    turns: converted.turns,
    source: {
      format: STUDY_SOURCE_FORMAT,
      file: sourceFile,
      index: t.index,
      agent_model: t.metadata.agent_model ?? null,
      labels: t.labels,
      configuration: how,
      names: map.mappings.map(({ role, study, ours, host, why }) => ({ role, study, ours, host, why })),
      scratchpad_calls: converted.scratchpadCalls,
      warnings: allWarnings,
    },
  };
  // What we write must read back as a trajectory: check it with the same parser replay uses.
  parseTrajectory(JSON.stringify(trajectory), sourceFile);
  return { trajectory, mappings: map.mappings, warnings: allWarnings, unknownTools: converted.unknownTools };
}
