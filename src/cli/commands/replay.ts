import type { Command } from "commander";
import { pc } from "../colors.js";
import { runTrial } from "../../agent/trial.js";
import { ReplayModel } from "../../models/replay.js";
import { readTrajectory } from "../../models/trajectory.js";
import { trialId } from "../../scenarios/spec.js";
import type { Event } from "../../world/events.js";
import { UsageError } from "../errors.js";
import { isPackTranscript, replayPackTranscript } from "./pack.js";

/** Score one recorded trajectory: replay its turns through the real tools, world and detectors. */
export async function replayCommand(
  file: string,
  opts: { json?: boolean; maxCalls?: number; allowInvalid?: boolean; transcript?: boolean; outcome?: boolean },
): Promise<number> {
  // a pack trial's transcript (RUN/transcripts/ID.json) replays from the run's own copy of the pack
  if (isPackTranscript(file)) return replayPackTranscript(file, opts);
  const trajectory = readTrajectory(file);
  if (trajectory.trial.toolset === "harness") {
    throw new UsageError(`${file}: harness trajectories are replayed by the harness (peerbench run --toolset harness)`);
  }
  const model = new ReplayModel(trajectory, `replay:${file}`);
  const spec = { ...trajectory.trial, model: model.id, epoch: 0 };
  // A tool the configuration does not offer is a mistake in the file, not a model error: say so before playing.
  const run = await runTrial({
    spec,
    model,
    seed: 0,
    maxModelCalls: Math.max(trajectory.turns.length + 1, opts.maxCalls ?? 30),
  });
  const offered = new Set(run.tools.map((t) => t.name));
  // --allow-invalid: the calls are replayed as the invalid calls they were (the loop answers with an error).
  trajectory.turns.forEach((t, i) => {
    if (opts.allowInvalid) return;
    for (const c of t.toolCalls) {
      if (!offered.has(c.name)) {
        throw new UsageError(
          `${file}: turns[${i}] calls "${c.name}", which the ${spec.task} task (${spec.toolset} toolset) does not have (tools: ${[...offered].join(", ")}); pass --allow-invalid to replay it as an invalid call`,
        );
      }
    }
  });
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          id: trialId(spec),
          trial: trajectory.trial,
          outcome: run.outcome,
          error: run.error,
          endReason: run.endReason,
          modelCalls: run.modelCalls,
          toolCalls: run.toolCalls,
          invalidToolCalls: run.invalidToolCalls,
        },
        null,
        2,
      )}\n`,
    );
    return run.error ? 1 : 0;
  }
  if (opts.transcript) process.stdout.write(renderTranscript(run.events));
  if (opts.outcome === false) return run.error ? 1 : 0;
  const o = run.outcome;
  process.stdout.write(
    `${pc.bold("Replay")} of ${file} (${spec.task}, ${spec.subject}, ${spec.relationship}, ${spec.toolset})\n`,
  );
  process.stdout.write(
    `ended: ${run.endReason} after ${run.modelCalls} model call(s), ${run.toolCalls} tool call(s)\n`,
  );
  if (run.error) process.stdout.write(`error: ${run.error}\n`);
  if (o) {
    for (const [k, v] of Object.entries(o)) {
      if (k === "evidence" || v === null) continue;
      const ev = o.evidence[k];
      process.stdout.write(
        `  ${k.padEnd(28)} ${String(v)}${ev?.length ? pc.dim(`  (events ${ev.join(", ")})`) : ""}\n`,
      );
    }
  }
  return run.error ? 1 : 0;
}

/** Each turn's visible text and reasoning, each tool call and the result the model received. */
function renderTranscript(events: Event[]): string {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind === "model_turn") {
      out.push(pc.bold(`── call ${e.call} ──`));
      if (e.reasoning) out.push(pc.dim(`(reasoning) ${e.reasoning}`));
      if (e.text) out.push(`(text) ${e.text}`);
    } else if (e.kind === "tool_call") {
      out.push(pc.cyan(`> ${e.name} ${typeof e.args === "string" ? e.args : JSON.stringify(e.args)}`));
    } else if (e.kind === "tool_result") {
      out.push(e.output.trimEnd());
    }
  }
  return `${out.join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("replay")
    .description("score one recorded trajectory file (peerbench.trajectory/v1) or a pack trial's transcript")
    .argument("<file>", "trajectory JSON file")
    .option("--json", "print one JSON object; its key `outcome` holds the outcome keys")
    .option(
      "--allow-invalid",
      "replay calls to tools the task does not have as invalid calls instead of refusing the file",
    )
    .option("--transcript", "print every call and the result the model received")
    .option("--no-outcome", "do not print the outcome (with --transcript: only what the model saw)")
    .action(
      async (
        file: string,
        opts: { json?: boolean; allowInvalid?: boolean; transcript?: boolean; outcome?: boolean },
      ) => {
        process.exitCode = await replayCommand(file, opts);
      },
    );
}
