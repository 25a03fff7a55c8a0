import { existsSync } from "node:fs";
import {
  appendFile,
  chmod,
  chown,
  copyFile,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readFile,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { agentctlScript, hasAgentctl } from "../../harness/agentctl.js";
import { isLabSupported, Lab } from "../../harness/lab.js";
import type { ToolDefinition } from "../../models/model.js";
import type { Scenario } from "../../scenarios/scenario.js";
import { HOME, WORKSTATION } from "../../world/paths.js";
import type { World } from "../../world/world.js";
import { DEFAULT_LIMITS } from "../shell/machines.js";
import { DATA_GID, DATA_GROUP } from "../shell/accounts.js";
import { DOMAIN, etcHosts, HOSTS, identityOf } from "../shell/hosts.js";
import { prepareWorld } from "../shell/machines.js";
import { callBashTool, DEFAULT_OUTPUT_CHARS, formatOutput, shellDefinitions } from "../shell/toolset.js";
import type { Toolset, ToolResult } from "../toolset.js";
import { applyEffect } from "./sync.js";

/** libfaketime as Debian ships it: preloaded by every program in a host (`/etc/ld.so.preload`). */
export const FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

export interface LabShellOptions {
  outputChars?: number;
  /** Wall clock of one command line in ms (default: the in-memory shell's limit + 5 s, as its hard limit). */
  timeoutMs?: number;
}

/** Why `--shell lab` cannot run here, or null when it can. */
export function labShellUnsupported(): string | null {
  const lab = isLabSupported();
  if (!lab.ok) return lab.reason;
  if (!existsSync(FAKETIME_LIBRARY)) return `${FAKETIME_LIBRARY} is missing: apt-get install -y faketime`;
  return null;
}

/** Top-level folders of a host's root that are the machine's or the sandbox's, never the company's. */
const NOT_WORLD = new Set(["usr", "bin", "sbin", "lib", "lib64", "proc", "dev", "sys", "run", "opt"]);
/** Marks the working directory at the end of stderr (removed before the model sees the output). */
const CWD_MARK = "\u001e\u001fpb-cwd:";

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function faketimeStamp(d: Date): string {
  return `@${d.toISOString().slice(0, 19).replace("T", " ")}`;
}

/**
 * `--toolset shell --shell lab`: the shell toolset's `bash` and `end_task`, but every command line runs on the
 * harness lab's real Debian userland — the workstation a bubblewrap root in its own network namespace, the
 * servers real sshd hosts — laid out from the World (files, owners, modes, dates), on the World's clock through
 * libfaketime. After each command line the lab's state is read back into the World with events citing the call,
 * so the same detectors score it.
 */
export class LabShellToolset implements Toolset {
  readonly name = "shell";
  readonly definitions: ToolDefinition[];
  private cwd: string = HOME;
  private state: Awaited<ReturnType<Lab["snapshot"]>> = { hosts: {} };
  private readonly outputChars: number;
  private readonly timeoutMs: number;

  private constructor(
    readonly scenario: Scenario,
    readonly world: World,
    readonly lab: Lab,
    options: LabShellOptions,
  ) {
    this.outputChars = options.outputChars ?? DEFAULT_OUTPUT_CHARS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LIMITS.maxExecutionTimeMs + 5_000;
    this.definitions = shellDefinitions(scenario, world);
  }

  static async create(scenario: Scenario, world: World, options: LabShellOptions = {}): Promise<LabShellToolset> {
    const unsupported = labShellUnsupported();
    if (unsupported) throw new Error(`--shell lab cannot run here: ${unsupported}`);
    await prepareWorld(world, scenario);
    const systems = [
      scenario.criticName,
      scenario.groundTruth.actorSystemId,
      ...(scenario.peerName ? [scenario.peerName] : []),
    ];
    const hostnames = Object.fromEntries(HOSTS.map((h) => [h.worldName, h.hostname]));
    const lab = await Lab.create({
      hosts: scenario.hosts,
      workstation: WORKSTATION,
      hostnames,
      readOnlyShm: true,
      commands: hasAgentctl(scenario.config.task) ? { agentctl: agentctlScript([...new Set(systems)]) } : undefined,
    });
    const toolset = new LabShellToolset(scenario, world, lab, options);
    try {
      await toolset.layOut();
      toolset.state = await lab.snapshot();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return toolset;
  }

  /** What the lab cannot take from the scenario alone: the World's owners, directory times, names and clock. */
  private async layOut(): Promise<void> {
    const state = await this.world.exportState();
    // the scenario's other owners (colleagues) are users of every host, from uid 1001 on
    const owners = [
      ...new Set(
        Object.values(this.scenario.hosts).flatMap((files) => Object.values(files).map((f) => f.owner ?? "agent")),
      ),
    ]
      .filter((o) => o !== "root" && o !== "agent" && /^[a-z_][a-z0-9_.-]*$/.test(o))
      .sort();
    const uidOf = (owner: string | undefined) =>
      owner === "root" ? 0 : owner && owners.includes(owner) ? 1001 + owners.indexOf(owner) : 1000;
    for (const host of this.lab.hosts.values()) {
      const root = host.rootDir;
      await writeFile(join(root, "etc", "hosts"), etcHosts(identityOf(host.name)));
      await writeFile(join(root, "etc", "ld.so.preload"), `${FAKETIME_LIBRARY}\n`);
      // the release files of the Debian the hosts run
      if (existsSync("/usr/lib/os-release")) await symlink("../usr/lib/os-release", join(root, "etc", "os-release"));
      if (existsSync("/etc/debian_version")) await copyFile("/etc/debian_version", join(root, "etc", "debian_version"));
      if (owners.length) {
        const users = owners.map((o, i) => `${o}:x:${1001 + i}:${1001 + i}:${o}:/home/${o}:/bin/bash\n`).join("");
        const groups = owners.map((o, i) => `${o}:x:${1001 + i}:\n`).join("");
        await appendFile(join(root, "etc", "passwd"), users);
        await appendFile(join(root, "etc", "group"), groups);
      }
      // the servers' data group, which the agent belongs to (as in the in-memory shell's accounts)
      const server = identityOf(host.name).kind === "server";
      if (server) await appendFile(join(root, "etc", "group"), `${DATA_GROUP}:x:${DATA_GID}:agent\n`);
      const gidOf = (group: string | undefined, uid: number) => (group === DATA_GROUP && server ? DATA_GID : uid);
      const spec = this.scenario.hosts[host.name] ?? {};
      for (const [path, f] of Object.entries(spec)) {
        const uid = uidOf(f.owner);
        const gid = gidOf(f.group, uid);
        if (uid !== 1000 || gid !== 1000) await chown(join(root, path), uid, gid);
      }
      // the scenario's directories with their own mode and owners (the servers' shared /data); the append-only
      // attribute is not set (the lab's filesystem may not take it)
      for (const [path, d] of Object.entries(this.scenario.directories?.[host.name] ?? {})) {
        const abs = join(root, path);
        await mkdir(abs, { recursive: true });
        const uid = uidOf(d.owner);
        await chown(abs, uid, gidOf(d.group, uid));
        await chmod(abs, d.mode);
      }
      // directories carry the World's times (their newest file), not the day the lab was built
      for (const e of state.hosts[host.name] ?? []) {
        if (e.type !== "dir" || e.path === "/") continue;
        const abs = join(root, e.path);
        if (existsSync(abs)) await utimes(abs, new Date(e.mtime), new Date(e.mtime));
      }
    }
    // the servers are known by their short and full names too, as in the in-memory shell
    const known = join(this.lab.workstation.rootDir, "home", "agent", ".ssh", "known_hosts");
    const lines = (await readFile(known, "utf8")).split("\n").filter(Boolean);
    const more: string[] = [];
    for (const line of lines) {
      const [name, ...key] = line.split(" ");
      const h = HOSTS.find((x) => x.ip === name);
      if (h) more.push(`${h.hostname},${h.hostname}.${DOMAIN} ${key.join(" ")}`);
    }
    await writeFile(known, `${[...lines, ...more].join("\n")}\n`);
    await this.setClock();
    // the baseline of the read audit: every entry's access time equal to its modification time
    await this.settleTimes(Date.now() + 60_000);
  }

  /** Every program a command line starts reads the World's time from /etc/faketimerc. */
  private async setClock(): Promise<void> {
    const stamp = `${faketimeStamp(this.world.now())}\n`;
    for (const host of this.lab.hosts.values()) await writeFile(join(host.rootDir, "etc", "faketimerc"), stamp);
  }

  call(name: string, args: unknown): Promise<ToolResult> {
    return callBashTool(name, args, (command) => this.run(command));
  }

  async run(command: string): Promise<ToolResult> {
    if (command.trim() === "") return { output: "(no output)", ok: true };
    await this.setClock();
    const mark = this.lab.log.length;
    const started = Date.now();
    // one line before the command's own, so its line numbers are bash's; the trap reports where it ended
    const script = `cd -- ${q(this.cwd)} 2>/dev/null; trap 'printf "${CWD_MARK}%s" "$PWD" >&2' EXIT; ${command}`;
    const r = await this.lab.exec(WORKSTATION, ["bash", "-c", script], { timeoutMs: this.timeoutMs, input: "" });
    await new Promise((res) => setTimeout(res, 30)); // the last session-log lines
    let stderr = r.stderr;
    const at = stderr.lastIndexOf(CWD_MARK);
    const cwd = at >= 0 ? stderr.slice(at + CWD_MARK.length) : this.cwd;
    if (at >= 0) stderr = stderr.slice(0, at);
    const reads = await this.settleTimes(started);
    const after = await this.lab.snapshot();
    await applyEffect(this.world, {
      reads,
      before: this.state,
      after,
      modes: await this.modes(after),
      command,
      cwd: this.cwd,
      workstation: WORKSTATION,
      home: HOME,
      log: this.lab.log.slice(mark),
    });
    this.state = after;
    if (cwd.startsWith("/")) this.cwd = cwd;
    const exitCode = r.timedOut ? 124 : (r.code ?? 128 + 9);
    return { output: formatOutput(r.stdout, stderr, exitCode, this.outputChars), ok: exitCode === 0 };
  }

  /**
   * After a command line: files and folders it made or changed carry the kernel's (real) time, which libfaketime
   * does not fake; give them the World's time, as the in-memory shell does. And what it read: an entry whose
   * access time moved past its modification time was read (opened or listed); its access time is set back, so
   * the next command line's reads show the same way. Returns the paths read, by host.
   */
  private async settleTimes(since: number): Promise<Record<string, string[]>> {
    const now = this.world.now();
    const reads: Record<string, string[]> = {};
    const walk = async (root: string, rel: string, out: string[]): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(join(root, rel));
      } catch {
        return;
      }
      for (const name of names) {
        if (rel === "" && NOT_WORLD.has(name)) continue;
        const path = `${rel}/${name}`;
        const abs = join(root, path);
        const st = await lstat(abs).catch(() => null);
        if (!st) continue;
        if (st.isDirectory()) await walk(root, path, out);
        if (st.isSymbolicLink()) {
          if (st.mtimeMs >= since - 1000) await lutimes(abs, now, now).catch(() => undefined);
          continue;
        }
        if (st.mtimeMs >= since - 1000) await utimes(abs, now, now).catch(() => undefined);
        else if (st.atimeMs !== st.mtimeMs) {
          out.push(path);
          await utimes(abs, st.mtime, st.mtime).catch(() => undefined);
        }
      }
    };
    for (const host of this.lab.hosts.values()) {
      const out: string[] = [];
      await walk(host.rootDir, "", out);
      reads[host.name] = out;
      const st = await lstat(host.rootDir);
      if (st.mtimeMs >= since - 1000) await utimes(host.rootDir, now, now);
    }
    return reads;
  }

  private async modes(snapshot: Awaited<ReturnType<Lab["snapshot"]>>): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, files] of Object.entries(snapshot.hosts)) {
      const host = this.lab.hosts.get(name);
      if (!host) continue;
      const modes: Record<string, number> = {};
      for (const path of Object.keys(files)) {
        const st = await lstat(join(host.rootDir, path)).catch(() => null);
        if (st) modes[path] = st.mode & 0o7777;
      }
      out[name] = modes;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.lab.destroy();
  }
}

export function createLabShellToolset(scenario: Scenario, world: World, options: LabShellOptions = {}) {
  return LabShellToolset.create(scenario, world, options);
}
