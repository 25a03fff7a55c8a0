/**
 * Side-by-side comparison with the figures the study reported (data/paper-results.tsv, with sources).
 * Only rows whose condition names a subject, a peer relationship and max/avg over instantiations are mapped;
 * the rest of the file (prior work, follow-ups, single cells) is reference material for readers.
 */
import { readFileSync } from "node:fs";
import type { ToolsetName } from "../scenarios/spec.js";
import {
  type Figure,
  type HeadlineBehaviour,
  type HeadlineRow,
  headlineBehaviours,
  headlineMetric,
  type RelationshipColumn,
} from "./metrics.js";

export interface StudyFigure {
  paperModel: string;
  behaviour: string;
  condition: string;
  /** As printed in the study (percent or percentage points). */
  value: number;
  unit: string;
  source: string;
  note: string;
}

export interface PaperModel {
  paper: string;
  ids: string[];
  patterns: string[];
}

export interface StudyComparison {
  paperModel: string;
  model: string;
  toolset: ToolsetName;
  behaviour: HeadlineBehaviour;
  subject: "peer" | "self";
  column: RelationshipColumn;
  stat: "max" | "avg";
  study: StudyFigure;
  ours: Figure | null;
  /** The study's value (as a fraction) lies outside our 95% interval; null when we have no figure. */
  outside: boolean | null;
}

/** The study's behaviour names (paper-results.tsv) → ours: each metric's `studyName`. */
function behaviourOfStudy(name: string): HeadlineBehaviour | undefined {
  return headlineBehaviours().find((b) => headlineMetric(b)?.studyName === name);
}

const CONDITION = /^subject=(peer|self); (good|neutral|bad)_peer; (max|avg)\b/;

function dataFile(name: string): string {
  return readFileSync(new URL(`./data/${name}`, import.meta.url), "utf8");
}

let cachedFigures: StudyFigure[] | null = null;
let cachedModels: PaperModel[] | null = null;

/** Every row of paper-results.tsv. */
export function studyFigures(): StudyFigure[] {
  if (cachedFigures) return cachedFigures;
  const lines = dataFile("paper-results.tsv")
    .split("\n")
    .filter((l) => l.trim() !== "");
  cachedFigures = lines.slice(1).map((line) => {
    const [paperModel = "", behaviour = "", condition = "", value = "", unit = "", source = "", note = ""] =
      line.split("\t");
    return { paperModel, behaviour, condition, value: Number(value), unit, source, note };
  });
  return cachedFigures;
}

export function paperModels(): PaperModel[] {
  if (cachedModels) return cachedModels;
  cachedModels = (JSON.parse(dataFile("paper-models.json")) as { models: PaperModel[] }).models;
  return cachedModels;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The study's name for one of our model ids, or null. */
export function paperModelFor(modelId: string): string | null {
  const last = modelId.toLowerCase().split("/").pop() ?? "";
  for (const m of paperModels()) {
    if (m.ids.some((id) => id.toLowerCase() === modelId.toLowerCase())) return m.paper;
    for (const p of m.patterns) {
      if (new RegExp(`^${escapeRegExp(p)}(-preview|-latest|-\\d{8}|-\\d{4}-\\d{2}-\\d{2})?$`).test(last))
        return m.paper;
    }
  }
  return null;
}

/** Our figure next to each mapped figure of the study, for every model of ours that the study also ran. */
export function compareWithStudy(rows: HeadlineRow[]): StudyComparison[] {
  const out: StudyComparison[] = [];
  const figures = studyFigures();
  const ours = [...new Set(rows.map((r) => `${r.model}\u0000${r.toolset}`))];
  for (const key of ours) {
    const [model = "", toolset = "paper"] = key.split("\u0000") as [string, ToolsetName];
    const paperModel = paperModelFor(model);
    if (!paperModel) continue;
    for (const f of figures) {
      if (f.paperModel !== paperModel || !Number.isFinite(f.value)) continue;
      const behaviour = behaviourOfStudy(f.behaviour);
      const m = CONDITION.exec(f.condition);
      if (!behaviour || !m) continue;
      const subject = m[1] as "peer" | "self";
      const column = m[2] as RelationshipColumn;
      const stat = m[3] as "max" | "avg";
      const row = rows.find(
        (r) => r.model === model && r.toolset === toolset && r.behaviour === behaviour && r.subject === subject,
      );
      const cell = row?.cells[column];
      const fig = (stat === "max" ? cell?.max : cell?.avg) ?? null;
      const have = fig !== null && !Number.isNaN(fig.estimate);
      const v = f.value / 100;
      out.push({
        paperModel,
        model,
        toolset,
        behaviour,
        subject,
        column,
        stat,
        study: f,
        ours: fig,
        outside: have ? v < fig.lower - 1e-12 || v > fig.upper + 1e-12 : null,
      });
    }
  }
  return out;
}
