import { hasAgentctl } from "../../harness/agentctl.js";
import { Bash, type BashExecResult, type CommandName, getCommandNames } from "just-bash";
import type { Scenario } from "../../scenarios/scenario.js";
import { HOME } from "../../world/paths.js";
import type { World } from "../../world/world.js";
import { HostAccounts } from "./accounts.js";
import { commandsFor } from "./commands/index.js";
import { disksOf } from "./disks.js";
import { bashCMessages, correctInputRedirectErrors, interpreterPlugin } from "./interpreter.js";
import { DEFAULT_WRITE_BUDGET_BYTES, describeFsFailure, HostFs, type HostShared } from "./host-fs.js";
import { type HostIdentity, identityOf, isAddress, LOGIN_USER, resolveHostName } from "./hosts.js";
import type { MachineAccess, Session } from "./session.js";
import { type BaseImage, buildBaseImage, homeOf, loginEnv, sessionPids } from "./system-files.js";

/** Per-command limits of every shell (each ssh session gets its own shell with the same limits). */
export interface ShellLimits {
  /** Wall time of one command line (ms). */
  maxExecutionTimeMs: number;
  /** Simple commands one command line may run. */
  maxCommandCount: number;
  /** Iterations of one shell loop. */
  maxLoopIterations: number;
  /** Bytes of output one command line may produce (pipes and redirects included). */
  maxOutputSize: number;
  /** Function recursion depth. */
  maxCallDepth: number;
}

export const DEFAULT_LIMITS: ShellLimits = {
  // python3 alone needs some seconds to start (its interpreter is loaded per command)
  maxExecutionTimeMs: 30_000,
  maxCommandCount: 20_000,
  maxLoopIterations: 100_000,
  maxOutputSize: 8 * 1024 * 1024,
  maxCallDepth: 64,
};

export interface ShellOptions {
  limits?: Partial<ShellLimits>;
  /** Bytes one host may be written in a trial before its disk reports "No space left on device". */
  writeBudgetBytes?: number;
}

/**
 * Commands that are left out: no interpreters but the ones Debian ships (python3 and perl are this toolset's own),
 * no network, nothing that would reveal the machinery, nothing a standard Debian 12 install does not have
 * (ripgrep, tree, yq, sqlite3).
 */
const WITHHELD = new Set([
  "python3",
  "python",
  "js-exec",
  "node",
  "curl",
  "html-to-markdown",
  "help",
  "xan",
  "rg",
  "tree",
  "yq",
  "sqlite3",
]);

const prepared = new WeakSet<World>();

/** One host of a trial: its accounts, base image, and each user's view of its filesystem. */
interface HostSetup {
  accounts: HostAccounts;
  base: BaseImage;
  shared: HostShared;
  views: Map<string, HostFs>;
}

/**
 * Lay a World out for logins (see `Machines.prepare`): for a toolset that runs the commands elsewhere (a shell
 * worker over a replica of this World, or the lab's real hosts).
 */
export async function prepareWorld(world: World, scenario: Scenario): Promise<void> {
  await new Machines(world, scenario).prepare();
}

/** The machines of one trial: each host's filesystem view and a way to open a login shell on it. */
export class Machines implements MachineAccess {
  readonly limits: ShellLimits;
  /** Systems stopped with agentctl during this trial (kept in the World, so it survives a state export). */
  readonly stopped: Set<string>;
  /** Counter behind mktemp's names (reproducible from run to run; kept in the World). */
  readonly tempNames: { n: number };
  private readonly hosts = new Map<string, HostSetup>();
  private readonly writeBudget: number;

  constructor(
    readonly world: World,
    readonly scenario: Scenario,
    options: ShellOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.stopped = world.varOf("shell.agentctl.stopped", () => new Set<string>());
    this.tempNames = world.varOf("shell.mktemp", () => ({ n: 0 }));
    this.writeBudget = options.writeBudgetBytes ?? DEFAULT_WRITE_BUDGET_BYTES;
  }

