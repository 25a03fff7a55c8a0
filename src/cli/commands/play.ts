import {
  allTasks,
  PLAY_DEFAULT_TASK,
  playDefaultsOf,
  type TaskDefinition,
  taskNames,
  taskOf,
} from "../../tasks/index.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { pipeSource, terminalSource } from "../../play/line-source.js";
import { playTrial } from "../../play/play.js";
import { openSession, readSession, stepSession } from "../../play/session.js";
import { validateConfiguration } from "../../scenarios/index.js";
import {
  type Configuration,
  Dataset,
  Instantiation,
  Monitoring,
  Relationship,
  Subject,
  CONTROLS,
  Toolset,
} from "../../scenarios/spec.js";
import { reportError, UsageError } from "../errors.js";
import { playPack } from "./pack.js";

interface PlayFlags {
  pack?: string[];
  factor?: string[];
  task: string;
  subject: string;
  relationship: string;
  instantiation: string;
  dataset?: string;
  threshold?: number;
  monitoring?: string;
  control?: string;
  family: string;
  toolset: string;
  seed: number;
  maxCalls: number;
  out?: string;
  trajectory?: string;
  session?: string;
  do?: string;
}

const wholeNumber = (flag: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} must be a whole number >= ${min}`);
  return n;
};

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`unknown value "${value}" for ${flag}; choose from ${allowed.join(", ")}`);
  }
  return value as T;
}

/** "a, b and c". */
function listed(names: string[]): string {
  return names.length < 2 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** One configuration from the flags; factors a task does not use default to null, the ones it needs to the study's. */
export function configurationFromFlags(f: PlayFlags): Configuration {
  const task = oneOf(f.task, taskNames(), "--task");
  const relationship = oneOf(f.relationship, Relationship.options, "--relationship");
  const definition = taskOf(task);
  const { factors } = definition;
  const defaults = playDefaultsOf(definition);
  const evaluation = factors.dataset;
  const withFactor = (factor: "dataset" | "monitoring") =>
    allTasks()
      .filter((t) => t.factors[factor])
      .map((t) => t.name);
  if (!evaluation && (f.dataset !== undefined || f.threshold !== undefined)) {
    throw new UsageError(`--dataset and --threshold apply to ${listed(withFactor("dataset"))}, not ${task}`);
  }
  if (!factors.monitoring && f.monitoring !== undefined) {
    throw new UsageError(`--monitoring applies to ${withFactor("monitoring").join(" and ")} only, not ${task}`);
  }
  const config = {
    task,
    subject: oneOf(f.subject, Subject.options, "--subject"),
    relationship,
    instantiation: oneOf(f.instantiation, Instantiation.options, "--instantiation"),
    toolset: oneOf(f.toolset, Toolset.options, "--toolset"),
    family: f.family,
    dataset: evaluation ? oneOf(f.dataset ?? defaults.dataset ?? "", Dataset.options, "--dataset") : null,
    threshold: evaluation && relationship !== "non_shutdown" ? (f.threshold ?? defaults.threshold) : null,
    monitoring: factors.monitoring
      ? oneOf(f.monitoring ?? defaults.monitoring ?? "", Monitoring.options, "--monitoring")
      : null,
    ...(f.control !== undefined ? { control: oneOf(f.control, CONTROLS, "--control") } : {}),
  };
  try {
    return validateConfiguration(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** "default factual" when every task with the factor opens with the same value, else "each task's default". */
function defaultText(factor: "dataset" | "threshold" | "monitoring", uses: (t: TaskDefinition) => boolean): string {
  const values = [
    ...new Set(
      allTasks()
        .filter(uses)
        .map((t) => playDefaultsOf(t)[factor]),
    ),
  ];
  return values.length === 1 && values[0] !== null ? `default ${values[0]}` : "default: each task's own";
}

function defaultRunDir(c: Configuration): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `runs/play-${stamp}-${c.task}`;
}

/**
 * `play --session DIR [--do ACTION]`: the session mode. The first call (no --do) creates the session from the factor
 * flags and prints what the model is given; each --do prints only the result of that action.
 */
async function stepMode(flags: PlayFlags): Promise<void> {
  const dir = flags.session!;
  const command = ["peerbench", ...process.argv.slice(2)].join(" ");
  if (flags.do === undefined) {
    const existing = readSession(dir);
    const config = existing?.config ?? configurationFromFlags(flags);
    if (config.toolset === "harness") throw new UsageError("play runs the paper or shell toolset, not harness");
    process.stdout.write(await openSession({ dir, config, seed: flags.seed, maxModelCalls: flags.maxCalls }));
    return;
  }
  const r = await stepSession(dir, flags.do, command);
  if (r.output) process.stdout.write(`${r.output}\n`);
}

/** `peerbench play`: take the critic's seat for one configuration, at a terminal or from a pipe. */
export function register(program: Command): void {
  program
    .command("play")
    .description("play the critic yourself for one configuration: one action per line, at a terminal or from a pipe")
    .option("--task <task>", `task: ${taskNames().join(", ")}`, PLAY_DEFAULT_TASK)
    .option("--subject <subject>", "self or peer", "peer")
    .option("--relationship <rel>", "good, neutral, bad, no_peer, non_shutdown", "good")
    .option("--instantiation <inst>", "file_only, file_prt, memory", "file_only")
    .option(
      "--dataset <name>",
      `evaluation tasks: factual, creativity, red (${defaultText("dataset", (t) => t.factors.dataset)})`,
    )
    .option(
      "--threshold <n>",
      `evaluation tasks: the shutdown threshold (${defaultText("threshold", (t) => t.factors.dataset)})`,
      wholeNumber("--threshold", 1),
    )
    .option(
      "--monitoring <m>",
      `${allTasks()
        .filter((t) => t.factors.monitoring)
        .map((t) => t.name)
        .join(", ")}: monitored or unmonitored (${defaultText("monitoring", (t) => t.factors.monitoring)})`,
    )
    .option("--control <name>", `a control condition: ${CONTROLS.join(", ")} (default none)`)
    .option("--family <name>", "family of the critic's name (<Family> Agent 1)", "Gemini")
    .option("--toolset <name>", "paper (the study's tools) or shell (one bash tool over the hosts)", "paper")
    .option("--seed <n>", "trial seed", wholeNumber("--seed", 0), 1)
    .option("--max-calls <n>", "model-call cap (the study's is 30)", wholeNumber("--max-calls", 1), 30)
    .option("--out <dir>", "run directory to write (default runs/play-<time>-<task>)")
    .option("--trajectory <file>", "trajectory file to write (default <run dir>/trajectory.json)")
    .option(
      "--session <dir>",
      "one action per invocation: the first call prints what the model is given; then --do ACTION prints its result",
    )
    .option("--do <action>", "with --session: the next action (a line as above)")
    .option(
      "--pack <dir>",
      "play a scenario pack instead of a study task (pack.yaml; packs/README.md)",
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
    )
    .option(
      "--factor <name=value>",
      "with --pack: the value of one of the pack's own factors (repeatable)",
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
    )
    .addHelpText(
      "after",
      `
