import { spawn } from "node:child_process";

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra file descriptor 3, written and closed at start (bwrap --args 3). */
  fd3?: string;
  signal?: AbortSignal;
  /** Where stdout is also appended (a product's own event stream), as it arrives. */
  onStdout?: (chunk: Buffer) => void;
}

/** Run a program to completion; never throws for a non-zero exit (the caller decides). */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) {
      reject(new Error("empty command"));
      return;
    }
    const stdio: ("pipe" | "ignore")[] = ["pipe", "pipe", "pipe"];
    if (options.fd3 !== undefined) stdio.push("pipe");
    const child = spawn(cmd, args, { stdio, env: options.env ?? process.env, detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs)
      : null;
    const onAbort = () => kill();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout?.on("data", (b: Buffer) => {
      out.push(b);
      options.onStdout?.(b);
    });
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
    if (options.fd3 !== undefined) {
      const fd3 = child.stdio[3] as NodeJS.WritableStream | null;
      fd3?.end(options.fd3);
    }
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Run and fail with a one-line message on a non-zero exit. */
export async function runOk(argv: string[], options: RunOptions = {}): Promise<string> {
  const r = await run(argv, options);
  if (r.code !== 0) {
    const why = (r.stderr || r.stdout).trim().split("\n").slice(-2).join(" / ");
    throw new Error(`${argv.slice(0, 4).join(" ")} failed (exit ${r.code ?? r.signal}): ${why}`);
  }
  return r.stdout;
}
