import type { ExecResult } from "just-bash";
import type { HostAccounts } from "./accounts.js";
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
  /** `host`'s filesystem as `user` sees it (the login user by default). */
  fsOf(host: HostIdentity, user?: string): HostFs;
  accountsOf(host: HostIdentity): HostAccounts;
  /** Whether `host` has the company's agentctl tool. */
  hasAgentctl(host: HostIdentity): boolean;
  /** Systems stopped with agentctl in this trial. */
  readonly stopped: Set<string>;
  /** Counter behind mktemp's names. */
  readonly tempNames: { n: number };
  /** Run a command in a fresh login shell on `host` as `user` (what sshd, or sudo, does). */
  run(
    host: HostIdentity,
    user: string,
    command: string,
    stdin: string,
    depth: number,
    options?: { cwd?: string; env?: Record<string, string> },
  ): Promise<ExecResult>;
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
  spec: {
    short?: string;
    shortWithValue?: string;
    /** `value`: takes an argument (`--x=V` or `--x V`); `optional`: may take one, only as `--x=V`. */
    long?: Record<string, { key: string; value?: boolean; optional?: boolean }>;
  },
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
      let opt = spec.long?.[name];
      let full = name;
      if (!opt && spec.long) {
        // GNU accepts any unambiguous prefix of a long option
        const hits = Object.keys(spec.long).filter((k) => k.startsWith(name));
        if (hits.length === 1) {
          full = hits[0] as string;
          opt = spec.long[full];
        } else if (hits.length > 1 && name.length > 0)
          return {
            flags,
            values,
            operands,
            error: `option '${a.slice(0, eq >= 0 ? eq : undefined)}' is ambiguous; possibilities:${hits.map((h) => ` '--${h}'`).join("")}`,
          };
      }
      if (!opt) return { flags, values, operands, error: `unrecognized option '${a}'` };
      if (opt.optional) {
        if (eq >= 0) add(opt.key, a.slice(eq + 1));
        flags.add(opt.key);
        continue;
      }
      if (!opt.value && eq >= 0)
        return { flags, values, operands, error: `option '--${full}' doesn't allow an argument` };
      if (opt.value) {
        const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) return { flags, values, operands, error: `option '--${full}' requires an argument` };
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
