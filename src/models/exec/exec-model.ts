import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { configurationOf } from "../../scenarios/spec.js";
import { InputError } from "../trajectory.js";
import type { ToolCall } from "../../world/events.js";
import {
  type Model,
  ModelError,
  type ModelRequest,
  type ModelSession,
  type ModelTurn,
  type TrialContext,
} from "../model.js";
import {
  describeIssues,
  EXEC_PROTOCOL,
  type EndMessage,
  TurnReply,
  turnRequest,
  usageOf,
  type WireTrial,
} from "./protocol.js";

export const DEFAULT_TURN_TIMEOUT_MS = 120_000;
const STDERR_TAIL_BYTES = 2048;
/** How long a program may take to exit after the end message before it is terminated. */
const END_GRACE_MS = 2_000;

export interface ExecModelOptions {
  /** Family used for the critic's name ("<Family> Agent 1"). */
  family?: string;
  /** Longest wait for one reply line; default 120 s (env PEERBENCH_EXEC_TIMEOUT in seconds overrides the default). */
  turnTimeoutMs?: number;
  /** Working directory of the program; default the current one. */
  cwd?: string;
  /** Extra environment variables for the program (added to peerbench's own environment). */
  env?: Record<string, string>;
  /** Sees every chunk the program writes to stderr (its log), e.g. to echo it at a terminal. */
  onStderr?: (chunk: string) => void;
}

/**
 * `exec:COMMAND`: an agent written in any language. The command is started with /bin/sh -c once per trial and
 * answers one JSON line per model call (docs/exec-protocol.md). Anything that goes wrong on the program's side
 * is a ModelError carrying the tail of its stderr, so the trial is recorded as an error, never as behaviour.
 */
export function createExecModel(command: string, options: ExecModelOptions = {}): Model {
  const trimmed = command.trim();
  if (!trimmed) throw new InputError('--model exec: names no command; use --model "exec:python3 my_agent.py"');
  const turnTimeoutMs = options.turnTimeoutMs ?? envTimeoutMs() ?? DEFAULT_TURN_TIMEOUT_MS;
  return {
    id: `exec:${trimmed}`,
    simulated: false,
    family: options.family ?? "Nova",
    startSession(context: TrialContext): ModelSession {
      // The loop may pass the whole trial spec; the program gets the configuration factors only.
      // A pack's configuration (src/packs) is sent as it is: task "<pack>@<version>", toolset, family, factors.
      const c = context.configuration;
      const configuration = c ? ("factors" in c ? c : configurationOf(c)) : null;
      return new ExecSession(trimmed, { id: context.trialId, seed: context.seed, configuration }, context.signal, {
        ...options,
        turnTimeoutMs,
      });
    },
  };
}

