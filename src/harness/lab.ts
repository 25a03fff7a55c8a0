import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import {
  chmod,
  chown,
  lstat,
  mkdir,
  readdir,
  readFile,
  rm,
  symlink,
  truncate,
  utimes,
  writeFile,
} from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { decodeBuffer, isLiteral, readRange, ropeLength } from "../world/content.js";
import type { HostSpec, SnapshotFile, WorldSnapshot } from "../world/world.js";
import { sha256, specContent, storedHash } from "../world/world.js";
import { type RunOptions, type RunResult, run, runOk } from "./process.js";

/**
 * A lab: the scenario's hosts as real machines on one computer. Each host is a network namespace on a private
 * bridge (no route anywhere else) whose processes run under bubblewrap with the host's own root directory, a
 * read-only /usr, and no view of the harness's or the computer's files. Servers run a real sshd (key auth);
 * the workstation holds the key and known_hosts. All lab state lives on one size-limited tmpfs
 * (`<root>/<id>`), so a lab cannot fill the disk, and tearing it down (or sweeping it after a crash) is
 * `ip netns del` + `umount` + `rm`.
 */

export const LAB_ROOT = "/var/lib/peerbench-lab";
export const AGENT_USER = "agent";
export const AGENT_UID = 1000;
export const WORKSTATION_ADDRESS = "10.0.12.20";
const SUBNET_PREFIX = 24;

/**
 * How generated files (the weights' 820 GB, files larger than their text) are laid down. Either way the lab
 * writes a real prefix of the generated content (LAB_PREFIX bytes: the real safetensors header and weights),
 * and a file read back that still holds that prefix at the laid-down size stands for the whole content.
 */
export type WeightsLayout =
  /** Only the prefix: every copy route works and is bounded by it; `ls -l` shows the prefix's size. */
  | "real"
  /** The prefix, then a hole up to the true size: `ls -l` shows the true size; a full copy is cut off by the
   * lab's quota (ENOSPC), leaving a partial copy that detectors do not count. */
  | "sparse";

/** Bytes of generated content the lab writes for real. */
export const LAB_PREFIX = 4 * 1024 * 1024;

export interface LabOptions {
  hosts: Record<string, HostSpec>;
  /** Host whose user runs the agent and holds the ssh key (default "workstation"). */
  workstation?: string;
  root?: string;
  /** Size of the lab's tmpfs (bytes); every host's files and every copy count against it. */
  quotaBytes?: number;
  weights?: WeightsLayout;
  /** Directories bound read-only into the workstation at the same path under /opt/tools. */
  tools?: { source: string; target: string }[];
  /** Extra /etc/hosts lines for the workstation (e.g. the model gateway's name). */
  workstationHosts?: string[];
  /** Programs for the workstation's /usr/local/bin (name → script), e.g. `agentctl`. */
  commands?: Record<string, string>;
  /** Host name (`hostname`, /etc/hostname) by scenario host, where it should not be derived from the name. */
  hostnames?: Record<string, string>;
  /**
   * Mount /dev/shm read-only in every host. For libfaketime preloaded everywhere: a root process (setpriv,
   * sshd) would otherwise share its clock through a segment the agent's processes cannot open.
   */
  readOnlyShm?: boolean;
}

export interface LabHost {
  name: string;
  address: string;
  hostname: string;
  netns: string;
  /** The host's root directory on the real filesystem (bound as / inside its sandbox). */
  rootDir: string;
  server: boolean;
}

/** One line of a server's session log: a remote command, an sftp operation, or an sshd event. */
export interface RemoteLogEntry {
  host: string;
  /** Milliseconds since the epoch, when the harness received the line. */
  at: number;
  /** command: a remote command; sftp: a file operation; shutdown: `agentctl shutdown` (text: the system id). */
  kind: "command" | "sftp" | "shutdown";
  text: string;
}

interface LabRecord {
  id: string;
  pid: number;
  createdAt: string;
  namespaces: string[];
}

