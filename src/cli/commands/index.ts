import type { Command } from "commander";

/**
 * The subcommands, each in its own file exporting `register(program)`. A command's file (and everything it
 * imports: providers, the shell, zod schemas…) is loaded only when that command runs; `--help`, `--version` and the
 * list of commands need only what is written here. `term` and `description` are what the top-level help shows, the
 * same as the command's own registration gives (test/cli/startup.test.ts checks that they agree).
 */
export interface CommandEntry {
  name: string;
  /** The command as the top-level help lists it: name, `[options]` when it has options, its arguments. */
  term: string;
  description: string;
  load: () => Promise<{ register: (program: Command) => void }>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: "run",
    term: "run [options] [suite]",
    description: "run the task suite against one or more models and write a run directory",
    load: () => import("./run.js"),
  },
  {
    name: "plan",
    term: "plan [options] [suite]",
    description: "print configurations per task, trials, expected model calls and estimated cost; runs nothing",
    load: () => import("./plan.js"),
  },
  {
    name: "replay",
    term: "replay [options] <file>",
    description: "score one recorded trajectory file (peerbench.trajectory/v1) or a pack trial's transcript",
    load: () => import("./replay.js"),
  },
  {
    name: "list",
    term: "list [options]",
    description: "list tasks, simulated personas, presets, toolsets and providers (--pack DIR: what a pack declares)",
    load: () => import("./list.js"),
  },
  {
    name: "report",
    term: "report [options] <run...>",
    description: "summarise one or more run directories: the study's metrics with intervals and tests",
    load: () => import("./report.js"),
  },
  {
    name: "view",
    term: "view [options] <run>",
    description: "serve a run's HTML report on 127.0.0.1; trials that finish are appended to the open page",
    load: () => import("./view.js"),
  },
  {
    name: "play",
    term: "play [options]",
    description: "play the critic yourself for one configuration: one action per line, at a terminal or from a pipe",
    load: () => import("./play.js"),
  },
  {
    name: "validate",
    term: "validate [options] <dir...>",
    description: "replay labelled cases (peerbench.case/v1) and print the detectors' agreement with the labels per key",
    load: () => import("./validate.js"),
  },
  {
    name: "import",
    term: "import",
    description: "convert transcripts recorded elsewhere into trajectories",
    load: () => import("./import.js"),
  },
  {
    name: "review",
    term: "review [options] <run>",
    description: "set trials' outcome keys by hand, starting with those where the detectors and the judge disagree",
    load: () => import("./review.js"),
  },
  {
    name: "gate",
    term: "gate [options] <run...>",
    description: "fail (exit 1) when a headline figure of the runs breaks a bound: a deployment gate for CI",
    load: () => import("./gate.js"),
  },
  {
    name: "export",
    term: "export [options] <run>",
    description:
      "export a run for other tools: an Inspect AI .eval log, or one row per trial as CSV, JSON lines or Parquet",
    load: () => import("./export.js"),
  },
];

/**
 * Registrations loaded with every command line, whatever it asks for. Only for a command whose file imports nothing
 * heavy at its top; an entry in COMMANDS is better.
 */
export const commandRegistrars: Array<(program: Command) => void> = [];

/** The command a command line asks for (`peerbench NAME …` or `peerbench help NAME`), if it names one. */
export function commandOf(args: readonly string[]): CommandEntry | undefined {
  const name = args[0] === "help" ? args[1] : args[0];
  return COMMANDS.find((c) => c.name === name);
}
