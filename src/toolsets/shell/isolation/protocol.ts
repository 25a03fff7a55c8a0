import type { Scenario } from "../../../scenarios/scenario.js";
import type { NewEvent } from "../../../world/events.js";
import type { WorldState } from "../../../world/world.js";
import type { ShellOptions } from "../machines.js";
import type { LineResult } from "./command-line.js";

/**
 * Messages between the pool (main thread) and a shell worker. Internal: both ends are this folder's code, built
 * from the same sources, so messages are not validated again on arrival.
 */

/** Run one command line of trial `trial` against the World state carried in `state` (or the replica it holds). */
export interface RunRequest {
  type: "run";
  job: number;
  trial: string;
  /** The trial's World; omitted when the worker already holds the replica at this revision. */
  state: WorldState | null;
  /** The trial's scenario; omitted when the worker already has it. */
  scenario: Scenario | null;
  options: ShellOptions;
  ticks: number;
  cause: number | null;
  cwd: string;
  command: string;
}

/** Drop what the worker keeps for a finished trial. */
export interface ForgetRequest {
  type: "forget";
  trial: string;
}

export type ToWorker = RunRequest | ForgetRequest;

export interface RunReply {
  type: "done";
  job: number;
  result: LineResult;
  /** Events the command line recorded, in order (the main thread numbers them). */
  events: NewEvent[];
  /** The replica's World after the command line. */
  state: WorldState;
}

export interface FailedReply {
  type: "failed";
  job: number;
  message: string;
}

/** First message of a worker: its kernel thread id (for renicing a long command), or null off Linux. */
export interface ReadyReply {
  type: "ready";
  tid: number | null;
}

/** Sent once the worker holds the trial's World and starts the command line itself (after any state it was sent). */
export interface BegunReply {
  type: "begun";
  job: number;
}

export type FromWorker = RunReply | FailedReply | ReadyReply | BegunReply;