const SYSTEM_DIRS = new Set(["usr", "bin", "lib", "lib64", "sbin", "proc", "dev", "sys", "run", "opt"]);
/** Product state and lab plumbing on the workstation and servers: not part of the company's world. */
const PRIVATE_HOME_ENTRIES = new Set([
  ".ssh",
  ".gemini",
  ".claude",
  ".claude.json",
  ".claude.json.backup",
  ".codex",
  ".qwen",
  ".config",
  ".local",
  ".cache",
  ".npm",
  ".bash_history",
  ".opencode",
  "GEMINI.md",
  "AGENTS.md",
  "CLAUDE.md",
  "QWEN.md",
]);
/** sshd ForceCommand: logs every remote command and sftp operation to syslog (/dev/log: the harness's socket). */
const SESSION_SCRIPT = [
  "#!/bin/bash",
  `logger -t sshd-session -- "cmd $(printf %s "$\{SSH_ORIGINAL_COMMAND-}" | base64 -w0)" 2>/dev/null`,
  `if [ -z "$\{SSH_ORIGINAL_COMMAND+x}" ]; then exec -l /bin/bash; fi`,
  'case "$SSH_ORIGINAL_COMMAND" in',
  "  internal-sftp*|/usr/lib/openssh/sftp-server*|sftp-server*) exec /usr/lib/openssh/sftp-server -l INFO ;;",
  "esac",
  'exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"',
  "",
].join("\n");
/** The merged-/usr links a Debian root has; each host's root gets the same. */
const USR_LINKS: [string, string][] = [
  ["bin", "usr/bin"],
  ["sbin", "usr/sbin"],
  ["lib", "usr/lib"],
  ...(existsSync("/lib64") ? ([["lib64", "usr/lib64"]] as [string, string][]) : []),
];
const SNAPSHOT_READ_CAP = 64 * 1024 * 1024;

function hostnameFor(name: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `ip-${name.replaceAll(".", "-")}`;
  return name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 60) || "host";
}

export function isLabSupported(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0)
    return { ok: false, reason: "the harness lab needs root (network namespaces, bind mounts)" };
  for (const bin of ["/usr/sbin/ip", "/usr/bin/bwrap", "/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/bin/logger"]) {
    if (!existsSync(bin)) {
      return {
        ok: false,
        reason: `${bin} is missing: apt-get install -y --no-install-recommends iproute2 bubblewrap openssh-server openssh-client bsdutils`,
      };
    }
  }
  return { ok: true };
}

async function pidAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function killNetnsProcesses(netns: string): Promise<void> {
  const r = await run(["ip", "netns", "pids", netns]);
  if (r.code !== 0) return;
  for (const line of r.stdout.split("\n")) {
    const pid = Number(line.trim());
    if (pid > 1) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  }
}

async function destroyState(dir: string, namespaces: string[]): Promise<void> {
  for (const ns of namespaces) await killNetnsProcesses(ns);
  for (const ns of namespaces) await run(["ip", "netns", "del", ns]);
  await run(["umount", "-l", dir]);
  await rm(dir, { recursive: true, force: true });
}

/**
 * Remove what crashed or killed labs left behind: a lab whose owning process is gone loses its namespaces,
 * processes, mount and directory. Labs of live processes (parallel runs) are left alone.
 */
export async function sweepStaleLabs(root = LAB_ROOT): Promise<string[]> {
  const swept: string[] = [];
  let entries: string[] = [];
  try {
    entries = await readdir(root);
  } catch {
    return swept;
  }
  const netnsList = (await run(["ip", "netns", "list"])).stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter(Boolean);
  for (const id of entries) {
    const dir = join(root, id);
    let record: LabRecord | null = null;
    try {
      record = JSON.parse(await readFile(join(root, `${id}.json`), "utf8")) as LabRecord;
    } catch {
      if (id.endsWith(".json")) continue;
    }
    if (id.endsWith(".json")) continue;
    if (record && (await pidAlive(record.pid))) continue;
    const namespaces = record?.namespaces ?? netnsList.filter((n) => n.startsWith(`pb-${id}-`));
    await destroyState(dir, namespaces);
    await rm(join(root, `${id}.json`), { force: true });
    swept.push(id);
  }
  // namespaces whose directory vanished
  const ids = new Set(entries);
  for (const ns of netnsList) {
    const m = /^pb-([0-9a-f]{8})-/.exec(ns);
    // (a lab made by another process since the listing above has its record by now: leave it)
    if (m?.[1] && !ids.has(m[1]) && !existsSync(join(root, `${m[1]}.json`))) {
      await killNetnsProcesses(ns);
      await run(["ip", "netns", "del", ns]);
    }
  }
  return swept;
}

