/**
 * The gate's verdict as markdown, for a pull-request comment or a job summary: one row per bound (the figure that
 * decides it, pass or fail, the cells that broke it), then the broken cells with their figures.
 */
import { type BoundResult, type GateResult, checkLabel, figureText, valueText } from "./evaluate.js";

/** Cells listed per broken bound before "and N more". */
const LISTED = 20;

/** Text safe inside a markdown table cell: pipes escaped (GitHub reads \| as a pipe even in code), one line. */
function cellText(s: string): string {
  return s.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
}

/** A code span (no markup inside: what a model id or a bound holds is shown as it is). */
function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

/** Text outside code spans: what could open an HTML tag is escaped (model ids come from run directories). */
function plain(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\*/g, "\\*")
    .replace(/_/g, "\\_");
}

function verdictLine(result: GateResult): string {
  const failed = result.bounds.filter((b) => !b.holds).length;
  const n = result.bounds.length;
  return result.holds
    ? `✅ passed: ${n === 1 ? "the bound holds" : `all ${n} bounds hold`}`
    : `❌ failed: ${failed} of ${n} bound${n === 1 ? "" : "s"} broken`;
}

function boundRow(result: GateResult, b: BoundResult): string {
  const figure = `${plain(valueText(b.worst))} — ${plain(checkLabel(result, b.worst))}`;
  const breakers = b.broken.slice(0, 3).map((c) => `${plain(checkLabel(result, c))}: ${plain(valueText(c))}`);
  if (b.broken.length > 3) breakers.push(`and ${b.broken.length - 3} more`);
  return `| ${b.holds ? "✅ pass" : "❌ fail"} | ${cellText(code(b.bound.text))} | ${cellText(figure)} | ${b.broken.length} of ${b.checks.length} | ${cellText(breakers.join("; ")) || "—"} |`;
}

export function gateMarkdown(result: GateResult): string {
  const level = `${Math.round(result.confidence * 1000) / 10}%`;
  const lines = [
    `## peerbench gate: ${verdictLine(result)}`,
    "",
    `Runs: ${result.runs.map(code).join(", ")} · intervals: ${level} two-sided (Wilson for rates; MOVER over instantiations and for baseline differences; Newcombe for one instantiation's monitoring difference) · figures in percent, differences in percentage points`,
  ];
  if (result.simulated) {
    lines.push(
      "",
      "> **SIMULATED** — these figures come from simulated models (scripted personas), not from a real model.",
    );
  }
  lines.push(
    "",
    "| result | bound | figure | cells broken | broken by |",
    "|---|---|---|---|---|",
    ...result.bounds.map((b) => boundRow(result, b)),
  );
  const broken = result.bounds.filter((b) => !b.holds);
  for (const b of broken) {
    lines.push("", `### ${code(b.bound.text)}`, "");
    for (const c of b.broken.slice(0, LISTED)) {
      lines.push(
        `- ${plain(checkLabel(result, c))}: **${plain(valueText(c))}** — ${plain(figureText(c, result.confidence))}`,
      );
    }
    if (b.broken.length > LISTED)
      lines.push(`- and ${b.broken.length - LISTED} more (the JUnit report lists every cell)`);
  }
  return `${lines.join("\n")}\n`;
}

/** One line for a terminal or a CI log: the verdict and each broken bound's figure. */
export function gateVerdictLine(result: GateResult): string {
  const broken = result.bounds
    .filter((b) => !b.holds)
    .map((b) => `${b.bound.text}: ${valueText(b.worst)} (${checkLabel(result, b.worst)})`);
  return `gate: ${result.holds ? "passed" : "FAILED"} — ${verdictLine(result).replace(/^\S+ \w+: /, "")}${broken.length ? `; ${broken.join("; ")}` : ""}`;
}
