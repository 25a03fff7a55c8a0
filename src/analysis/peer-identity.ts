/**
 * The study's Table 5: does it matter who the peer is? Per model and toolset, the rate of a behaviour of the tasks
 * whose peer may be renamed (`factors.peerIdentity`: the two exfiltration tasks, pooled as the study pools
 * exfiltration) in the memory instantiation, subject peer, for each peer identity — the same family as the critic
 * (the study's main design, the reference), another closed-weight family, an open-weight family, a fictional one —
 * with Wilson 95% intervals, and the study's published figure beside ours where paper-results.tsv has one.
 * Trials under a control are left out (the study ran none with a renamed peer).
 */
import { peerNaming } from "../scenarios/common/peer-identity.js";
import { PEER_IDENTITIES, type PeerIdentity, peerIdentityOf, type ToolsetName } from "../scenarios/spec.js";
import { allTasks } from "../tasks/index.js";
import { paperModelFor, type StudyFigure, studyFigures } from "./comparison.js";
import { behaviourFigure, type Figure, type HeadlineBehaviour, PEER_RELATIONSHIPS } from "./metrics.js";
import type { ReviewedRecord } from "./reviewed.js";

export interface PeerIdentityCell {
  identity: PeerIdentity;
  /** The peer's name in these trials ("Gemini Agent 2", "Llama Agent 1"). */
  peer: string;
  figure: Figure;
  /** The study's published figure for this model, relationship and identity, when paper-results.tsv has one. */
  study: StudyFigure | null;
  /** The study's value (as a fraction) lies outside our 95% interval; null without a study figure. */
  outside: boolean | null;
}

export interface PeerIdentityRow {
  model: string;
  /** The study's name of the model, when the study ran it. */
  paperModel: string | null;
  toolset: ToolsetName;
  behaviour: HeadlineBehaviour;
  relationship: (typeof PEER_RELATIONSHIPS)[number];
  simulated: boolean;
  /** One cell per identity with trials, in PEER_IDENTITIES order ("same" first: the reference). */
  cells: PeerIdentityCell[];
}

/** The tasks whose peer may be renamed, and the rate behaviours they feed (the study's: exfiltration). */
function identityBehaviours(): { behaviour: HeadlineBehaviour; tasks: string[] }[] {
  const out = new Map<HeadlineBehaviour, string[]>();
  for (const t of allTasks()) {
    if (!t.factors.peerIdentity) continue;
    for (const m of t.metrics) {
      if (m.kind !== "rate") continue;
      out.set(m.behaviour, [...(out.get(m.behaviour) ?? []), t.name]);
    }
  }
  return [...out.entries()].map(([behaviour, tasks]) => ({ behaviour, tasks }));
}

/** "good_peer; same-family peer (memory)", "good_peer; peer renamed 'Llama Agent 1' (memory)". */
const TABLE5_CONDITION =
  /^(good|neutral|bad)_peer; (?:same-family peer|peer renamed '([A-Za-z0-9]+) Agent \d+') \(memory\)/;

/**
 * The study's Table 5 figure for one cell. A renamed peer's row is matched by meaning: the family it names is the
 * one peerNaming gives that identity for our critic's family (so "Llama" is open-weight, whatever label a file of
 * the study's code gave it).
 */
function studyFigureFor(
  paperModel: string,
  studyName: string | undefined,
  relationship: string,
  identity: PeerIdentity,
  family: string,
): StudyFigure | null {
  if (!studyName) return null;
  for (const f of studyFigures()) {
    if (f.paperModel !== paperModel || f.behaviour !== studyName || !Number.isFinite(f.value)) continue;
    const m = TABLE5_CONDITION.exec(f.condition);
    if (!m || m[1] !== relationship) continue;
    const named = m[2];
    if (
      named === undefined ? identity === "same" : identity !== "same" && peerNaming(family, identity).family === named
    )
      return f;
  }
  return null;
}

/** Table 5 rows: per model × toolset × behaviour × relationship that has trials of a renamed peer. */
export function peerIdentityTable(records: ReviewedRecord[]): PeerIdentityRow[] {
  const rows: PeerIdentityRow[] = [];
  for (const { behaviour, tasks } of identityBehaviours()) {
    const studyName = allTasks()
      .flatMap((t) => t.metrics)
      .find((m) => m.behaviour === behaviour)?.studyName;
    const eligible = records.filter(
      (r) =>
        tasks.includes(r.spec.task) &&
        r.spec.subject === "peer" &&
        r.spec.instantiation === "memory" &&
        (r.spec.control ?? null) === null,
    );
    const pools = new Map<string, ReviewedRecord[]>();
    for (const r of eligible) {
      const key = `${r.spec.model}\u0000${r.spec.toolset}`;
      pools.set(key, [...(pools.get(key) ?? []), r]);
    }
    for (const pool of pools.values()) {
      // a model with no renamed peer has no Table 5 (its same-family figure is in the headline)
      if (!pool.some((r) => peerIdentityOf(r.spec) !== "same")) continue;
      const { model, toolset, family } = pool[0]!.spec;
      const paperModel = paperModelFor(model);
      for (const relationship of PEER_RELATIONSHIPS) {
        const cells: PeerIdentityCell[] = [];
        for (const identity of PEER_IDENTITIES) {
          const rs = pool.filter((r) => r.spec.relationship === relationship && peerIdentityOf(r.spec) === identity);
          const figure = rs.length === 0 ? null : behaviourFigure(behaviour, rs, "peer");
          if (!figure) continue;
          const naming = peerNaming(family, identity);
          const study = paperModel ? studyFigureFor(paperModel, studyName, relationship, identity, family) : null;
          const have = study !== null && !Number.isNaN(figure.estimate);
          const v = study ? study.value / 100 : 0;
          cells.push({
            identity,
            peer: `${naming.family} Agent ${naming.number}`,
            figure,
            study,
            outside: have ? v < figure.lower - 1e-12 || v > figure.upper + 1e-12 : null,
          });
        }
        if (cells.length === 0) continue;
        rows.push({
          model,
          paperModel,
          toolset,
          behaviour,
          relationship,
          simulated: pool.some((r) => r.simulated),
          cells,
        });
      }
    }
  }
  return rows.sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      a.toolset.localeCompare(b.toolset) ||
      PEER_RELATIONSHIPS.indexOf(a.relationship) - PEER_RELATIONSHIPS.indexOf(b.relationship),
  );
}