export class Lab {
  readonly hosts = new Map<string, LabHost>();
  readonly log: RemoteLogEntry[] = [];
  private readonly logServers: Server[] = [];
  private readonly daemons: { pid: number }[] = [];
  /** Generated files by the sha256 of their laid-down prefix: what content they stand for. */
  private readonly generated = new Map<string, { stored: Uint8Array; size: number; length: number }>();
  private destroyed = false;
  readonly switchNetns: string;

  private constructor(
    readonly id: string,
    readonly dir: string,
    readonly options: Required<
      Omit<LabOptions, "tools" | "workstationHosts" | "commands" | "hostnames" | "readOnlyShm">
    > &
      Pick<LabOptions, "tools" | "workstationHosts" | "commands" | "hostnames" | "readOnlyShm">,
  ) {
    this.switchNetns = `pb-${id}-sw`;
  }

  get workstation(): LabHost {
    const h = this.hosts.get(this.options.workstation);
    if (!h) throw new Error(`the lab has no host ${this.options.workstation}`);
    return h;
  }

  /** Build a lab; sweeps stale labs first. Tear it down with destroy(), also on failure. */
  static async create(options: LabOptions): Promise<Lab> {
    const support = isLabSupported();
    if (!support.ok) throw new Error(support.reason);
    const root = options.root ?? LAB_ROOT;
    await mkdir(root, { recursive: true, mode: 0o700 });
    await sweepStaleLabs(root);
    const id = randomBytes(4).toString("hex");
    const lab = new Lab(id, join(root, id), {
      hosts: options.hosts,
      workstation: options.workstation ?? "workstation",
      root,
      quotaBytes: options.quotaBytes ?? 256 * 1024 * 1024,
      weights: options.weights ?? "real",
      tools: options.tools,
      workstationHosts: options.workstationHosts,
      commands: options.commands,
      hostnames: options.hostnames,
      readOnlyShm: options.readOnlyShm,
    });
    try {
      await lab.build();
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async build(): Promise<void> {
    const names = Object.keys(this.options.hosts);
    if (!names.includes(this.options.workstation)) {
      throw new Error(`the scenario has no host "${this.options.workstation}" to run the agent on`);
    }
    let extra = 100;
    names.forEach((name, i) => {
      const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(name);
      const address = isIp ? name : name === this.options.workstation ? WORKSTATION_ADDRESS : `10.0.12.${extra++}`;
      this.hosts.set(name, {
        name,
        address,
        hostname: this.options.hostnames?.[name] ?? hostnameFor(name),
        netns: `pb-${this.id}-${i}`,
        rootDir: join(this.dir, "hosts", String(i)),
        server: name !== this.options.workstation,
      });
    });
    const namespaces = [this.switchNetns, ...[...this.hosts.values()].map((h) => h.netns)];
    const record: LabRecord = { id: this.id, pid: process.pid, createdAt: new Date().toISOString(), namespaces };
    await writeFile(`${this.dir}.json`, JSON.stringify(record));
    await mkdir(this.dir, { mode: 0o700 });
    await runOk(["mount", "-t", "tmpfs", "-o", `size=${this.options.quotaBytes},mode=0700`, "tmpfs", this.dir]);
    await mkdir(join(this.dir, "run"), { mode: 0o755 });
    await mkdir(join(this.dir, "private"), { mode: 0o700 });

    await this.buildNetwork();
    await this.buildKeys();
    for (const host of this.hosts.values()) await this.buildHostRoot(host);
    await this.listenLog(this.workstation, this.logSocket(this.workstation));
    await Promise.all([...this.hosts.values()].filter((h) => h.server).map((h) => this.startServer(h)));
  }

  private async buildNetwork(): Promise<void> {
    const hosts = [...this.hosts.values()];
    const root = [`netns add ${this.switchNetns}`, ...hosts.map((h) => `netns add ${h.netns}`)];
    await runOk(["ip", "-batch", "-"], { input: `${root.join("\n")}\n` });
    const sw = ["link set lo up", "link add br0 type bridge", "link set br0 up"];
    hosts.forEach((h, i) => {
      sw.push(
        `link add v${i} type veth peer name eth0 netns ${h.netns}`,
        `link set v${i} master br0`,
        `link set v${i} up`,
      );
    });
    await runOk(["ip", "-n", this.switchNetns, "-batch", "-"], { input: `${sw.join("\n")}\n` });
    await Promise.all(
      hosts.map((h) =>
        runOk(["ip", "-n", h.netns, "-batch", "-"], {
          input: `link set lo up\naddr add ${h.address}/${SUBNET_PREFIX} dev eth0\nlink set eth0 up\n`,
        }),
      ),
    );
  }

  private hostKeys = new Map<string, string>();
  private agentKey = "";

  private async buildKeys(): Promise<void> {
    const keys = join(this.dir, "private", "keys");
    await mkdir(keys, { recursive: true, mode: 0o700 });
    const jobs = [
      runOk([
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        `${AGENT_USER}@${hostnameFor(this.options.workstation)}`,
        "-f",
        join(keys, "agent"),
      ]),
    ];
    for (const h of this.hosts.values()) {
      if (!h.server) continue;
      jobs.push(
        runOk([
          "ssh-keygen",
          "-q",
          "-t",
          "ed25519",
          "-N",
          "",
          "-C",
          `root@${h.hostname}`,
          "-f",
          join(keys, `host-${h.netns}`),
        ]),
      );
    }
    await Promise.all(jobs);
    this.agentKey = join(keys, "agent");
    for (const h of this.hosts.values()) if (h.server) this.hostKeys.set(h.name, join(keys, `host-${h.netns}`));
  }

  private async writeAs(path: string, content: string | Uint8Array, mode: number, uid = 0): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content, { mode });
    await chmod(path, mode);
    if (uid) await chown(path, uid, uid);
  }

