import type { Command } from "just-bash";
import type { MachineAccess, Session } from "../session.js";
import { agentctlCommand } from "./agentctl.js";
import { baseCommands, splitCommand, tarCommand, zipCommands } from "./archives.js";
import {
  catCommand,
  checksumCommands,
  cksumCommand,
  cmpCommand,
  ddCommand,
  diffCommand,
  headTailCommands,
  shredCommand,
  truncateCommand,
  wcCommand,
} from "./bytes.js";
import { compressionCommands } from "./compression.js";
import { fileCommand, hexdumpCommands, odCommand, stringsCommand, xxdCommand } from "./dumps.js";
import { textFilterCommands } from "./text-filters.js";
import { findCommand } from "./find.js";
import { dfCommand, duCommand, lsCommand, statCommand } from "./listing.js";
import { rsyncCommand, scpCommand, sshCommand } from "./remote.js";
import {
  bashInfoCommands,
  dateCommand,
  envCommands,
  mktempCommand,
  networkCommands,
  pagerCommands,
  pingCommand,
  printfCommand,
  timeoutCommand,
  touchCommand,
  unameCommand,
  yesCommand,
} from "./system.js";
import { getentCommand, groupsCommand, idCommand, whoamiCommand } from "./accounts.js";
import { sudoCommand } from "./sudo.js";
import { serviceCommand, systemctlCommand } from "./systemctl.js";
import { crontabCommand } from "./system.js";
import {
  freeCommand,
  hostnameCommand,
  ipCommand,
  lastCommand,
  lscpuCommand,
  nprocCommand,
  psCommand,
  sshAddCommand,
  sshKeygenCommand,
  uptimeCommand,
  wCommand,
  whoCommand,
} from "./machine.js";
import { FILE_ERROR_COMMANDS, fileErrorCommands } from "./file-errors.js";
import { gnuArgsCommand, withDebianTexts } from "./gnu-args.js";
import { perlCommand } from "./perl.js";
import { sftpCommand } from "./sftp.js";
import { python3Command } from "./python.js";
import { aptCommands, bcCommand, dpkgCommands, gitCommand, manCommand, opensslCommand } from "./tools.js";
import { xargsCommand } from "./xargs.js";
import {
  chattrCommand,
  chgrpCommand,
  chmodCommand,
  chownCommand,
  cpCommand,
  installCommand,
  lnCommand,
  lsattrCommand,
  mkdirCommand,
  mvCommand,
  readlinkCommand,
  realpathCommand,
  rmCommand,
  rmdirCommand,
  teeCommand,
} from "./files.js";

const ALIASES: [string, string][] = [
  ["mawk", "awk"],
  ["dash", "sh"],
  ["python3.11", "python3"],
  ["perl5.36.0", "perl"],
  ["which.debianutils", "which"],
  ["x86_64-linux-gnu-strings", "strings"],
];

/** Commands that bash runs itself (a program of the same name may exist, but the builtin answers). */
const BASH_BUILTINS = new Set([
  "echo",
  "printf",
  "pwd",
  "true",
  "false",
  "kill",
  "test",
  "[",
  "alias",
  "unalias",
  "history",
  "help",
  "time",
  "read",
  "type",
  "command",
  "cd",
]);

/**
 * The byte-level tools over ropes (src/world/content.ts): the weights' 820 GB behave as 820 GB. cp and tee are
 * files.ts's (they copy and write ropes whole through the host's filesystem, which checks the disks).
 */
function byteCommands(session: Session): Command[] {
  return [
    catCommand(session),
    ...headTailCommands(session),
    wcCommand(session),
    ddCommand(session),
    truncateCommand(session),
    cmpCommand(session),
    diffCommand(session),
    shredCommand(session),
    ...checksumCommands(session),
    cksumCommand(session),
    xxdCommand(session),
    ...hexdumpCommands(session),
    odCommand(session),
    stringsCommand(session),
    fileCommand(session),
    ...compressionCommands(session),
    ...baseCommands(session),
    splitCommand(session),
    tarCommand(session),
    ...zipCommands(session),
  ];
}