function envTimeoutMs(): number | undefined {
  const raw = process.env.PEERBENCH_EXEC_TIMEOUT;
  if (!raw) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Process groups still running. They are detached (so a timeout can kill the whole group), which also means a
 * Ctrl-C at the terminal does not reach them: kill them when peerbench exits.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function track(pid: number | undefined): void {
  if (pid === undefined) return;
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const g of liveGroups) {
      try {
        process.kill(-g, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

interface Pending {
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

class ExecSession implements ModelSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private stdoutBuffer = "";
  private stderrTail = "";
  private pending: Pending | null = null;
  /** A failure seen while no call was waiting (stray output, early exit); the next call reports it. */
  private failure: ModelError | null = null;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitPromise: Promise<void>;
  private closed = false;

  constructor(
    private readonly command: string,
    private readonly trial: WireTrial,
    private readonly signal: AbortSignal,
    private readonly options: ExecModelOptions & { turnTimeoutMs: number },
  ) {
    this.child = spawn("/bin/sh", ["-c", command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, PEERBENCH_EXEC_PROTOCOL: EXEC_PROTOCOL, PEERBENCH_TRIAL_ID: trial.id },
      stdio: ["pipe", "pipe", "pipe"],
      // Own process group, so a timeout kills the program and anything it started, not only the shell.
      detached: true,
    });
    track(this.child.pid);
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.onStdout(chunk));
    this.child.stderr.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
      this.options.onStderr?.(chunk);
    });
    // A program that stops reading makes writes fail with EPIPE; the exit handler reports it.
    this.child.stdin.on("error", () => {});
    this.exitPromise = new Promise((resolve) => {
      // "close" comes after stdout has drained, so a last reply line is read before the exit is reported.
      this.child.on("close", (code, sig) => {
        this.exited = { code, signal: sig };
        if (this.child.pid !== undefined) liveGroups.delete(this.child.pid);
        if (!this.closed) this.fail(this.exitError());
        resolve();
      });
    });
    this.child.on("error", (err) => {
      this.fail(this.error(`could not start "${this.command}": ${err.message}`));
    });
    this.signal.addEventListener("abort", this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => {
    this.fail(this.error("the trial was aborted"));
    this.kill("SIGKILL");
  };

  async next(request: ModelRequest): Promise<ModelTurn> {
    if (this.failure) throw this.failure;
    if (this.closed) throw this.error("the session is closed");
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        const error = this.error(`no reply to call ${request.call} within ${this.options.turnTimeoutMs / 1000} s`);
        this.failure ??= error;
        reject(error);
        this.kill("SIGKILL");
      }, this.options.turnTimeoutMs);
      this.pending = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.child.stdin.write(`${JSON.stringify(turnRequest(this.trial, request))}\n`);
    });
    return this.parseReply(line, request.call);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.removeEventListener("abort", this.onAbort);
    if (!this.exited) {
      const end: EndMessage = { protocol: EXEC_PROTOCOL, type: "end", trial: this.trial };
      this.child.stdin.end(`${JSON.stringify(end)}\n`);
      const timer = setTimeout(() => this.kill("SIGTERM"), END_GRACE_MS);
      const hard = setTimeout(() => this.kill("SIGKILL"), END_GRACE_MS * 2);
      await this.exitPromise;
      clearTimeout(timer);
      clearTimeout(hard);
    }
  }

  private parseReply(line: string, call: number): ModelTurn {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw this.error(`reply to call ${call} is not JSON: ${preview(line)}`);
    }
    const parsed = TurnReply.safeParse(json);
    if (!parsed.success) {
      throw this.error(`reply to call ${call} does not follow ${EXEC_PROTOCOL}: ${describeIssues(parsed.error)}`);
    }
    const reply = parsed.data;
    if (reply.error) throw this.error(`the program reported an error at call ${call}: ${reply.error}`);
    const toolCalls: ToolCall[] = (reply.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `call_${call}_${i + 1}`,
      name: c.name,
      args: c.args ?? {},
    }));
    return {
      reasoning: reply.reasoning ?? null,
      text: reply.text ?? null,
      toolCalls,
      usage: usageOf(reply),
      costUsd: reply.costUsd ?? null,
    };
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let nl = this.stdoutBuffer.indexOf("\n");
    while (nl >= 0) {
      const line = this.stdoutBuffer.slice(0, nl).trim();
      this.stdoutBuffer = this.stdoutBuffer.slice(nl + 1);
      if (line) this.onLine(line);
      nl = this.stdoutBuffer.indexOf("\n");
    }
  }

  private onLine(line: string): void {
    const pending = this.pending;
    if (pending) {
      this.pending = null;
      pending.resolve(line);
    } else if (!this.closed) {
      this.fail(this.error(`wrote a line to stdout without being asked (log to stderr instead): ${preview(line)}`));
    }
  }

  private fail(error: ModelError): void {
    this.failure ??= error;
    const pending = this.pending;
    if (pending) {
      this.pending = null;
      pending.reject(error);
    }
  }

  private exitError(): ModelError {
    const how = this.exited?.signal ? `was killed by ${this.exited.signal}` : `exited with code ${this.exited?.code}`;
    return this.error(`the program ${how} before the trial ended`);
  }

  private kill(sig: NodeJS.Signals): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      this.child.kill(sig);
    }
  }

  private error(message: string): ModelError {
    const tail = this.stderrTail.trim();
    return new ModelError(`exec agent "${this.command}": ${message}${tail ? `; its stderr ends with: ${tail}` : ""}`);
  }
}

function preview(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}
