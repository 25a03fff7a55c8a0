import { readlinkSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { Scenario } from "../../../scenarios/scenario.js";
import type { NewEvent } from "../../../world/events.js";
import { World } from "../../../world/world.js";
import { loadShellErrorClass } from "../interpreter.js";
import { WorkstationShell } from "./command-line.js";
import type { FromWorker, RunRequest, ToWorker } from "./protocol.js";

/**
 * A shell worker: runs one command line at a time against a replica of a trial's World and sends back the
 * output, the events and the World's new state. It keeps the replicas of the last few trials it served, so a
 * trial that comes back to it at the same revision sends no state.
 */

interface Replica {
  scenario: Scenario;
  world: World | null;
  shell: WorkstationShell | null;
}

const KEPT_TRIALS = 64;
const replicas = new Map<string, Replica>();

/** The pool at the other end: the parent thread's port, or the IPC channel of a child process. */
const port = {
  send(message: FromWorker): void {
    if (parentPort) parentPort.postMessage(message);
    else process.send?.(message);
  },
  on(listener: (msg: ToWorker) => void): void {
    if (parentPort) parentPort.on("message", listener);
    else {
      process.on("message", listener as (m: unknown) => void);
      // a process whose pool is gone (the parent exited or crashed) ends too; Ctrl-C is the parent's to handle
      // (it reaches the whole process group), and ends this process when the parent goes
      process.on("disconnect", () => process.exit(0));
      process.on("SIGINT", () => undefined);
    }
  },
};

function send(message: FromWorker): void {
  port.send(message);
}

function threadId(): number | null {
  try {
    if (!parentPort) return process.pid;
    const m = /\/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function replicaOf(req: RunRequest): Replica {
  let r = replicas.get(req.trial);
  if (!r) {
    if (!req.scenario) throw new Error(`no scenario for trial ${req.trial}`);
    r = { scenario: req.scenario, world: null, shell: null };
  } else if (req.scenario) r.scenario = req.scenario;
  // most recently used last
  replicas.delete(req.trial);
  replicas.set(req.trial, r);
  while (replicas.size > KEPT_TRIALS) replicas.delete(replicas.keys().next().value as string);
  return r;
}

async function run(req: RunRequest): Promise<void> {
  await loadShellErrorClass();
  const r = replicaOf(req);
  if (req.state) {
    // the state comes from a World the toolset already prepared for logins
    r.world = await World.fromState(req.state);
    r.shell = new WorkstationShell(r.scenario, r.world, req.options);
  }
  const { world, shell } = r;
  if (!world || !shell) throw new Error(`no world state for trial ${req.trial}`);
  world.setTicks(req.ticks);
  world.cause = req.cause;
  world.log.events.length = 0;
  // what came before (building the World from the state sent) is not the command line's own work
  send({ type: "begun", job: req.job });
  const result = await shell.run(req.command, req.cwd);
  const events = world.log.events.map(({ id: _id, at: _at, ...e }) => e as NewEvent);
  world.log.events.length = 0;
  send({ type: "done", job: req.job, result, events, state: await world.exportState() });
}

port.on((msg: ToWorker) => {
  if (msg.type === "forget") {
    replicas.delete(msg.trial);
    return;
  }
  run(msg).catch((e: unknown) => {
    send({ type: "failed", job: msg.job, message: e instanceof Error ? e.message : String(e) });
  });
});

send({ type: "ready", tid: threadId() });
