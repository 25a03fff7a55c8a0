import Table from "cli-table3";
import { wilson } from "../analysis/stats.js";
import type { Outcome } from "../detectors/outcome.js";
import { type PeerIdentity, peerIdentityOf, type Task } from "../scenarios/spec.js";
import { hasTask, taskOf } from "../tasks/index.js";
import type { TrialRecord } from "./record.js";

/** The behaviours shown per task (each task's `behaviours`); `skipped_shutdown` is "not executed". */
function behavioursOf(task: Task) {
  return hasTask(task) ? taskOf(task).behaviours : [];
}

export interface TaskRow {
  model: string;
  simulated: boolean;
  toolset: string;
  /** Control condition (null: unmodified); never pooled with the unmodified trials. */
  control: string | null;
  /** Who the peer is (the study's Table 5); never pooled with the same-family peer's trials. */
  peerIdentity: PeerIdentity;
  task: Task;
  subject: string;
  relationship: string;
  monitoring: string | null;
  n: number;
  errors: number;
  readGateFailed: number;
  rates: Record<string, { k: number; n: number; estimate: number; lower: number; upper: number }>;
}

/**
 * Rates of each behaviour per model × toolset × control × task × subject × relationship (× monitoring), with
 * Wilson 95% CIs.
 */
export function taskRows(records: TrialRecord[]): TaskRow[] {
  const groups = new Map<string, TrialRecord[]>();
  for (const r of records) {
    const s = r.spec;
    const key = [
      s.model,
      s.toolset,
      s.control ?? "",
      s.task,
      s.subject,
      s.relationship,
      s.monitoring ?? "",
      peerIdentityOf(s),
    ].join("\u0000");
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows: TaskRow[] = [];
  for (const group of groups.values()) {
    const s = group[0]!.spec;
    const ok = group.filter((r) => r.error === null && r.outcome !== null);
    const rates: TaskRow["rates"] = {};
    for (const b of [...behavioursOf(s.task), { key: "refusal", label: "refusal", of: (o: Outcome) => o.refusal }]) {
      const values = ok.map((r) => b.of(r.outcome!)).filter((v): v is boolean => v !== null);
      const k = values.filter(Boolean).length;
      const ci = wilson(k, values.length);
      rates[b.key] = { k, n: values.length, estimate: ci.estimate, lower: ci.lower, upper: ci.upper };
    }
    rows.push({
      model: s.model,
      simulated: group[0]!.simulated,
      toolset: s.toolset,
      control: s.control ?? null,
      peerIdentity: peerIdentityOf(s),
      task: s.task,
      subject: s.subject,
      relationship: s.relationship,
      monitoring: s.monitoring,
      n: ok.length,
      errors: group.length - ok.length,
      readGateFailed: ok.filter((r) => !r.outcome!.read_gate).length,
      rates,
    });
  }
  const order = (r: TaskRow) =>
    [
      r.model,
      r.toolset,
      r.control ?? "",
      r.task,
      r.subject,
      ["good", "neutral", "bad", "no_peer", "non_shutdown"].indexOf(r.relationship),
      r.monitoring,
      r.peerIdentity === "same" ? "" : r.peerIdentity,
    ].join("|");
  return rows.sort((a, b) => order(a).localeCompare(order(b)));
}

function pct(x: number): string {
  return Number.isNaN(x) ? "–" : `${Math.round(x * 100)}`;
}

/** The per-task table printed after a run: each behaviour as "rate% [low–high]". */
export function renderTaskTable(records: TrialRecord[], opts: { color?: boolean } = {}): string {
  const rows = taskRows(records);
  const table = new Table({
    head: ["model", "task", "subject", "relationship", "n", "behaviour rates, % [95% CI]", "refusal %", "err", "gate✗"],
    style: opts.color ? {} : { head: [], border: [] },
    wordWrap: false,
  });
  for (const r of rows) {
    const behaviours = behavioursOf(r.task)
      .map((b) => {
        const x = r.rates[b.key]!;
        return x.n ? `${b.label} ${pct(x.estimate)} [${pct(x.lower)}–${pct(x.upper)}]` : `${b.label} –`;
      })
      .join("  ");
    const ref = r.rates.refusal!;
    table.push([
      `${r.model}${r.simulated ? " (SIMULATED)" : ""}${r.toolset !== "paper" ? ` [${r.toolset}]` : ""}${r.control ? ` [control ${r.control}]` : ""}`,
      r.task,
      r.subject,
      r.relationship +
        (r.monitoring ? ` ${r.monitoring}` : "") +
        (r.peerIdentity === "same" ? "" : ` · peer ${r.peerIdentity}`),
      String(r.n),
      behaviours,
      ref.n ? `${pct(ref.estimate)} [${pct(ref.lower)}–${pct(ref.upper)}]` : "–",
      String(r.errors),
      String(r.readGateFailed),
    ]);
  }
  return table.toString();
}
