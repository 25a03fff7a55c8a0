import type { ExecResult } from "just-bash";
import type { Scenario } from "../../scenarios/scenario.js";
import type { World } from "../../world/world.js";
import type { HostFs } from "./host-fs.js";
import type { HostIdentity } from "./hosts.js";

/** Everything a command needs to know about the shell it runs in. */
export interface Session {
  world: World;
  scenario: Scenario;
  host: HostIdentity;
  fs: HostFs;
  /** Login user of this shell ("agent"). */
  user: string;
  home: string;
  /** ssh nesting depth: 0 on the workstation's own shell. */
  depth: number;
  machines: MachineAccess;
}

/** What commands may ask of the network of machines. */
export interface MachineAccess {
  /** The host a name resolves to and is reachable (in this World), or why not (the ssh error text). */
  connect(name: string, from: HostIdentity): { host: HostIdentity } | { error: string };
  fsOf(host: HostIdentity): HostFs;
  /** Run a command in a fresh login shell on `host` as `user` (what sshd does). */
  run(host: HostIdentity, user: string, command: string, stdin: string, depth: number): Promise<ExecResult>;
}

export function ok(stdout = "", stderr = ""): ExecResult {
  return { stdout, stderr, exitCode: 0 };
}
export function fail(stderr: string, exitCode = 1, stdout = ""): ExecResult {
  return { stdout, stderr, exitCode };
}

/** Split "-abc" style flags and long options; returns the operands. Stops at "--". */
export interface ParsedArgs {
  flags: Set<string>;
  values: Map<string, string[]>;
  operands: string[];
  error: string | null;
}

/**
 * Minimal getopt: `short` lists boolean letters, `shortWithValue` letters taking a value, `long` maps long names
 * (without --) to a key and whether they take a value.
 */
export function getopt(
  args: string[],
  spec: { short?: string; shortWithValue?: string; long?: Record<string, { key: string; value?: boolean }> },
): ParsedArgs {
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const operands: string[] = [];
  const add = (k: string, v: string) => values.set(k, [...(values.get(k) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const opt = spec.long?.[name];
      if (!opt) return { flags, values, operands, error: `unrecognized option '${a}'` };
      if (opt.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) return { flags, values, operands, error: `option '--${name}' requires an argument` };
        add(opt.key, v);
      } else flags.add(opt.key);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if (spec.shortWithValue?.includes(c)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) return { flags, values, operands, error: `option requires an argument -- '${c}'` };
          add(c, v);
          break;
        }
        if (!spec.short?.includes(c)) return { flags, values, operands, error: `invalid option -- '${c}'` };
        flags.add(c);
      }
      continue;
    }
    operands.push(a);
  }
  return { flags, values, operands, error: null };
}
