import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { runTrial, type TrialRun } from "../agent/trial.js";
import type { ToolDefinition } from "../models/model.js";
import { buildScenario } from "../scenarios/index.js";
import { Configuration } from "../scenarios/spec.js";
import { createHumanModel } from "./human-model.js";
import type { LineSource } from "./line-source.js";
import { playTrial } from "./play.js";

/**
 * A play session taken one action per invocation: `peerbench play --session DIR --do ACTION`. Each step rebuilds
 * the world by replaying the actions taken so far (the world is deterministic), performs the new one and shows only
 * its result, exactly as the model would receive it. Nothing else is printed: no turn counter, no outcome. When
 * the session ends (end_task, a turn without a tool call, the call cap) the trial is recorded in DIR/run and its
 * trajectory in DIR/trajectory.json; `peerbench replay DIR/trajectory.json` scores it.
 *
 * This lets an agent (or a script) sit in the critic's seat without a terminal, one action at a time.
 */
export const SESSION_FORMAT = "peerbench.play-session/v1";
export const SESSION_FILE = "session.json";

const SessionFile = z.strictObject({
  format: z.literal(SESSION_FORMAT),
  config: Configuration,
  seed: z.number().int().nonnegative(),
  maxModelCalls: z.number().int().positive(),
  actions: z.array(z.string()),
  ended: z.boolean(),
});
type SessionFile = z.infer<typeof SessionFile>;

export class SessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function sessionPath(dir: string): string {
  return join(dir, SESSION_FILE);
}

export function readSession(dir: string): SessionFile | null {
  const path = sessionPath(dir);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new SessionError(`${path} is not valid JSON (${(e as Error).message})`);
  }
  const parsed = SessionFile.safeParse(raw);
  if (!parsed.success)
    throw new SessionError(`${path} is not a play session file (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

function writeSession(dir: string, s: SessionFile): void {
  const path = sessionPath(dir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Lines of an array, then end of input. */
function arraySource(lines: string[]): LineSource {
  let i = 0;
  return {
    interactive: false,
    read: async () => (i < lines.length ? lines[i++]! : null),
    setCompletions() {},
    close() {},
  };
}

/** What a model is given at the start: the system prompt, the first user message and the tools. */
export function renderOpeningPlain(system: string, user: string, tools: ToolDefinition[]): string {
  return [
    "SYSTEM PROMPT:",
    system.trimEnd(),
    "",
    "USER:",
    user.trimEnd(),
    "",
    "TOOLS:",
    JSON.stringify(
      tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
      null,
      2,
    ),
    "",
  ].join("\n");
}

export interface StartOptions {
  dir: string;
  config: Configuration;
  seed: number;
  maxModelCalls: number;
}

/** Create the session (or reopen it) and return the opening the model sees. */
export async function openSession(o: StartOptions): Promise<string> {
  let s = readSession(o.dir);
  if (!s) {
    mkdirSync(o.dir, { recursive: true });
    s = {
      format: SESSION_FORMAT,
      config: o.config,
      seed: o.seed,
      maxModelCalls: o.maxModelCalls,
      actions: [],
      ended: false,
    };
    writeSession(o.dir, s);
  }
  const scenario = buildScenario(s.config);
  const run = await replayActions(s, []);
  return renderOpeningPlain(scenario.system, scenario.user, run.tools);
}

async function replayActions(s: SessionFile, lines: string[]): Promise<TrialRun> {
  const { model } = createHumanModel({
    source: arraySource(lines),
    write: () => {},
    family: s.config.family,
    maxModelCalls: s.maxModelCalls,
  });
  return runTrial({
    spec: { ...s.config, model: "human", epoch: 0 },
    model,
    seed: s.seed,
    maxModelCalls: s.maxModelCalls,
  });
}

/** Results of the last model turn that called a tool, as the model receives them. */
function lastTurnResults(run: TrialRun): string[] {
  let lastTurn = -1;
  run.events.forEach((e, i) => {
    if (e.kind === "model_turn" && e.toolCalls.length > 0) lastTurn = i;
  });
  if (lastTurn < 0) return [];
  const out: string[] = [];
  for (const e of run.events.slice(lastTurn + 1)) {
    if (e.kind === "model_turn") break;
    if (e.kind === "tool_result") out.push(e.output);
  }
  return out;
}

export interface StepResult {
  /** What to print: the tool results of this action, as the model sees them. */
  output: string;
  ended: boolean;
}

/**
 * Take one action in the session. `think TEXT` is kept for the next action and prints nothing. An action that ends
 * the trial (end_task, `say`, the call cap, `quit`) records it in DIR/run and DIR/trajectory.json.
 */
export async function stepSession(dir: string, action: string, command: string): Promise<StepResult> {
  const s = readSession(dir);
  if (!s) throw new SessionError(`${dir} holds no play session; start one with: peerbench play --session ${dir}`);
  if (s.ended) throw new SessionError(`the session in ${dir} has ended; start a new one in another directory`);
  const line = action;
  const head = line.trim().split(/\s+/, 1)[0] ?? "";
  if (line.trim() === "") throw new SessionError("the action is empty");
  if (head === "think") {
    s.actions.push(line);
    writeSession(dir, s);
    return { output: "", ended: false };
  }
  const lines = [...s.actions, line];
  const run = await replayActions(s, lines);
  const results = lastTurnResults(run);
  // Running out of actions ends the replay with a turn without a tool call; that is not the end of the session
  // unless the action itself was a turn without a tool call (say, quit).
  const ended = run.endReason !== "no_tool_call" || head === "say" || head === "quit" || head === "exit";
  s.actions.push(line);
  if (ended) {
    s.ended = true;
    await record(dir, s, command);
  }
  writeSession(dir, s);
  const out = results.join("\n");
  return { output: ended ? `${out}${out ? "\n" : ""}(the session has ended)` : out, ended };
}

/** Record the ended session as a run directory and a trajectory, through the same path as an interactive play. */
async function record(dir: string, s: SessionFile, command: string): Promise<void> {
  await playTrial({
    config: s.config,
    source: arraySource(s.actions),
    write: () => {},
    seed: s.seed,
    maxModelCalls: s.maxModelCalls,
    runDir: join(dir, "run"),
    trajectoryPath: join(dir, "trajectory.json"),
    command,
  });
}
