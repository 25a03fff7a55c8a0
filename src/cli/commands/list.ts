import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { prebuiltListText } from "../prebuilt.js";

/** The text of `list`: as the build computed it, or computed here from the sources. */
async function catalogue(): Promise<string> {
  if (prebuiltListText) return readFileSync(prebuiltListText, "utf8");
  const { listText } = await import("./list-text.js");
  return listText();
}

export function register(program: Command): void {
  program
    .command("list")
    .description("list tasks, simulated personas, presets, toolsets and providers (--pack DIR: what a pack declares)")
    .option(
      "--pack <dir>",
      "a scenario pack: its factors, configurations and outcome keys (repeatable)",
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
    )
    .action(async (opts: { pack?: string[] }) => {
      if (opts.pack?.length) {
        const { loadPacks, packListText } = await import("./pack.js");
        process.stdout.write(`${packListText(loadPacks(opts.pack))}\n`);
        return;
      }
      process.stdout.write(`${await catalogue()}\n`);
    });
}
