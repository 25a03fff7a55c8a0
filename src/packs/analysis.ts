import { type Interval, newcombe, twoProportionZTest, wilson, Z95 } from "../analysis/stats.js";
import type { Pack } from "./load.js";
import type { PackOutcome } from "./manifest.js";
import type { PackTrialRecord } from "./run-dir.js";

/** One configuration cell of one outcome key: its rate (or mean) and, for a difference metric, the difference. */
export interface PackCell {
  factors: Record<string, string>;
  /** Trials scored (errored trials and trials where the key does not apply are left out). */
  n: number;
  /** boolean keys: trials where it is true. */
  k: number;
  rate: Interval | null;
  /** number keys: the mean value. */
  mean: number | null;
  /** metric difference: this cell's rate minus the baseline cell's (same factors but the baseline's), with a test. */
  difference: { baseline: Record<string, string>; interval: Interval; p: number } | null;
}

export interface PackOutcomeSummary {
  key: string;
  description: string;
  kind: PackOutcome["kind"];
  metric: PackOutcome["metric"];
  headline: boolean;
  cells: PackCell[];
}

export interface PackSummary {
  task: string;
  model: string;
  toolset: string;
  simulated: boolean;
  trials: number;
  errors: number;
  outcomes: PackOutcomeSummary[];
}

const cellKey = (f: Record<string, string>) =>
  JSON.stringify(
    Object.keys(f)
      .sort()
      .map((k) => [k, f[k]]),
  );

/**
 * Pure: the pack's records grouped by pack × model × toolset, each outcome key per configuration cell with a
 * Wilson 95% interval; a `difference` key also against its baseline cell (Newcombe interval, two-proportion z-test).
 */
export function summarisePackRun(
  records: PackTrialRecord[],
  packs: Map<string, Pack>,
  /** The normal quantile of the intervals (the gate's --confidence); 95% by default. */
  z = Z95,
): PackSummary[] {
  const groups = new Map<string, PackTrialRecord[]>();
  for (const r of records) {
    const key = JSON.stringify([r.spec.task, r.spec.model, r.spec.toolset]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: PackSummary[] = [];
  for (const [key, rs] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const [task, model, toolset] = JSON.parse(key) as [string, string, string];
    const pack = packs.get(task);
    if (!pack) continue;
    const scored = rs.filter((r) => r.outcome !== null);
    const cellsOf = new Map<string, { factors: Record<string, string>; records: PackTrialRecord[] }>();
    for (const r of scored) {
      const ck = cellKey(r.spec.factors);
      const c = cellsOf.get(ck) ?? { factors: r.spec.factors, records: [] };
      c.records.push(r);
      cellsOf.set(ck, c);
    }
    const outcomes = [...pack.manifest.outcomes]
      .sort((a, b) => Number(b.headline) - Number(a.headline))
      .map((o): PackOutcomeSummary => {
        const count = (recs: PackTrialRecord[]) => {
          const vals = recs.map((r) => r.outcome!.values[o.key]).filter((v) => v !== null && v !== undefined);
          return {
            n: vals.length,
            k: vals.filter((v) => v === true || (typeof v === "number" && v !== 0)).length,
            mean:
              vals.length && o.kind === "number" ? vals.reduce<number>((s, v) => s + Number(v), 0) / vals.length : null,
          };
        };
        const cells: PackCell[] = [...cellsOf.values()].map(({ factors, records: recs }) => {
          const { n, k, mean } = count(recs);
          let difference: PackCell["difference"] = null;
          if (o.metric === "difference" && o.baseline) {
            const base = { ...factors, ...o.baseline };
            const isBase = cellKey(base) === cellKey(factors);
            const baseCell = cellsOf.get(cellKey(base));
            if (!isBase && baseCell) {
              const b = count(baseCell.records);
              if (n > 0 && b.n > 0)
                difference = {
                  baseline: o.baseline,
                  interval: newcombe(k, n, b.k, b.n, z),
                  p: twoProportionZTest(k, n, b.k, b.n).p,
                };
            }
          }
          return { factors, n, k, rate: n && o.kind === "boolean" ? wilson(k, n, z) : null, mean, difference };
        });
        return { key: o.key, description: o.description, kind: o.kind, metric: o.metric, headline: o.headline, cells };
      });
    out.push({
      task,
      model,
      toolset,
      simulated: rs.some((r) => r.simulated),
      trials: rs.length,
      errors: rs.length - scored.length,
      outcomes,
    });
  }
  return out;
}

const pct = (x: number) => `${Math.round(x * 100)}`;

function cellText(o: PackOutcomeSummary, c: PackCell): string {
  if (c.n === 0) return "–";
  if (o.kind === "number") return `mean ${c.mean?.toFixed(2)} (n ${c.n})`;
  const r = c.rate!;
  let s = `${pct(r.estimate)}% [${pct(r.lower)}–${pct(r.upper)}] (${c.k}/${c.n})`;
  if (c.difference) {
    const d = c.difference.interval;
    const sign = d.estimate >= 0 ? "+" : "";
    s += `  ${sign}${pct(d.estimate)} pp [${pct(d.lower)}, ${pct(d.upper)}] vs ${Object.values(c.difference.baseline).join("/")}, p=${c.difference.p.toPrecision(2)}`;
  }
  return s;
}

/** The summary as text: one block per pack × model × toolset, headline keys first, one line per configuration. */
export function renderPackSummary(summaries: PackSummary[]): string {
  const lines: string[] = [];
  for (const s of summaries) {
    lines.push(
      `${s.task} · ${s.model} · ${s.toolset}${s.simulated ? "  [SIMULATED]" : ""} — ${s.trials} trials${s.errors ? `, ${s.errors} errored` : ""}`,
    );
    for (const o of s.outcomes) {
      lines.push(`  ${o.headline ? "* " : "  "}${o.key} (${o.metric}): ${o.description}`);
      const width = Math.max(...o.cells.map((c) => Object.values(c.factors).join("/").length), 6);
      for (const c of [...o.cells].sort((a, b) => cellKey(a.factors).localeCompare(cellKey(b.factors)))) {
        lines.push(`      ${Object.values(c.factors).join("/").padEnd(width)}  ${cellText(o, c)}`);
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}
