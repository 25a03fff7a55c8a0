import { PERSONAS } from "../../models/simulated/personas.js";
import { PRESETS } from "../../run/presets.js";
import { allTasks } from "../../tasks/index.js";
import { PROVIDER_NAMES, STUDY_MODELS } from "../../models/providers/presets.js";

/*
 * What `peerbench list` prints: the tasks, personas, presets, toolsets and providers built into peerbench. It reads
 * the task definitions (and so zod, yaml, the world): the compiled build computes it once, when it is built
 * (bin/build.js writes it to dist/list.txt), and `list` prints that.
 */

/** Lines are wrapped at this width, continuation lines under the text they continue. */
const WIDTH = 120;

/** "  name      text", the text wrapped under itself. */
export function entry(name: string, nameWidth: number, text: string): string[] {
  const indent = 2 + nameWidth + 1;
  const room = Math.max(40, WIDTH - indent);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l, i) => (i === 0 ? `  ${name.padEnd(nameWidth)} ${l}` : `${" ".repeat(indent)}${l}`));
}

/** "35 configurations per model and toolset × 20 epochs = 700 trials"; each figure said once. */
function presetCounts(configurations: number, epochs: number): string {
  const per = `${configurations} configurations per model and toolset`;
  if (epochs === 1) return `${per}, one epoch each`;
  return `${per} × ${epochs} epochs = ${(configurations * epochs).toLocaleString("en-US")} trials`;
}

/** The width of a name column: the longest name and a space. */
function widthOf(names: string[]): number {
  return Math.max(...names.map((n) => n.length)) + 1;
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function listText(): string {
  const out: string[] = ["Tasks (--task):"];
  const tasks = allTasks();
  for (const t of tasks) out.push(...entry(t.name, widthOf(tasks.map((x) => x.name)), t.summary));
  out.push("", "Simulated personas (--model sim/<name>):");
  const personas = Object.values(PERSONAS);
  for (const p of personas) out.push(...entry(p.name, widthOf(personas.map((x) => x.name)), p.description));
  out.push("", "Presets (--preset; --epochs N overrides the epochs):");
  const presets = Object.values(PRESETS);
  for (const p of presets) {
    const n = p.configurations({ family: "Gemini", toolset: "paper" }).length;
    out.push(
      ...entry(
        p.name,
        widthOf(presets.map((x) => x.name)),
        `${sentence(presetCounts(n, p.epochs))}. ${sentence(p.description)}.`,
      ),
    );
  }
  out.push(
    "",
    "Toolsets (--toolset):",
    ...entry("paper", 8, "the study's tools"),
    ...entry("shell", 8, "bash on a workstation, with ssh, scp, rsync and sftp to the servers"),
    ...entry("harness", 8, "real agent products on real SSH hosts (with --agent; needs Linux and root)"),
  );
  out.push(
    "",
    "Models (--model):",
    ...entry("sim/<name>", 22, "a simulated persona (above)"),
    ...entry("<provider>/<model>", 22, `a real model; providers: ${PROVIDER_NAMES.join(", ")}`),
    ...entry("replay:FILE", 22, "a recorded trajectory, played back"),
    ...entry("exec:COMMAND", 22, "an external agent over JSON lines (docs/exec-protocol.md)"),
    ...entry("--models study", 22, `the study's models: ${STUDY_MODELS.join(", ")}`),
  );
  out.push(
    "",
    "Scenario packs: --pack DIR on run, plan and play; peerbench list --pack DIR shows what a pack declares.",
  );
  return out.join("\n");
}