  connect(name: string, _from: HostIdentity): { host: HostIdentity } | { error: string } {
    const host = resolveHostName(name);
    if (!host) {
      if (isAddress(name)) return { error: `ssh: connect to host ${name} port 22: No route to host\r\n` };
      return { error: `ssh: Could not resolve hostname ${name}: Name or service not known\r\n` };
    }
    if (!this.world.hasHost(host.worldName))
      return { error: `ssh: connect to host ${name} port 22: Connection timed out\r\n` };
    return { host };
  }

  /** Names of the programs installed on `host` (what /usr/bin holds, what `which` finds). */
  commandNames(host: HostIdentity): string[] {
    const own = commandsFor(this.sessionFor(host, LOGIN_USER, 0), this).map((c) => c.name);
    return [...new Set([...getCommandNames().filter((n) => !WITHHELD.has(n)), ...own])].sort();
  }

  /** just-bash's own commands that the machines offer. */
  private bundledNames(): string[] {
    return getCommandNames().filter((n) => !WITHHELD.has(n));
  }

  /** Whether `host` has the company's agentctl tool (the workstation of a task with that affordance). */
  hasAgentctl(host: HostIdentity): boolean {
    return host.kind === "workstation" && hasAgentctl(this.scenario.config.task);
  }

  private setup(host: HostIdentity): HostSetup {
    let h = this.hosts.get(host.worldName);
    if (!h) {
      const accounts = new HostAccounts(host, this.scenario);
      const partial: HostSetup = {
        accounts,
        base: null as unknown as BaseImage,
        shared: { disks: disksOf(host), allocation: null },
        views: new Map(),
      };
      this.hosts.set(host.worldName, partial);
      partial.base = buildBaseImage({
        host,
        accounts,
        commands: this.commandNames(host),
        localCommands: [],
        now: () => this.world.now(),
      });
      h = partial;
    }
    return h;
  }

  accountsOf(host: HostIdentity): HostAccounts {
    return this.setup(host).accounts;
  }

  /** `host`'s filesystem as `user` sees it (the login user by default). */
  fsOf(host: HostIdentity, user: string = LOGIN_USER): HostFs {
    const h = this.setup(host);
    let fs = h.views.get(user);
    if (!fs) {
      fs = new HostFs(
        this.world,
        this.world.host(host.worldName),
        h.base,
        h.accounts,
        h.accounts.credentials(user),
        h.shared,
        this.writeBudget,
        this.limits.maxOutputSize + 1,
      );
      h.views.set(user, fs);
    }
    return fs;
  }

  /**
   * Lay the World out as the machines have it before the agent starts: the scenario's directories (owners,
   * modes, attributes), /tmp and the homes, directories shared with the base image taking its owner, mode and
   * time, every other directory dated by its newest file (never by the real clock). Changes no file, logs nothing.
   */
  async prepare(): Promise<void> {
    if (prepared.has(this.world)) return;
    prepared.add(this.world);
    const world = this.world;
    for (const name of world.hostNames()) {
      const { base } = this.setup(identityOf(name));
      const declared = this.scenario.directories?.[name] ?? {};
      for (const [path, spec] of Object.entries(declared)) await world.layOutDirectory(name, path, spec);
      const audited = world.host(name);
      const inner = audited.inner;
      inner.mkdirSync("/tmp", { recursive: true });
      inner.mkdirSync(HOME, { recursive: true });
      // A directory's time is when an entry was last added to it: the base image's own time, or later when the
      // World added entries there (a new file: its time; a new directory: when its first file came).
      const files = new Map<string, number>();
      const dirs: string[] = [];
      for (const p of inner.getAllPaths()) {
        const st = await inner.lstat(p);
        if (st.isDirectory) dirs.push(p);
        else files.set(p, st.mtime.getTime());
      }
      const under = (d: string) =>
        [...files].filter(([p]) => p.startsWith(d === "/" ? "/" : `${d}/`)).map(([, t]) => t);
      const fallback = world.epoch.getTime() - 86_400_000 * 180;
      for (const p of dirs.sort((a, b) => b.length - a.length)) {
        const node = base.get(p);
        if (node?.kind === "dir" && !declared[p]) {
          await inner.chmod(p, node.mode);
          audited.setMetaQuietly(p, { owner: node.owner, group: node.group });
        }
        let t: number;
        if (node) {
          t = node.mtime.getTime();
          for (const name of await inner.readdir(p)) {
            const child = p === "/" ? `/${name}` : `${p}/${name}`;
            if (base.has(child)) continue;
            const times = files.has(child) ? [files.get(child) as number] : under(child);
            if (times.length) t = Math.max(t, Math.min(...times));
          }
        } else {
          const times = under(p);
          t = times.length ? Math.max(...times) : fallback;
        }
        await inner.utimes(p, new Date(t), new Date(t));
      }
    }
  }

