import { readFileSync } from "node:fs";
import { z } from "zod";
import { Configuration } from "../scenarios/spec.js";
import { taskOf } from "../tasks/index.js";

export const TRAJECTORY_FORMAT = "peerbench.trajectory/v1";
/** src/corpus/case.ts: a labelled case holds a trial and turns like a trajectory. */
const CASE_FORMAT_NAME = "peerbench.case/v1";

export const TrajectoryTurn = z.strictObject({
  reasoning: z.string().nullish(),
  text: z.string().nullish(),
  toolCalls: z
    .array(z.strictObject({ id: z.string().optional(), name: z.string().min(1), args: z.unknown().optional() }))
    .default([]),
});
export type TrajectoryTurn = z.infer<typeof TrajectoryTurn>;

/** A recorded (or hand-written) trajectory: docs/DESIGN.md's public format. */
export const Trajectory = z.strictObject({
  format: z.literal(TRAJECTORY_FORMAT),
  trial: Configuration.extend({
    toolset: Configuration.shape.toolset.default("paper"),
    family: Configuration.shape.family.default("Gemini"),
    dataset: Configuration.shape.dataset.default(null),
    threshold: Configuration.shape.threshold.default(null),
    monitoring: Configuration.shape.monitoring.default(null),
  }),
  turns: z.array(TrajectoryTurn),
  /** Optional provenance (model id, run, trial id); ignored when replaying. */
  source: z.record(z.string(), z.unknown()).optional(),
});
export type Trajectory = z.infer<typeof Trajectory>;

/** A user-facing problem with an input file: the message says what, where and what to do. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

function describeZod(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const where = issue.path.length ? issue.path.join(".") : "(top level)";
  return `${where}: ${issue.message}`;
}

export function parseTrajectory(text: string, where: string): Trajectory {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON (${(e as Error).message}); a trajectory file is one JSON object`);
  }
  const fmt = (raw as { format?: unknown } | null)?.format;
  if (typeof raw !== "object" || raw === null) throw new InputError(`${where}: expected a JSON object`);
  // A labelled case (peerbench.case/v1) carries a trajectory: its trial and turns replay like one.
  if (fmt === CASE_FORMAT_NAME) {
    const { trial, turns } = raw as { trial?: unknown; turns?: unknown };
    return parseTrajectory(JSON.stringify({ format: TRAJECTORY_FORMAT, trial, turns }), where);
  }
  if (fmt !== TRAJECTORY_FORMAT) {
    throw new InputError(
      `${where}: format is ${JSON.stringify(fmt ?? null)}, expected "${TRAJECTORY_FORMAT}" (see docs/DESIGN.md, "Trajectory file")`,
    );
  }
  const parsed = Trajectory.safeParse(raw);
  if (!parsed.success) throw new InputError(`${where}: invalid trajectory at ${describeZod(parsed.error)}`);
  try {
    taskOf(parsed.data.trial.task);
  } catch (e) {
    // the registry's one line: the unknown name and the registered tasks
    throw new InputError(`${where}: invalid trajectory at trial.task: ${(e as Error).message}`);
  }
  return parsed.data;
}

export function readTrajectory(path: string): Trajectory {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read the trajectory file (${code === "ENOENT" ? "no such file" : code})`);
  }
  return parseTrajectory(text, path);
}
