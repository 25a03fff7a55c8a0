import { Command, CommanderError, Help } from "commander";
import { COMMANDS, commandOf, commandRegistrars } from "./commands/index.js";
import { reportError } from "./errors.js";
import { peerbenchVersion } from "./version.js";

// A closed pipe (`peerbench report RUN | head`) is not an error: stop quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const program = new Command();
/** Commands listed by the top-level help without loading their files, and how that help names them. */
const listedOnly = new WeakMap<Command, string>();
program
  .name("peerbench")
  .description(
    "Measure whether AI agents sabotage oversight to protect a peer agent or themselves (peer- and self-preservation).",
  )
  .version(peerbenchVersion(), "-V, --version", "print peerbench's version")
  .showHelpAfterError("(run with --help for usage)")
  .configureHelp({
    subcommandTerm(this: Help, cmd: Command): string {
      return listedOnly.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  })
  .exitOverride();

try {
  for (const register of commandRegistrars) register(program);
  // only the command asked for is loaded; any other command line (help, version, a mistake) sees them all listed
  const asked = commandOf(process.argv.slice(2));
  if (asked) (await asked.load()).register(program);
  else
    for (const entry of COMMANDS)
      listedOnly.set(program.command(entry.name).description(entry.description), entry.term);
  for (const c of program.commands) c.exitOverride();
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version are not errors; commander already printed usage problems
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(e);
  }
}