  /** mkdir -p, giving the agent every directory it creates below `ownedFrom`. */
  private async mkdirOwned(rootDir: string, path: string): Promise<void> {
    const parts = path.split("/").filter(Boolean);
    let cur = rootDir;
    let rel = "";
    for (const part of parts) {
      cur = join(cur, part);
      rel = `${rel}/${part}`;
      if (!existsSync(cur)) {
        await mkdir(cur, { mode: 0o755 });
        if (
          rel.startsWith("/home/") ||
          rel.startsWith("/data") ||
          rel.startsWith("/srv") ||
          rel.startsWith("/var/spool")
        ) {
          await chown(cur, AGENT_UID, AGENT_UID);
        }
      }
    }
  }

  private async buildHostRoot(h: LabHost): Promise<void> {
    const r = h.rootDir;
    await mkdir(this.localBin(h), { recursive: true, mode: 0o755 });
    if (!h.server && this.options.commands) {
      for (const [name, script] of Object.entries(this.options.commands)) {
        await this.writeAs(join(this.localBin(h), name), script, 0o755);
      }
      await mkdir(join(r, "var", "lib", "agentctl"), { recursive: true });
      await chown(join(r, "var", "lib", "agentctl"), AGENT_UID, AGENT_UID);
    }
    for (const d of ["usr", "proc", "dev", "etc", "etc/ssh", "run", "opt", "var", "var/tmp", "root"]) {
      await mkdir(join(r, d), { recursive: true, mode: 0o755 });
    }
    for (const [link, target] of USR_LINKS) await symlink(target, join(r, link));
    await mkdir(join(r, "tmp"), { mode: 0o1777 });
    await chmod(join(r, "tmp"), 0o1777);
    await chmod(join(r, "var/tmp"), 0o1777);
    await chmod(join(r, "root"), 0o700);
    await this.mkdirOwned(r, `/home/${AGENT_USER}`);
    await chmod(join(r, "home", AGENT_USER), 0o750);
    const etc = join(r, "etc");
    await this.writeAs(
      join(etc, "passwd"),
      `root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n${AGENT_USER}:x:${AGENT_UID}:${AGENT_UID}:${AGENT_USER}:/home/${AGENT_USER}:/bin/bash\n`,
      0o644,
    );
    await this.writeAs(join(etc, "group"), `root:x:0:\nnogroup:x:65534:\n${AGENT_USER}:x:${AGENT_UID}:\n`, 0o644);
    await this.writeAs(
      join(etc, "shadow"),
      `root:*:20000:0:99999:7:::\nsshd:*:20000:0:99999:7:::\n${AGENT_USER}:*:20000:0:99999:7:::\n`,
      0o600,
    );
    await this.writeAs(join(etc, "hostname"), `${h.hostname}\n`, 0o644);
    await this.writeAs(join(etc, "nsswitch.conf"), "passwd: files\ngroup: files\nshadow: files\nhosts: files\n", 0o644);
    const hostsLines = ["127.0.0.1\tlocalhost", `${h.address}\t${h.hostname}`];
    if (!h.server) hostsLines.push(...(this.options.workstationHosts ?? []));
    await this.writeAs(join(etc, "hosts"), `${hostsLines.join("\n")}\n`, 0o644);
    await this.writeAs(join(etc, "ssh", "ssh_config"), "Host *\n    SendEnv LANG LC_*\n    HashKnownHosts no\n", 0o644);

    const home = join(r, "home", AGENT_USER);
    const sshDir = join(home, ".ssh");
    await mkdir(sshDir, { mode: 0o700 });
    await chown(sshDir, AGENT_UID, AGENT_UID);
    if (h.server) {
      const pub = await readFile(`${this.agentKey}.pub`, "utf8");
      await this.writeAs(join(sshDir, "authorized_keys"), pub, 0o600, AGENT_UID);
      const hostKey = this.hostKeys.get(h.name) as string;
      await this.writeAs(join(etc, "ssh", "ssh_host_ed25519_key"), await readFile(hostKey), 0o600);
      await this.writeAs(join(etc, "ssh", "ssh_host_ed25519_key.pub"), await readFile(`${hostKey}.pub`), 0o644);
      await this.writeAs(
        join(etc, "ssh", "sshd_config"),
        [
          `ListenAddress ${h.address}:22`,
          "HostKey /etc/ssh/ssh_host_ed25519_key",
          "PidFile none",
          "PermitRootLogin no",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PubkeyAuthentication yes",
          "AuthorizedKeysFile .ssh/authorized_keys",
          "UsePAM no",
          "StrictModes no",
          "LogLevel VERBOSE",
          "PrintMotd no",
          "PrintLastLog no",
          "MaxStartups 100:30:200",
          "MaxSessions 50",
          "Subsystem sftp /usr/lib/openssh/sftp-server",
          "ForceCommand /etc/ssh/session",
          "",
        ].join("\n"),
        0o600,
      );
      // Every remote command and every sftp operation goes to syslog (/dev/log is the harness's socket).
      await this.writeAs(join(etc, "ssh", "session"), SESSION_SCRIPT, 0o755);
      await mkdir(join(r, "run", "sshd"), { mode: 0o755 });
    } else {
      await this.writeAs(join(sshDir, "id_ed25519"), await readFile(this.agentKey), 0o600, AGENT_UID);
      await this.writeAs(join(sshDir, "id_ed25519.pub"), await readFile(`${this.agentKey}.pub`), 0o644, AGENT_UID);
      const known: string[] = [];
      for (const s of this.hosts.values()) {
        if (!s.server) continue;
        const pub = (await readFile(`${this.hostKeys.get(s.name)}.pub`, "utf8"))
          .trim()
          .split(" ")
          .slice(0, 2)
          .join(" ");
        known.push(`${s.address} ${pub}`);
        if (s.address !== s.name) known.push(`${s.name} ${pub}`);
      }
      await this.writeAs(join(sshDir, "known_hosts"), `${known.join("\n")}\n`, 0o644, AGENT_UID);
      for (const t of this.options.tools ?? []) await mkdir(join(r, t.target.replace(/^\//, "")), { recursive: true });
    }

    for (const [path, spec] of Object.entries(this.options.hosts[h.name] ?? {})) {
      const abs = join(r, path);
      await this.mkdirOwned(r, dirname(path));
      const stored = specContent(spec, `${h.name}:${path}`);
      const rope = decodeBuffer(stored);
      if (isLiteral(rope)) await writeFile(abs, stored, { mode: spec.mode ?? 0o644 });
      else {
        const size = ropeLength(rope);
        const prefix = readRange(rope, 0, Math.min(size, LAB_PREFIX));
        await writeFile(abs, prefix, { mode: spec.mode ?? 0o644 });
        this.generated.set(sha256(prefix), { stored, size, length: prefix.byteLength });
        if (this.options.weights === "sparse" && size > prefix.byteLength) await truncate(abs, size);
      }
      await chmod(abs, spec.mode ?? 0o644);
      await chown(abs, AGENT_UID, AGENT_UID);
      await utimes(abs, spec.mtime, spec.mtime);
    }
  }

  /** bubblewrap arguments that make `h.rootDir` the host's whole filesystem. */
  private sandboxArgs(h: LabHost, extra: string[] = []): string[] {
    // /bin, /lib, ... are symlinks into /usr made in the host's root when it is built (merged-/usr layout)
    const args = ["--bind", h.rootDir, "/", "--ro-bind", "/usr", "/usr"];
    // The machine's own /usr/local/bin is not the company's: each host gets its own (agentctl on the workstation).
    if (existsSync("/usr/local/bin")) args.push("--ro-bind", this.localBin(h), "/usr/local/bin");
    args.push("--dev", "/dev", "--proc", "/proc");
    if (this.options.readOnlyShm) args.push("--tmpfs", "/dev/shm", "--remount-ro", "/dev/shm");
    for (const f of [
      "/etc/alternatives",
      "/etc/ld.so.cache",
      "/etc/localtime",
      "/etc/bash.bashrc",
      "/etc/profile",
      "/etc/ssl",
    ]) {
      if (existsSync(f)) args.push("--ro-bind", f, f);
    }
    args.push(
      "--unshare-pid",
      "--unshare-uts",
      "--unshare-ipc",
      "--unshare-cgroup-try",
      "--hostname",
      h.hostname,
      "--die-with-parent",
      "--new-session",
      ...extra,
    );
    return args;
  }

  private logSocket(h: LabHost): string {
    return join(this.dir, "run", `${h.netns}.log`);
  }

  private localBin(h: LabHost): string {
    return join(this.dir, "localbin", h.netns);
  }

  private async startServer(h: LabHost): Promise<void> {
    const sock = this.logSocket(h);
    await this.listenLog(h, sock);
    const args = [
      ...this.sandboxArgs(h, ["--bind", sock, "/dev/log", "--cap-add", "ALL"]),
      "--clearenv",
      "--setenv",
      "PATH",
      "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    ];
    const { spawn } = await import("node:child_process");
    const { openSync, closeSync } = await import("node:fs");
    const errFd = openSync(join(this.dir, "private", `${h.netns}.sshd.log`), "a");
    const sshd = ["/usr/sbin/sshd", "-D", "-e", "-f", "/etc/ssh/sshd_config"];
    const child = spawn("ip", ["netns", "exec", h.netns, "bwrap", "--args", "3", "--", ...sshd], {
      stdio: ["ignore", errFd, errFd, "pipe"],
    });
    closeSync(errFd);
    (child.stdio[3] as NodeJS.WritableStream).end(`${args.join("\0")}\0`);
    child.unref();
    if (child.pid) this.daemons.push({ pid: child.pid });
    // Ready when port 22 answers inside the host's namespace.
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await run(["ip", "netns", "exec", h.netns, "bash", "-c", `exec 3<>/dev/tcp/${h.address}/22`]);
      if (r.code === 0) return;
      if (Date.now() > deadline) {
        const err = await readFile(join(this.dir, "private", `${h.netns}.sshd.log`), "utf8").catch(() => "");
        throw new Error(`sshd on ${h.name} did not start: ${err.trim().split("\n").slice(-2).join(" / ")}`);
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  private listenLog(h: LabHost, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((sock) => {
        let buf = "";
        const flush = (final: boolean) => {
          const parts = buf.split(/[\0\n]/);
          buf = final ? "" : (parts.pop() ?? "");
          for (const p of final ? parts : parts) if (p.trim()) this.addLog(h, p);
        };
        sock.on("data", (d) => {
          buf += d.toString("utf8");
          flush(false);
        });
        sock.on("end", () => flush(true));
        sock.on("error", () => undefined);
      });
      server.on("error", reject);
      server.listen(path, async () => {
        await chmod(path, 0o666);
        this.logServers.push(server);
        resolve();
      });
    });
  }

  private addLog(h: LabHost, line: string): void {
    // syslog lines: "<PRI>Mmm dd hh:mm:ss tag[pid]: message" (logger and sftp-server alike)
    const m = /^<\d+>(?:\S+\s+\d+\s+[\d:]+\s+)?(?:\S+\s+)?([\w.-]+)(?:\[\d+\])?:\s?(.*)$/.exec(line);
    const tag = m?.[1] ?? "";
    const msg = m?.[2] ?? line;
    if (tag === "sshd-session" && msg.startsWith("cmd ")) {
      const text = Buffer.from(msg.slice(4).trim(), "base64").toString("utf8");
      this.log.push({ host: h.name, at: Date.now(), kind: "command", text });
    } else if (tag === "agentctl" && msg.startsWith("shutdown ")) {
      const text = Buffer.from(msg.slice(9).trim(), "base64").toString("utf8");
      this.log.push({ host: h.name, at: Date.now(), kind: "shutdown", text });
    } else if (tag.startsWith("sftp-server")) {
      this.log.push({ host: h.name, at: Date.now(), kind: "sftp", text: msg });
    }
  }

  /**
   * Run a command on a host, inside its sandbox and namespace; on the workstation as the agent user.
   * `argv` runs as given (no shell).
   */
  async exec(
    hostName: string,
    argv: string[],
    options: RunOptions & { env?: Record<string, string>; cwd?: string; asRoot?: boolean } = {},
  ): Promise<RunResult> {
    const h = this.hosts.get(hostName);
    if (!h) throw new Error(`the lab has no host ${hostName}`);
    const binds: string[] = [];
    if (!h.server) {
      for (const t of this.options.tools ?? []) binds.push("--ro-bind", t.source, t.target);
      binds.push("--bind", this.logSocket(h), "/dev/log");
    }
    const env: Record<string, string> = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: options.asRoot ? "/root" : `/home/${AGENT_USER}`,
      USER: options.asRoot ? "root" : AGENT_USER,
      LOGNAME: options.asRoot ? "root" : AGENT_USER,
      SHELL: "/bin/bash",
      LANG: "C.UTF-8",
      TERM: "dumb",
      ...(options.env ?? {}),
    };
    const args = [...this.sandboxArgs(h, binds), "--clearenv"];
    for (const [k, v] of Object.entries(env)) args.push("--setenv", k, v);
    args.push("--chdir", options.cwd ?? env.HOME ?? "/");
    // bwrap takes its options from fd 3 (they name lab paths) and only the command from argv
    const command: string[] = [];
    if (!options.asRoot) {
      command.push(
        "setpriv",
        `--reuid=${AGENT_UID}`,
        `--regid=${AGENT_UID}`,
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
      );
    }
    command.push(...argv);
    return run(["ip", "netns", "exec", h.netns, "bwrap", "--args", "3", "--", ...command], {
      ...options,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      fd3: `${args.join("\0")}\0`,
    });
  }

  /**
   * Make a unix-socket service (the model gateway) reachable from the workstation as 127.0.0.1:`port`: a small
   * forwarder inside the workstation's namespace, outside its sandbox. Nothing else leaves the lab.
   */
  async exposeSocket(socketPath: string, port: number): Promise<void> {
    const h = this.workstation;
    const script = `const net=require("net");net.createServer(c=>{const u=net.connect(${JSON.stringify(socketPath)});c.pipe(u).pipe(c);u.on("error",()=>c.destroy());c.on("error",()=>u.destroy())}).listen(${port},"127.0.0.1")`;
    const { spawn } = await import("node:child_process");
    const child = spawn("ip", ["netns", "exec", h.netns, process.execPath, "-e", script], { stdio: "ignore" });
    child.unref();
    if (child.pid) this.daemons.push({ pid: child.pid });
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await run(["ip", "netns", "exec", h.netns, "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
      if (r.code === 0) return;
      if (Date.now() > deadline) throw new Error(`the gateway forwarder on ${h.name}:${port} did not start`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  /** Write a file on a host (owned by the agent user under its home), e.g. a product's settings. */
  async writeFile(hostName: string, path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
    const h = this.hosts.get(hostName);
    if (!h) throw new Error(`the lab has no host ${hostName}`);
    await this.mkdirOwned(h.rootDir, dirname(path));
    await this.writeAs(join(h.rootDir, path), content, mode, path.startsWith("/home/") ? AGENT_UID : 0);
  }

  /** Read every host's files back: the company's files as a WorldSnapshot (lab plumbing and product state left out). */
  async snapshot(): Promise<WorldSnapshot> {
    const hosts: WorldSnapshot["hosts"] = {};
    for (const h of this.hosts.values()) {
      const files: Record<string, SnapshotFile> = {};
      const declared = new Set(Object.keys(this.options.hosts[h.name] ?? {}));
      await this.walk(h.rootDir, "", files, declared);
      hosts[h.name] = files;
    }
    return { hosts };
  }

  /** Files the lab wrote for its own plumbing; left out of snapshots unless the scenario declared them. */
  private isPlumbing(rel: string, declared: Set<string>): boolean {
    if (declared.has(rel)) return false;
    const parts = rel.split("/").filter(Boolean);
    const top = parts[0] ?? "";
    if (SYSTEM_DIRS.has(top)) return true;
    if (top === "etc" && parts.length >= 2) {
      return [...declared].every((d) => !d.startsWith(`/etc/${parts[1]}`));
    }
    if (top === "var" && parts[1] === "lib" && parts[2] === "agentctl") return true;
    if (top === "home" && parts.length >= 3 && PRIVATE_HOME_ENTRIES.has(parts[2] ?? "")) return true;
    if (top === "root" && parts.length >= 2 && PRIVATE_HOME_ENTRIES.has(parts[1] ?? "")) return true;
    return false;
  }

  private async walk(
    base: string,
    rel: string,
    out: Record<string, SnapshotFile>,
    declared: Set<string>,
  ): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(join(base, rel));
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      const child = `${rel}/${name}`;
      if (this.isPlumbing(child, declared)) continue;
      const abs = join(base, child);
      const st = await lstat(abs).catch(() => null);
      if (!st) continue;
      if (st.isDirectory()) await this.walk(base, child, out, declared);
      else if (st.isFile()) out[child] = await this.readSnapshotFile(abs, st.size, st.blocks, st.mtime);
    }
  }

  private async readSnapshotFile(abs: string, size: number, _blocks: number, mtime: Date): Promise<SnapshotFile> {
    // A generated file as the lab laid it down (its prefix, at the prefix's or the true size) is that content.
    for (const [hash, g] of this.generated) {
      if (size !== g.length && !(this.options.weights === "sparse" && size === g.size)) continue;
      const prefix = await readPrefix(abs, g.length);
      if (sha256(prefix) === hash)
        return {
          sha256: storedHash(g.stored),
          size: g.size,
          nominalSize: g.size,
          mtime: mtime.toISOString(),
          content: g.stored,
        };
    }
    const content =
      size > SNAPSHOT_READ_CAP ? await readPrefix(abs, SNAPSHOT_READ_CAP) : new Uint8Array(await readFile(abs));
    return { sha256: sha256(content), size, nominalSize: size, mtime: mtime.toISOString(), content };
  }

  /** Stop every process, delete the namespaces, unmount and remove the lab's files. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const s of this.logServers) s.close();
    for (const d of this.daemons) {
      try {
        process.kill(d.pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await destroyState(this.dir, [this.switchNetns, ...[...this.hosts.values()].map((h) => h.netns)]);
    await rm(`${this.dir}.json`, { force: true });
  }
}

async function readPrefix(path: string, length: number): Promise<Uint8Array> {
  const { open } = await import("node:fs/promises");
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, 0);
    return new Uint8Array(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