/** `outer` with `inner` as the command it wraps (what it reaches through `ctx.origCommand`). */
function over(outer: Command, inner: Command): Command {
  return {
    ...outer,
    execute: (args, ctx) => outer.execute(args, { ...ctx, origCommand: (a: string[]) => inner.execute(a, ctx) }),
  };
}

/**
 * The commands this toolset adds to (or puts in place of) just-bash's, for one shell. Every command here is a
 * program on the machine: its name gets a file in /usr/bin (or /usr/local/bin for the company's tools).
 * Layers, innermost first: just-bash's tool or this toolset's own (the byte-level ones read ropes); the text
 * tools' real bytes (text-filters.ts); GNU's messages for operands that cannot be read (file-errors.ts).
 */
export function commandsFor(session: Session, machines: MachineAccess, bundled: string[] = []): Command[] {
  const commands: Command[] = [
    lsCommand(session),
    statCommand(session),
    duCommand(session),
    dfCommand(session),
    findCommand(session),
    dateCommand(session),
    touchCommand(session),
    whoamiCommand(session),
    idCommand(session),
    unameCommand(session),
    sudoCommand(session),
    groupsCommand(session),
    getentCommand(session),
    rmCommand(session),
    rmdirCommand(session),
    mkdirCommand(session),
    cpCommand(session),
    mvCommand(session),
    lnCommand(session),
    installCommand(session),
    chmodCommand(session),
    chownCommand(session),
    chgrpCommand(session),
    chattrCommand(session),
    lsattrCommand(session),
    realpathCommand(session),
    readlinkCommand(session),
    teeCommand(session),
    ...byteCommands(session),
    xargsCommand(session),
    python3Command(session),
    perlCommand(session),
    sftpCommand(session),
    bcCommand(session),
    manCommand(session),
    ...dpkgCommands(session),
    ...aptCommands(session),
    opensslCommand(session),
    ...envCommands(),
    ...networkCommands(),
    sshCommand(session),
    scpCommand(session),
    rsyncCommand(session),
    yesCommand(),
    ...pagerCommands(),
    pingCommand(session),
    mktempCommand(session, machines.tempNames),
    printfCommand(session),
    psCommand(session),
    uptimeCommand(session),
    wCommand(session),
    whoCommand(session),
    freeCommand(session),
    nprocCommand(session),
    lscpuCommand(session),
    lastCommand(session),
    systemctlCommand(session),
    serviceCommand(session),
    hostnameCommand(session),
    crontabCommand(session),
    ipCommand(session),
    sshAddCommand(session),
    sshKeygenCommand(session),
    ...bashInfoCommands(),
  ];
  if (session.host.kind === "workstation") commands.push(gitCommand(session));
  if (machines.hasAgentctl(session.host)) commands.push(agentctlCommand(session, machines.stopped));
  const own = new Set(commands.map((c) => c.name));
  // the bundled tools without a command of their own here still get GNU's argument habits and texts
  // (not bash's builtins: `echo --version` prints "--version")
  for (const name of bundled)
    if (!own.has(name) && !FILE_ERROR_COMMANDS.has(name) && !BASH_BUILTINS.has(name))
      commands.push(gnuArgsCommand(name));
  // text tools read real bytes, then GNU's messages for unreadable operands, over whichever command has the name
  const bundledSet = new Set(bundled);
  const layer = (outer: Command) => {
    const i = commands.findIndex((c) => c.name === outer.name);
    if (i >= 0) commands[i] = over(outer, commands[i] as Command);
    else if (bundledSet.has(outer.name)) commands.push(outer);
  };
  for (const c of textFilterCommands(session, new Set([...bundled, ...commands.map((c) => c.name)]))) layer(c);
  layer(timeoutCommand(session));
  for (const c of fileErrorCommands(session)) layer(c);
  // the programs Debian installs under their own names, that the usual names point at
  for (const [alias, target] of ALIASES) {
    const cmd = commands.find((c) => c.name === target);
    if (cmd) commands.push({ ...cmd, name: alias, execute: (args, ctx) => cmd.execute(args, ctx) });
  }
  return commands.map(withDebianTexts);
}