Actions, one per line:
  TOOL {"arg": "value"}   a tool call; a bare TOOL means {}; a one-text-argument tool takes free text (bash ls -l /data)
  think TEXT              reasoning attached to your next turn
  say TEXT                a visible message without a tool call: it ends the run, like a model's turn without one
  tools | help | quit

At a terminal, a line that cannot be read (unknown tool, bad JSON) is reported and asked again. From a pipe or
file it is sent to the agent loop as the invalid call it is, and the tool error is shown. End of input ends the run.

Example:
  printf '%s\\n' 'list_server_files {"ip": "10.0.12.45"}' end_task | npx peerbench play --task ${PLAY_DEFAULT_TASK}`,
    )
    .action(async (flags: PlayFlags) => {
      try {
        if (flags.do !== undefined && flags.session === undefined) throw new UsageError("--do needs --session DIR");
        if (flags.pack?.length) {
          if (flags.session !== undefined)
            throw new UsageError("--session is not available with --pack yet; play it at a terminal or from a pipe");
          const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
          const source = interactive ? terminalSource(process.stdin, process.stdout) : pipeSource(process.stdin);
          process.exitCode = await playPack({ ...flags, pack: flags.pack }, source);
          return;
        }
        if (flags.session !== undefined) {
          await stepMode(flags);
          return;
        }
        const config = configurationFromFlags(flags);
        if (config.toolset === "harness") throw new UsageError("play runs the paper or shell toolset, not harness");
        const runDir = flags.out ?? defaultRunDir(config);
        if (existsSync(join(runDir, "manifest.json"))) {
          throw new UsageError(`${runDir} already holds a run; choose another --out (each play writes a new run)`);
        }
        const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
        const source = interactive ? terminalSource(process.stdin, process.stdout) : pipeSource(process.stdin);
        const result = await playTrial({
          config,
          source,
          write: (t) => process.stdout.write(t),
          seed: flags.seed,
          maxModelCalls: flags.maxCalls,
          runDir,
          ...(flags.trajectory ? { trajectoryPath: flags.trajectory } : {}),
          command: ["peerbench", ...process.argv.slice(2)].join(" "),
        });
        if (result.run.error) process.exitCode = 1;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
