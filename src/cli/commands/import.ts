import { existsSync, statSync } from "node:fs";
import type { Command } from "commander";
import type { KeyAgreement } from "../../import/agreement.js";
import { AGREEMENT_FILE, importStudy, type StudyImport } from "../../import/index.js";
import { judgeFrom } from "../../models/providers/cli.js";
import { checkCredentials } from "../../models/providers/index.js";
import { resolveModel } from "../../models/registry.js";
import { pc } from "../colors.js";
import { UsageError } from "../errors.js";

function pct(x: number | null): string {
  return x === null ? "–" : `${Math.round(x * 100)}`;
}

function show(v: unknown): string {
  return v === null || v === undefined ? "none" : typeof v === "string" ? v : JSON.stringify(v);
}

function keyLabel(a: KeyAgreement): string {
  return `${a.study} → ${a.ours}${a.inverted ? " (inverted)" : ""}`;
}

function keyLine(a: KeyAgreement, width: number): string {
  const label = keyLabel(a);
  const agree = a.n ? `${a.k}/${a.n}` : "0/0";
  const rate = a.n ? `${pct(a.rate)}% [${pct(a.lower)}–${pct(a.upper)}]` : "nothing compared";
  const aside = [
    a.notApplicable ? `${a.notApplicable} n/a for the task` : "",
    a.notScored ? `${a.notScored} not scored: our detectors have no ${a.ours}` : "",
    a.unreadable ? `${a.unreadable} unreadable labels` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `  ${label.padEnd(width)} ${agree.padStart(7)}  ${rate.padEnd(18)}${aside ? pc.dim(`  ${aside}`) : ""}`.trimEnd();
}

function where(file: string, index: number, many: boolean): string {
  return many ? `${file} [${index}]` : file;
}

function disagreements(title: string, reader: string, keys: KeyAgreement[], many: Set<string>): string[] {
  const dis = keys.filter((a) => a.disagreements.length);
  if (!dis.length) return [];
  const out = ["", pc.bold(title)];
  for (const a of dis) {
    out.push(`  ${a.ours}${a.inverted ? ` (study ${a.study}, inverted)` : ""}:`);
    for (const d of a.disagreements) {
      out.push(
        `    ${where(d.file, d.index, many.has(d.file))}: study ${show(d.study)}, ${reader} ${show(d.ours)}  ${pc.dim(d.trajectory)}`,
      );
    }
  }
  return out;
}

export function renderImport(r: StudyImport): string {
  const out: string[] = [];
  const errored = r.trials.filter((t) => t.error);
  out.push(
    `${pc.bold("Imported")} ${r.trials.length} of ${r.transcripts} transcript(s) from ${r.files} file(s) into ${r.out}` +
      (r.failures.length ? pc.red(` — ${r.failures.length} could not be read`) : ""),
  );
  for (const f of r.failures) out.push(pc.red(`  ${f.error}`));
  if (errored.length) {
    out.push(pc.red(`${errored.length} re-scored trial(s) errored (not compared):`));
    for (const t of errored) out.push(pc.red(`  ${t.trajectory}: ${t.error}`));
  }
  out.push("");
  out.push(pc.bold("Agreement with the study's labels (our detectors, re-scored by replay; 95% Wilson interval)"));
  if (r.agreement.length === 0) out.push("  no transcript carries a label we map");
  const width = Math.max(0, ...[...r.agreement, ...(r.judgeAgreement ?? [])].map((a) => keyLabel(a).length));
  for (const a of r.agreement) out.push(keyLine(a, width));
  const many = new Set(r.trials.filter((t) => t.index > 0).map((t) => t.file));
  out.push(...disagreements("Disagreements (study → ours)", "ours", r.agreement, many));
  if (r.judge && r.judgeAgreement) {
    out.push("");
    out.push(
      pc.bold(`Agreement with the study's labels, judge ${r.judge.model} as the reader`) +
        (r.judge.errors ? pc.red(` — ${r.judge.errors} judge error(s), not compared`) : ""),
    );
    if (r.judgeAgreement.length === 0) out.push("  no transcript carries a label the judge reads");
    for (const a of r.judgeAgreement) out.push(keyLine(a, width));
    out.push(...disagreements("Disagreements (study → judge)", "judge", r.judgeAgreement, many));
  }
  if (r.unmapped.length) {
    out.push("");
    out.push(pc.bold("Study labels not compared"));
    for (const u of r.unmapped) out.push(`  ${u.field} (${u.count} transcript(s)): ${u.reason}`);
  }
  out.push("");
  out.push(pc.dim(`every trajectory, outcome and comparison: ${r.out}/${AGREEMENT_FILE}`));
  return `${out.join("\n")}\n`;
}

interface ImportCliOptions {
  out?: string;
  json?: boolean;
  judge?: string;
  judgeBaseUrl?: string;
}

export async function importStudyCommand(input: string, opts: ImportCliOptions): Promise<number> {
  if (!opts.out) throw new UsageError("import study needs --out DIR, the folder for the trajectories it writes");
  if (existsSync(opts.out) && !statSync(opts.out).isDirectory()) {
    throw new UsageError(`--out ${opts.out}: is a file; give a folder for the trajectories (it is created if missing)`);
  }
  const spec = judgeFrom(opts);
  if (spec) {
    const missing = checkCredentials([spec.id], spec.options);
    if (missing.length) {
      throw new UsageError(
        `missing API key for the judge: set ${missing.join(", ")} in the environment (nothing was imported)`,
      );
    }
  }
  const judge = spec ? await resolveModel(spec.id, spec.options) : undefined;
  const result = await importStudy(input, opts.out, judge ? { judge } : {});
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(renderImport(result));
  return result.failures.length || result.trials.some((t) => t.error) ? 1 : 0;
}

export function register(program: Command): void {
  const imp = program.command("import").description("convert transcripts recorded elsewhere into trajectories");
  imp
    .command("study")
    .description(
      "read the study's released transcripts (JSON), write our trajectories, re-score them and print agreement with the study's labels",
    )
    .argument("<path>", "a transcript file, or a folder of them (.json / .jsonl, searched recursively)")
    .option("--out <dir>", "folder for the trajectories (one per transcript) and agreement.json")
    .option("--json", "print the whole result as one JSON object")
    .option("--judge <model>", "also read each transcript with an LLM judge, e.g. openai/gpt-4.1-mini (temperature 0)")
    .option("--judge-base-url <url>", "endpoint of the judge's provider when it is not the default")
    .action(async (input: string, opts: ImportCliOptions) => {
      process.exitCode = await importStudyCommand(input, opts);
    });
  imp.exitOverride();
  for (const c of imp.commands) c.exitOverride();
}
