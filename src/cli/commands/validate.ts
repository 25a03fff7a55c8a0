import type { Command } from "commander";
import { loadCases, renderValidation, validateCases } from "../../corpus/validate.js";
import { reportError, UsageError } from "../errors.js";

/** `peerbench validate DIR...`: the detectors against labelled cases, key by key. */
export function register(program: Command): void {
  program
    .command("validate")
    .description("replay labelled cases (peerbench.case/v1) and print the detectors' agreement with the labels per key")
    .argument("<dir...>", "directories (searched recursively for *.json case files) or case files")
    .option("--min <percent>", "exit 1 when any key agrees less often than this", "98")
    .option("--json", "print the result as one JSON object")
    .addHelpText(
      "after",
      `
Exit codes: 0 every key at or above --min; 1 a key below it (or a case whose replay errored); 2 bad input.
The corpus shipped with peerbench is in corpus/: npx peerbench validate corpus`,
    )
    .action(async (dirs: string[], opts: { min: string; json?: boolean }) => {
      try {
        const min = Number(opts.min);
        if (!Number.isFinite(min) || min < 0 || min > 100)
          throw new UsageError(`--min must be a percentage 0-100, not "${opts.min}"`);
        const cases = loadCases(dirs);
        if (cases.length === 0)
          throw new UsageError(`no labelled cases (format peerbench.case/v1) in ${dirs.join(", ")}`);
        const result = await validateCases(cases);
        process.stdout.write(
          opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderValidation(result, process.cwd(), min),
        );
        const below = result.keys.some((k) => (100 * k.agreed) / k.n < min);
        process.exitCode = below || result.errored.length ? 1 : 0;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
