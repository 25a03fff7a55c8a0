/**
 * The compact terminal summary, printed by default after a run and by `report`: per model, toolset and control,
 * one line per headline behaviour with its rate (or difference) and 95% interval for the peer at each trust level
 * and for the agent itself alone and beside a peer; errors, review work and where the rest is. The full tables
 * (src/report/terminal.ts, src/run/task-table.ts) are behind --detail.
 */
import { createColors } from "picocolors";
import {
  type Cell,
  type Figure,
  type HeadlineRow,
  headlineBehaviours,
  headlineMetric,
  type RelationshipColumn,
} from "../analysis/metrics.js";
import { type ReviewedRecord, reviewStatus } from "../analysis/reviewed.js";
import { headlineGroups, type SummaryData, shellWord, summaryData, summaryHead, toolsetLabel } from "./terminal.js";

type Colors = ReturnType<typeof createColors>;

/** A column of the compact table: which preservation and which relationship column of the headline. */
interface Column {
  preservation: "peer" | "self";
  column: RelationshipColumn;
  head: string;
}

const PEER_COLUMNS: Column[] = [
  { preservation: "peer", column: "good", head: "peer good" },
  { preservation: "peer", column: "neutral", head: "peer neutral" },
  { preservation: "peer", column: "bad", head: "peer bad" },
];
const SELF_COLUMNS: Column[] = [
  { preservation: "self", column: "no_peer", head: "self alone" },
  { preservation: "self", column: "peer_present", head: "self + peer" },
];

/** A whole percent (or percentage point), never "-0". */
function whole(x: number): string {
  const v = Math.round(x * 100);
  return Object.is(v, -0) ? "0" : String(v);
}

/** "90 [72,95]": the average over instantiations with its 95% interval; "–" without data. */
export function compactFigure(f: Figure | null | undefined): string {
  if (!f) return "";
  if (!Number.isFinite(f.estimate)) return f.test === "no non_shutdown baseline" ? "no baseline" : "–";
  return `${whole(f.estimate)} [${whole(f.lower)},${whole(f.upper)}]`;
}

/** The metric's label split into its name and its unit: "misrepresentation (pp over non-shutdown)". */
function labelParts(behaviour: string): { name: string; unit: string; detail: string } {
  const label = headlineMetric(behaviour)?.label ?? behaviour;
  const m = /^(.*?)\s*\((.*)\)$/.exec(label);
  if (!m) return { name: label, unit: "", detail: "" };
  const inside = m[2]!;
  const unit = inside.startsWith("pp") ? "pp" : inside.startsWith("%") ? "%" : "";
  return { name: m[1]!, unit, detail: inside.replace(/^(pp|%),?\s*/, "") };
}

/** The behaviours of the compact table: the headline's, without the second readings shown beside them. */
function compactBehaviours(): string[] {
  return headlineBehaviours().filter((b) => headlineMetric(b)?.secondary !== true);
}

interface Block {
  model: string;
  simulated: boolean;
  title: string;
  rows: HeadlineRow[];
  records: ReviewedRecord[];
}

function blocksOf(data: SummaryData, records: ReviewedRecord[]): Block[] {
  const blocks: Block[] = [];
  for (const model of data.models) {
    for (const { toolset, control, rows } of headlineGroups(data, model)) {
      blocks.push({
        model: model.model,
        simulated: model.simulated,
        title: `${model.model}${model.simulated && !data.simulated ? " (SIMULATED)" : ""} · ${toolsetLabel(toolset, control)}`,
        rows,
        records: records.filter(
          (r) => r.spec.model === model.model && r.spec.toolset === toolset && (r.spec.control ?? null) === control,
        ),
      });
    }
  }
  return blocks;
}

/** "700 trials, 0 errored, 0 failed the read gate[, 3 need review][, 2 reviewed by hand]", or null when all is clean. */
function blockStatus(block: Block, needsReview: Set<string>, c: Colors): string | null {
  const valid = block.records.filter((r) => r.error === null && r.outcome !== null);
  const errored = block.records.length - valid.length;
  const unread = valid.filter((r) => !r.outcome!.read_gate).length;
  const open = valid.filter((r) => needsReview.has(r.id)).length;
  const reviewed = valid.filter((r) => reviewStatus(r).reviewed.length > 0).length;
  if (errored + unread + open + reviewed === 0) return null;
  const parts = [
    `${block.records.length} trials`,
    errored ? c.red(`${errored} errored`) : "0 errored",
    `${unread} failed the read gate`,
    ...(open ? [c.yellow(`${open} need review`)] : []),
    ...(reviewed ? [`${reviewed} reviewed by hand`] : []),
  ];
  return parts.join(", ");
}

function cellOf(block: Block, behaviour: string, col: Column): Cell | undefined {
  return block.rows.find((r) => r.behaviour === behaviour && r.preservation === col.preservation)?.cells[col.column];
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - text.length));
}

/** A block's behaviours (the table's rows) with their labels and cell texts, one per column. */
interface BlockTable {
  block: Block;
  labels: string[];
  cells: string[][];
}

function blockTable(block: Block, columns: Column[]): BlockTable {
  const behaviours = compactBehaviours().filter((b) => block.rows.some((r) => r.behaviour === b));
  return {
    block,
    labels: behaviours.map((b) => {
      const { name, unit } = labelParts(b);
      return `  ${name}${unit ? ` (${unit})` : ""}`;
    }),
    cells: behaviours.map((b) => columns.map((col) => compactFigure(cellOf(block, b, col)?.avg))),
  };
}

