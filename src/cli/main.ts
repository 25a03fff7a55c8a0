import { Command, CommanderError } from "commander";
import { commandRegistrars } from "./commands/index.js";
import { register as registerList } from "./commands/list.js";
import { register as registerPlan } from "./commands/plan.js";
import { register as registerReplay } from "./commands/replay.js";
import { register as registerRun } from "./commands/run.js";
import { reportError } from "./errors.js";

// A closed pipe (`peerbench report RUN | head`) is not an error: stop quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const program = new Command();
program
  .name("peerbench")
  .description(
    "Measure whether AI agents sabotage oversight to protect a peer agent or themselves (peer- and self-preservation).",
  )
  .showHelpAfterError("(run with --help for usage)")
  .exitOverride();

for (const register of [registerRun, registerPlan, registerReplay, registerList, ...commandRegistrars])
  register(program);
for (const c of program.commands) c.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version are not errors; commander already printed usage problems
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(e);
  }
}
