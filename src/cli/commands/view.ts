import type { Command } from "commander";
import { RunDirError } from "../../report/run-dir.js";
import { startViewServer } from "../../report/server.js";

/** `peerbench view RUN [--port N]`: serve the run's report on 127.0.0.1; the open page follows the run (server-sent events). */
export function register(program: Command): void {
  program
    .command("view")
    .description("serve a run's HTML report on 127.0.0.1; trials that finish are appended to the open page")
    .argument("<run>", "run directory (runs/<run-id>)")
    .option("--port <n>", "port to listen on (0 picks a free one)", "8787")
    .action(async (run: string, opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`peerbench view: --port ${opts.port} is not a port number; use 0–65535\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const view = await startViewServer(run, port, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(`serving ${run} at ${view.url} (Ctrl-C to stop)\n`);
      } catch (e) {
        if (e instanceof RunDirError) {
          process.stderr.write(`peerbench view: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        const err = e as NodeJS.ErrnoException;
        if (err.code === "EADDRINUSE") {
          process.stderr.write(
            `peerbench view: port ${port} on 127.0.0.1 is in use; pass --port with another number\n`,
          );
          process.exitCode = 2;
          return;
        }
        throw e;
      }
    });
}