/** Every block's lines, columns aligned across blocks: a title with the column heads, then one line per behaviour. */
function tableLines(blocks: Block[], needsReview: Set<string>, c: Colors): string[] {
  const columns = [...PEER_COLUMNS, ...SELF_COLUMNS].filter((col) =>
    blocks.some((block) => compactBehaviours().some((b) => cellOf(block, b, col)?.avg)),
  );
  const tables = blocks.map((block) => blockTable(block, columns));
  const first = Math.max(...tables.flatMap((t) => [t.block.title.length, ...t.labels.map((l) => l.length)])) + 2;
  const widths = columns.map(
    (col, i) => Math.max(col.head.length, ...tables.flatMap((t) => t.cells.map((row) => row[i]!.length))) + 2,
  );
  const heads = c.dim(
    columns
      .map((col, i) => pad(col.head, widths[i]!))
      .join("")
      .trimEnd(),
  );
  const out: string[] = [];
  for (const { block, labels, cells } of tables) {
    const title = pad(block.title, first);
    out.push("", (block.simulated ? c.yellow(c.bold(title)) : c.bold(title)) + heads);
    labels.forEach((label, i) => {
      out.push((pad(label, first) + cells[i]!.map((t, j) => pad(t, widths[j]!)).join("")).trimEnd());
    });
    const status = blockStatus(block, needsReview, c);
    if (status) out.push(`  ${status}`);
  }
  return out;
}

/** What the figures are: averages with 95% intervals, and what each difference is taken against. */
function legend(data: SummaryData): string[] {
  const differences = compactBehaviours()
    .filter((b) => headlineMetric(b)?.kind !== "rate" && data.headline.some((r) => r.behaviour === b))
    .map((b) => {
      const { name, detail } = labelParts(b);
      return `${name} ${detail}`;
    });
  const several = data.headline.some((r) =>
    Object.values(r.cells).some((cell) => Object.keys(cell?.perInstantiation ?? {}).length > 1),
  );
  return [
    `Headline figures: avg over the instantiations run [95% interval], in % of trials${several ? "; the max per instantiation and the tests: --detail" : ""}`,
    ...(differences.length ? [`pp = percentage points: ${differences.join("; ")}`] : []),
  ];
}

/** One line each for what --detail and the report hold beyond the headline, when the run has it. */
function moreLines(data: SummaryData, c: Colors): string[] {
  const out: string[] = [];
  const outside = data.study.filter((s) => s.outside === true).length;
  if (data.study.length > 0)
    out.push(
      `Comparison with the study: ${outside} of ${data.study.length} published figures outside our 95% interval${outside ? c.red(" !") : ""}`,
    );
  for (const j of data.judge) {
    const agree = j.fields.reduce((s, f) => s + f.agree, 0);
    const compared = j.fields.reduce((s, f) => s + f.compared, 0);
    out.push(
      `LLM judge ${j.judge}: ${j.judged} trials judged, ${j.errors} without a verdict, agrees with the detectors on ${agree} of ${compared} readings`,
    );
  }
  const r = data.reviews;
  if (r.needsReview > 0) {
    out.push(
      c.yellow(`Needs review: ${r.needsReview} trials where the detectors and the judge disagree`),
      ...[...new Set(r.queue.map((q) => q.runDir ?? "RUN"))].map(
        (d) => `Review them: peerbench review ${shellWord(d)}`,
      ),
    );
  }
  if (r.reviewedTrials > 0)
    out.push(
      `Reviewed by hand: ${r.reviewedTrials} trial${r.reviewedTrials === 1 ? "" : "s"} (${r.reviewedKeys} key${r.reviewedKeys === 1 ? "" : "s"}), in force in every figure`,
    );
  return out;
}

/** The sections of the --detail summary this run has, named for the pointer to it. */
export function detailSections(data: SummaryData): string[] {
  return [
    "rates per task",
    "max per instantiation with tests",
    ...(data.peerPresence.length ? ["peer present − no peer"] : []),
    ...(data.toolsetComparisons.length ? ["toolset comparisons"] : []),
    ...(data.controlEffects.length ? ["control effects"] : []),
    ...(data.peerIdentity?.length ? ["peer identity (the study's Table 5)"] : []),
    ...(data.study.length ? ["the study's figures"] : []),
    ...(data.judge.length ? ["judge agreement"] : []),
  ];
}

export interface CompactOptions {
  color?: boolean;
}

/** The compact summary of some trials (one or several runs). */
export function renderCompactSummary(records: ReviewedRecord[], opts: CompactOptions = {}): string {
  return compactSummaryOf(summaryData(records), records, opts);
}

export function compactSummaryOf(data: SummaryData, records: ReviewedRecord[], opts: CompactOptions = {}): string {
  const c = createColors(opts.color ?? false);
  const out = summaryHead(data, c);
  if (data.trials === 0) {
    out.push("No finished trials yet.");
    return `${out.join("\n")}\n`;
  }
  out.push(...legend(data).map((l) => c.dim(l)));
  const needsReview = new Set(data.reviews.queue.map((q) => q.id));
  out.push(...tableLines(blocksOf(data, records), needsReview, c));
  const more = moreLines(data, c);
  if (more.length) out.push("", ...more);
  return `${out.join("\n")}\n`;
}
