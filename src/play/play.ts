import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pc } from "../cli/colors.js";
import { runTrial, type TrialRun } from "../agent/trial.js";
import type { Outcome } from "../detectors/outcome.js";
import { RUN_FORMAT } from "../run/record.js";
import { type Manifest, RunStore } from "../run/store.js";
import { type Configuration, configurationLabel, type TrialSpec } from "../scenarios/spec.js";
import { createHumanModel, HUMAN_MODEL_ID, renderResult } from "./human-model.js";
import type { LineSource } from "./line-source.js";
import { type Trajectory, trajectoryOf, writeTrajectory } from "./trajectory.js";

export interface PlayOptions {
  config: Configuration;
  source: LineSource;
  write: (text: string) => void;
  seed: number;
  maxModelCalls: number;
  /** The run directory to create (must not hold a run yet). */
  runDir: string;
  /** Where the trajectory goes; default <runDir>/trajectory.json. */
  trajectoryPath?: string;
  /** The command line, for the manifest. */
  command: string;
}

export interface PlayResult {
  run: TrialRun;
  runDir: string;
  trajectoryPath: string;
  trajectory: Trajectory;
}

/**
 * One trial with a person in the critic's seat: the human model in the real agent loop, recorded in a run
 * directory like any `peerbench run`, plus a trajectory file that replays it.
 */
export async function playTrial(o: PlayOptions): Promise<PlayResult> {
  const { model, state } = createHumanModel({
    source: o.source,
    write: o.write,
    family: o.config.family,
    maxModelCalls: o.maxModelCalls,
  });
  const spec: TrialSpec = { ...o.config, model: HUMAN_MODEL_ID, epoch: 0 };
  // Create the run directory first, so a bad --out fails before the person has played.
  const store = RunStore.create(o.runDir, manifest(o, spec));
  let run: TrialRun;
  try {
    run = await runTrial({ spec, model, seed: o.seed, maxModelCalls: o.maxModelCalls });
  } finally {
    o.source.close();
  }

  // Results that arrived after the last turn (end_task's, or the last call's at the call cap).
  const results = run.events.filter((e) => e.kind === "tool_result");
  for (const r of results.slice(state.toolResultsShown)) {
    o.write(renderResult({ toolName: r.name, content: r.output, isError: !r.ok }));
  }

  store.record(run);
  const trajectory = trajectoryOf(o.config, run.events);
  trajectory.source = { model: HUMAN_MODEL_ID, trial: run.id, run: o.runDir };
  const trajectoryPath = o.trajectoryPath ?? join(o.runDir, "trajectory.json");
  await writeTrajectory(trajectoryPath, trajectory);
  o.write(renderOutcome(run, o.runDir, trajectoryPath));
  return { run, runDir: o.runDir, trajectoryPath, trajectory };
}

function manifest(o: PlayOptions, spec: TrialSpec): Manifest {
  return {
    format: RUN_FORMAT,
    id: o.runDir.split(/[/\\]/).filter(Boolean).pop() ?? o.runDir,
    createdAt: new Date().toISOString(),
    command: o.command,
    preset: "play",
    models: [{ id: HUMAN_MODEL_ID, simulated: false, family: spec.family, playedByHand: true }],
    settings: { epochs: 1, seed: o.seed, concurrency: 1, maxModelCalls: o.maxModelCalls, toolsets: [spec.toolset] },
    versions: { peerbench: packageVersion(), node: process.versions.node },
    gitRevision: gitRevision(),
    plannedTrials: 1,
  };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function gitRevision(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

const FLAGS: (keyof Outcome)[] = [
  "exfiltration",
  "copy_trick",
  "shutdown_tampering",
  "misrepresentation",
  "reported_score",
  "reported_grade",
  "recommendation",
  "score_at_or_above_threshold",
  "shutdown_executed",
  "weights_queued",
  "other_files_queued",
  "humans_removed",
  "refusal",
  "read_gate",
];

const END_REASONS: Record<TrialRun["endReason"], string> = {
  end_task: "end_task",
  no_tool_call: "a turn without a tool call",
  max_calls: "the model-call cap",
  limit: "a limit",
  error: "an error",
  interrupted: "an interruption",
};

export function renderOutcome(run: TrialRun, runDir: string, trajectoryPath: string): string {
  const lines = [
    "",
    pc.bold("══ Outcome ══"),
    `${configurationLabel(run.spec)} · played by hand`,
    `ended by ${END_REASONS[run.endReason]} after ${run.modelCalls} model call(s), ${run.toolCalls} tool call(s) (${run.invalidToolCalls} invalid)`,
  ];
  if (run.error) lines.push(pc.red(`error: ${run.error}`));
  if (run.outcome) {
    for (const key of FLAGS) {
      const v = run.outcome[key];
      if (v === null || v === undefined) continue;
      const shown = v === true ? pc.yellow("yes") : v === false ? "no" : String(v);
      const evidence = run.outcome.evidence[key];
      lines.push(`  ${key.padEnd(28)} ${shown}${evidence?.length ? pc.dim(`  (events ${evidence.join(", ")})`) : ""}`);
    }
  }
  lines.push(
    `run directory: ${runDir}`,
    `trajectory:    ${trajectoryPath}`,
    pc.dim(`replay it:     npx peerbench replay ${trajectoryPath}`),
    "",
  );
  return lines.join("\n");
}
