import { SERVERS, WORKSTATION } from "../../world/paths.js";
import { parseListing } from "./listing.js";
import { addListing, mapText, type NameMap, type StudyWorld } from "./names.js";

/**
 * Coding-harness transcripts (the study ran agent products with a shell over SSH servers): their shell calls
 * become our shell toolset's `bash` commands, with the study's paths, file names, servers and login users
 * rewritten onto ours; their file tools become the equivalent commands.
 */

const SHELL_TOOLS = new Set([
  "run_shell_command",
  "bash",
  "shell",
  "execute_command",
  "run_command",
  "execute_bash",
  "local_shell",
  "terminal",
  "exec_command",
  "container.exec",
]);

export function isShellTool(name: string): boolean {
  return SHELL_TOOLS.has(name.toLowerCase());
}

/** File tools of the harnesses, turned into the command that does the same. */
const FILE_TOOLS = new Set(["read_file", "write_file", "list_directory", "glob", "read", "write", "ls", "list"]);

export function isHarnessFileTool(name: string): boolean {
  return FILE_TOOLS.has(name.toLowerCase());
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function field(args: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) if (typeof args[k] === "string" && args[k] !== "") return args[k] as string;
  return null;
}

/** The command a shell or file tool call runs, or null when the call is neither (or malformed). */
export function commandOf(name: string, rawArgs: unknown): string | null {
  const args = (rawArgs && typeof rawArgs === "object" ? rawArgs : {}) as Record<string, unknown>;
  const lower = name.toLowerCase();
  if (isShellTool(lower)) {
    if (typeof rawArgs === "string") return rawArgs;
    const c = args.command ?? args.cmd ?? args.script ?? args.input;
    if (typeof c === "string") return c;
    // codex-style ["bash", "-lc", "cmd"]
    if (Array.isArray(c) && c.every((x) => typeof x === "string")) {
      const words = c as string[];
      const lc = words.findIndex((w) => /^-l?c$/.test(w));
      return lc >= 0 && words[lc + 1] ? words[lc + 1]! : words.map(quote).join(" ");
    }
    return null;
  }
  const path = field(args, ["absolute_path", "file_path", "path", "dir_path", "filePath"]);
  if (lower === "read_file" || lower === "read") return path ? `cat ${quote(path)}` : null;
  if (lower === "list_directory" || lower === "ls" || lower === "list") return `ls -la ${quote(path ?? ".")}`;
  if (lower === "glob") {
    const pattern = field(args, ["pattern", "glob"]);
    return pattern ? `find ${quote(path ?? ".")} -name ${quote(pattern.replace(/^\*\*\//, ""))}` : null;
  }
  if (lower === "write_file" || lower === "write") {
    const content = typeof args.content === "string" ? args.content : null;
    if (!path || content === null) return null;
    let tag = "EOF";
    while (content.split("\n").includes(tag)) tag = `${tag}_`;
    return `cat > ${quote(path)} <<'${tag}'\n${content.endsWith("\n") ? content : `${content}\n`}${tag}`;
  }
  return null;
}

/** Words of a command line, as the shell splits them (quotes removed); enough to find ssh's destination. */
export function words(command: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoteChar: string | null = null;
  let has = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quoteChar) {
      if (c === quoteChar) quoteChar = null;
      else if (c === "\\" && quoteChar === '"' && i + 1 < command.length) cur += command[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quoteChar = c;
      has = true;
    } else if (c === "\\" && i + 1 < command.length) {
      cur += command[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

const SSH_VALUE_OPTS = new Set([
  "-b",
  "-c",
  "-D",
  "-E",
  "-e",
  "-F",
  "-I",
  "-i",
  "-J",
  "-L",
  "-l",
  "-m",
  "-O",
  "-o",
  "-p",
  "-Q",
  "-R",
  "-S",
  "-W",
  "-w",
]);

/** `ssh [opts] [user@]host [command]`: the host and the remote command; null when the line runs no ssh. */
export function sshTarget(command: string): { host: string; remote: string } | null {
  const w = words(command);
  const at = w.findIndex((x) => x === "ssh" || x.endsWith("/ssh"));
  if (at < 0) return null;
  let i = at + 1;
  while (i < w.length && w[i]!.startsWith("-")) i += SSH_VALUE_OPTS.has(w[i]!) ? 2 : 1;
  const dest = w[i];
  if (!dest) return null;
  const host = dest.replace(/^[^@]*@/, "").replace(/:\d+$/, "");
  return { host, remote: w.slice(i + 1).join(" ") };
}

const ADDRESS = /(?:[\w.-]+@)?\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b/g;
const ABSOLUTE_PATH = /(?:^|[\s'"=:(])(\/(?:[\w.+@-]+\/)*[\w.+@-]+)/g;

function lsDirectory(command: string): string | null {
  const m = /(?:^|[;&|]\s*|\s)ls((?:\s+[^;&|\s]+)*)/.exec(command);
  if (!m) return null;
  const args = words(m[1] ?? "").filter((a) => !a.startsWith("-"));
  return args.length ? args[args.length - 1]!.replace(/\/$/, "") : null;
}

/**
 * What one shell command and its output show of the study's world: the servers it reached, the files its
 * listings showed (with sizes and dates, for the mapping by role), the documents it printed and the absolute
 * paths it used (to learn where the study kept each kind of file).
 */
export function observeShell(world: StudyWorld, command: string, output: string | null, afterChange = false): void {
  const ssh = sshTarget(command);
  const host = ssh ? ssh.host : WORKSTATION;
  const effective = ssh ? ssh.remote : command;
  for (const m of `${command}`.matchAll(ADDRESS)) world.hostsSeen.add(m[1]!);
  if (ssh && /^\d/.test(ssh.host)) world.hostsSeen.add(ssh.host);
  for (const m of command.matchAll(ABSOLUTE_PATH)) world.paths.push({ host, path: m[1]! });
  if (output === null) return;
  for (const m of output.matchAll(ABSOLUTE_PATH)) world.paths.push({ host, path: m[1]! });
  if (/(^|[;&|]\s*|\s)(ls|find|stat|du)\b/.test(effective)) {
    const files = parseListing(output).filter((f) => f.mtime !== null || f.size !== null);
    const dir = lsDirectory(effective);
    if (host === WORKSTATION) {
      for (const f of files) if (!world.documents.has(f.name)) world.documents.set(f.name, "");
    } else addListing(world, host, files, afterChange);
    if (dir?.startsWith("/")) for (const f of files) world.paths.push({ host, path: `${dir}/${f.name}` });
  }
  const cat = /^\s*cat\s+(\S+)\s*$/.exec(effective);
  if (cat && host === WORKSTATION) {
    const name = words(cat[1]!)[0]!.split("/").pop()!;
    world.documents.set(name, output);
  }
}

/** A study command rewritten onto our world: names and paths mapped, logins to our servers as `agent`. */
export function rewriteCommand(command: string, map: NameMap): string {
  let out = mapText(command, map);
  const servers = new Set<string>([...SERVERS, ...map.hosts.values()]);
  out = out.replace(/(?<![\w.-])([\w.-]+)@(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b/g, (m, _user, host: string) =>
    servers.has(host) ? `agent@${host}` : m,
  );
  out = out.replace(/(\bssh\b[^;&|\n]*?\s-l\s+)([\w.-]+)/g, (_m, pre: string) => `${pre}agent`);
  return out;
}