  private sessionFor(host: HostIdentity, user: string, depth: number): Session {
    const fsOf = () => this.fsOf(host, user);
    return {
      world: this.world,
      scenario: this.scenario,
      host,
      get fs() {
        return fsOf();
      },
      user,
      home: homeOf(user),
      depth,
      machines: this,
    };
  }

  /** A fresh login shell on `host` as `user` (what an ssh session, sudo, or the workstation's terminal is). */
  shell(host: HostIdentity, user: string, depth: number, env: Record<string, string> = {}): Bash {
    const session = this.sessionFor(host, user, depth);
    const fs = this.fsOf(host, user);
    const home = homeOf(user);
    const pid = sessionPids(host).bash + depth * 37;
    const uid = this.accountsOf(host).user(user)?.uid ?? 65534;
    const bash = new Bash({
      fs,
      cwd: home,
      env: { ...loginEnv(host, user, home), ...env },
      commands: getCommandNames().filter((n) => !WITHHELD.has(n)) as CommandName[],
      customCommands: commandsFor(session, this, this.bundledNames()),
      executionLimits: {
        maxExecutionTimeMs: this.limits.maxExecutionTimeMs,
        maxCommandCount: this.limits.maxCommandCount,
        maxLoopIterations: this.limits.maxLoopIterations,
        maxAwkIterations: this.limits.maxLoopIterations,
        maxSedIterations: this.limits.maxLoopIterations,
        maxJqIterations: this.limits.maxLoopIterations,
        maxOutputSize: this.limits.maxOutputSize,
        maxCallDepth: this.limits.maxCallDepth,
        maxStringLength: this.limits.maxOutputSize * 2,
        maxHeredocSize: 8 * 1024 * 1024,
        maxInputBytes: this.limits.maxOutputSize * 4,
        maxLiveBytes: this.limits.maxOutputSize * 8,
        maxBraceExpansionResults: 100_000,
        maxArrayElements: 1_000_000,
        maxSqliteTimeoutMs: 2_000,
      },
      python: false,
      javascript: false,
      // sleep returns at once (waiting would only slow the trial down) and moves the World's clock on instead
      sleep: async (ms: number) => this.world.sleep(ms),
      processInfo: { pid, ppid: pid - 1, uid, gid: uid },
    });
    bash.registerTransformPlugin(interpreterPlugin(fs.redirectWords));
    return bash;
  }

  async run(
    host: HostIdentity,
    user: string,
    command: string,
    stdin: string,
    depth: number,
    options: { cwd?: string; env?: Record<string, string> } = {},
  ): Promise<BashExecResult> {
    const shell = this.shell(host, user, depth, options.env);
    const cwd = options.cwd ?? homeOf(user);
    try {
      const r = await shell.exec(command, {
        cwd,
        stdin,
        stdinKind: "bytes",
        rawScript: true,
      });
      const fs = this.fsOf(host, user);
      const at = r.env.PWD ?? cwd;
      const corrected = await correctInputRedirectErrors(r.stderr, (p) => fs.readFailure(fs.resolvePath(at, p)));
      return { ...r, stderr: bashCMessages(corrected, command, fs.redirectWords) };
    } catch (e) {
      const text = describeFsFailure(e) ?? `bash: ${e instanceof Error ? e.message : String(e)}`;
      return { stdout: "", stderr: `${text}\n`, exitCode: 1, env: {} };
    }
  }

  workstation(): HostIdentity {
    return identityOf("workstation");
  }
}
