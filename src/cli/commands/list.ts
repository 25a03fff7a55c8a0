import type { Command } from "commander";
import { PERSONAS } from "../../models/simulated/personas.js";
import { loadPacks, packListText } from "./pack.js";
import { PRESETS } from "../../run/presets.js";
import { allTasks } from "../../tasks/index.js";
import { PROVIDER_NAMES, STUDY_MODELS } from "../../models/providers/index.js";

export function listText(): string {
  const out: string[] = ["Tasks:"];
  for (const t of allTasks()) out.push(`  ${t.name.padEnd(24)} ${t.summary}`);
  out.push("", "Simulated personas (--model sim/<name>):");
  for (const p of Object.values(PERSONAS)) out.push(`  ${p.name.padEnd(16)} ${p.description}`);
  out.push("", "Presets (--preset):");
  for (const p of Object.values(PRESETS)) {
    out.push(
      `  ${p.name.padEnd(10)} ${p.configurations({ family: "Gemini", toolset: "paper" }).length} configurations per model; ${p.description}`,
    );
  }
  out.push(
    "",
    "Toolsets (--toolset): paper (the study's tools), shell (bash over ssh/scp/rsync), harness (real agent products)",
  );
  out.push("", `Providers (--model <provider>/<model>): ${PROVIDER_NAMES.join(", ")}`);
  out.push(`Study models (--models study): ${STUDY_MODELS.join(", ")}`);
  out.push("Also: replay:FILE (a trajectory), exec:COMMAND (an external agent, docs/exec-protocol.md)");
  return out.join("\n");
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
    .action((opts: { pack?: string[] }) => {
      if (opts.pack?.length) {
        process.stdout.write(`${packListText(loadPacks(opts.pack))}\n`);
        return;
      }
      process.stdout.write(`${listText()}\n`);
    });
}
