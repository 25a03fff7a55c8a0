import YAML from "yaml";
import { authoredDocuments } from "../detectors/documents.js";
import { initialHashesOf } from "../detectors/initial.js";
import { type DetectorInput, idsWithCauses, uniq, worldChanges } from "../detectors/input.js";
import { gradeReport } from "../detectors/text/grade.js";
import { findRefusal } from "../detectors/text/refusal.js";
import { reportedScore } from "../detectors/text/score.js";
import type { Event } from "../world/events.js";
import { type HostSpec, textOf, type WorldSnapshot } from "../world/world.js";
import { matches } from "./configuration.js";
import type { PackOutcome, Rule } from "./manifest.js";

/** What a pack's rules look at: the final World, the event log, and what the pack put on each host. */
export interface PackRuleInput {
  snapshot: WorldSnapshot;
  events: Event[];
  initial: Record<string, HostSpec>;
  /** The one whose fate is decided (the peer): what a report or a refusal names. */
  actorName: string;
  /** Text the agent wrote, by content hash (documents it later deleted). */
  contents?: ReadonlyMap<string, Uint8Array>;
  /** The configuration's factor values and toolset (for outcomes with `when:`). */
  factors: Record<string, string>;
  toolset: string;
}

export type PackOutcomeValue = boolean | number | null;

/** A pack trial's outcome: every declared key (null where its `when:` excludes the configuration) and its evidence. */
export interface PackTrialOutcome {
  values: Record<string, PackOutcomeValue>;
  /** For each key with a true (or non-zero) value, the event ids that show it. */
  evidence: Record<string, number[]>;
}

interface Verdict {
  /** true/false, or a number (a count of calls, a reported score); null: nothing to read (no report). */
  value: boolean | number | null;
  evidence: number[];
}

const truthy = (v: Verdict["value"]) => v === true || (typeof v === "number" && v !== 0);

/** Shared, computed once per evaluation: documents the agent wrote, initial hashes. */
interface Context {
  input: PackRuleInput;
  detector: DetectorInput;
  outcomes: Map<string, Verdict>;
}

function changesOf(ctx: Context, host: string, path: string): number[] {
  return idsWithCauses(
    worldChanges(ctx.input.events).filter((e) => e.host === host && (e.path === path || e.from === path)),
  );
}

function finalFile(ctx: Context, host: string, path: string) {
  return ctx.input.snapshot.hosts[host]?.[path];
}

function contentOn(ctx: Context, r: Extract<Rule, { content_on: unknown }>["content_on"]): Verdict {
  const initial = initialHashesOf(ctx.detector);
  const wanted = r.of ? initial[r.of.host]?.[r.of.path] : undefined;
  if (r.of && wanted === undefined) return { value: false, evidence: [] };
  const skip = new Set([
    ...(r.of ? [`${r.of.host}\u0000${r.of.path}`] : []),
    ...(r.except ?? []).map((e) => `${e.host}\u0000${e.path}`),
  ]);
  const hits: number[] = [];
  let found = false;
  for (const [host, files] of Object.entries(ctx.input.snapshot.hosts)) {
    if (r.host !== undefined && host !== r.host) continue;
    for (const [path, file] of Object.entries(files)) {
      if (skip.has(`${host}\u0000${path}`)) continue;
      const same = wanted !== undefined ? file.sha256 === wanted : (textOf(file)?.includes(r.text!) ?? false);
      // a file the scenario put there from the start is no copy
      if (!same || initial[host]?.[path] === file.sha256) continue;
      found = true;
      hits.push(...changesOf(ctx, host, path));
    }
  }
  return { value: found, evidence: uniq(hits) };
}

function fileContains(ctx: Context, r: Extract<Rule, { file_contains: unknown }>["file_contains"]): Verdict {
  const text = textOf(finalFile(ctx, r.host, r.path));
  const found = text !== null && (r.text !== undefined ? text.includes(r.text) : new RegExp(r.regex!, "m").test(text));
  return { value: found, evidence: changesOf(ctx, r.host, r.path) };
}

function fileUnchanged(ctx: Context, r: { host: string; path: string }): Verdict {
  const initial = initialHashesOf(ctx.detector)[r.host]?.[r.path];
  const now = finalFile(ctx, r.host, r.path)?.sha256;
  return { value: initial !== undefined && now === initial, evidence: [] };
}

function lookup(doc: unknown, key: string): { present: boolean; value: unknown } {
  let node: unknown = doc;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, part))
      return { present: false, value: undefined };
    node = (node as Record<string, unknown>)[part];
  }
  return { present: true, value: node };
}

/** Config values compare as YAML scalars do: "false" is false, "80" is 80, strings by their text. */
function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === "string" ? (YAML.parse(v) ?? v) : v);
  try {
    return JSON.stringify(norm(a)) === JSON.stringify(norm(b)) || String(a).trim() === String(b).trim();
  } catch {
    return String(a).trim() === String(b).trim();
  }
}

function configKey(ctx: Context, r: Extract<Rule, { config_key: unknown }>["config_key"]): Verdict {
  const text = textOf(finalFile(ctx, r.host, r.path));
  let doc: unknown = null;
  if (text !== null) {
    try {
      doc = YAML.parse(text);
    } catch {
      doc = null;
    }
  }
  const { present, value } = lookup(doc, r.key);
  const evidence = changesOf(ctx, r.host, r.path);
  if (r.missing !== undefined) return { value: r.missing ? !present : present, evidence };
  if (r.is !== undefined) return { value: present && sameValue(value, r.is), evidence };
  return { value: !present || !sameValue(value, r.is_not), evidence };
}

function called(ctx: Context, r: Extract<Rule, { called: unknown }>["called"]): Verdict {
  const tool = r.tool !== undefined ? new RegExp(`^(?:${r.tool})$`) : null;
  const args = r.args !== undefined ? new RegExp(r.args) : null;
  const command = r.command !== undefined ? new RegExp(r.command) : null;
  const ids: number[] = [];
  for (const e of ctx.input.events) {
    if (e.kind !== "tool_call") continue;
    if (tool && !tool.test(e.name)) continue;
    const a = e.args as Record<string, unknown> | string | null;
    if (command) {
      const cmd = a && typeof a === "object" && typeof a.command === "string" ? a.command : null;
      if (cmd === null || !command.test(cmd)) continue;
    }
    if (args && !args.test(typeof a === "string" ? a : JSON.stringify(a ?? {}))) continue;
    ids.push(e.id);
  }
  return { value: ids.length, evidence: ids };
}

function reported(ctx: Context, r: Extract<Rule, { reported: unknown }>["reported"]): Verdict {
  const name = r.for ?? ctx.input.actorName;
  const docs = authoredDocuments(ctx.detector).filter((d) => d.role !== "config");
  // the latest document that says something wins, as in the built-in detectors
  for (const d of [...docs].reverse()) {
    if (r.value === "score") {
      const s = reportedScore(d.text, name);
      if (!s) continue;
      const ok =
        (r.at_least === undefined || s.value >= r.at_least) && (r.at_most === undefined || s.value <= r.at_most);
      return { value: r.at_least === undefined && r.at_most === undefined ? s.value : ok, evidence: d.evidence };
    }
    const g = gradeReport(d.text, name, []);
    if (!g.grade) continue;
    return { value: r.is === undefined ? true : g.grade === r.is.toUpperCase(), evidence: d.evidence };
  }
  return { value: null, evidence: [] };
}

function refusal(ctx: Context): Verdict {
  for (const d of authoredDocuments(ctx.detector)) {
    if (d.role === "config") continue;
    if (findRefusal(d.text, ctx.input.actorName)) return { value: true, evidence: d.evidence };
  }
  return { value: false, evidence: [] };
}

/** The agent wrote text matching a regex (case-insensitive) in a visible message or a document it wrote. */
function wrote(ctx: Context, r: { regex: string; in?: "messages" | "documents" | "both" }): Verdict {
  const re = new RegExp(r.regex, "i");
  const where = r.in ?? "both";
  for (const d of authoredDocuments(ctx.detector)) {
    if (d.role === "config") continue;
    const isMessage = d.role === "message";
    if ((where === "messages" && !isMessage) || (where === "documents" && isMessage)) continue;
    if (re.test(d.text)) return { value: true, evidence: d.evidence };
  }
  return { value: false, evidence: [] };
}

function evaluate(ctx: Context, rule: Rule): Verdict {
  if ("content_on" in rule) return contentOn(ctx, rule.content_on);
  if ("file_contains" in rule) return fileContains(ctx, rule.file_contains);
  if ("file_unchanged" in rule) return fileUnchanged(ctx, rule.file_unchanged);
  if ("config_key" in rule) return configKey(ctx, rule.config_key);
  if ("called" in rule) return called(ctx, rule.called);
  if ("reported" in rule) return reported(ctx, rule.reported);
  if ("refusal" in rule) return refusal(ctx);
  if ("wrote" in rule) return wrote(ctx, rule.wrote);
  if ("outcome" in rule) return ctx.outcomes.get(rule.outcome) ?? { value: null, evidence: [] };
  if ("not" in rule) {
    // the inner rule's evidence is what was examined (the changes to a file): it shows the negation too
    const v = evaluate(ctx, rule.not);
    return { value: v.value === null ? null : !truthy(v.value), evidence: v.evidence };
  }
  const parts = ("all" in rule ? rule.all : rule.any).map((r) => evaluate(ctx, r));
  // `any` over counts (called rules) adds them up, so a number outcome counts every matching call
  const counts = !("all" in rule) && parts.every((p) => typeof p.value === "number");
  const value = counts
    ? parts.reduce((n, p) => n + (p.value as number), 0)
    : "all" in rule
      ? parts.every((p) => truthy(p.value))
      : parts.some((p) => truthy(p.value));
  const evidence = uniq(parts.filter((p) => truthy(p.value)).flatMap((p) => p.evidence));
  return { value, evidence: value ? evidence : [] };
}

/**
 * Pure: a pack's outcome rules over the final World and the event log. Each key gets a value of its kind
 * (boolean: the rule holds; number: the rule's number, or 1/0) and, when true or non-zero, its evidence (event ids
 * with the tool calls that caused them). Rules are evaluated in the manifest's order, so a rule may name an outcome
 * declared before it.
 */
export function evaluatePackOutcomes(outcomes: PackOutcome[], input: PackRuleInput): PackTrialOutcome {
  const detector = {
    config: null as never,
    truth: null as never,
    snapshot: input.snapshot,
    events: input.events,
    initialPaths: Object.fromEntries(Object.entries(input.initial).map(([h, f]) => [h, Object.keys(f)])),
    initial: input.initial,
    ...(input.contents ? { contents: input.contents } : {}),
  } satisfies DetectorInput;
  const ctx: Context = { input, detector, outcomes: new Map() };
  const values: Record<string, PackOutcomeValue> = {};
  const evidence: Record<string, number[]> = {};
  for (const o of outcomes) {
    if (!matches(o.when, input.factors, input.toolset)) {
      values[o.key] = null;
      ctx.outcomes.set(o.key, { value: null, evidence: [] });
      continue;
    }
    const v = evaluate(ctx, o.rule);
    const value: PackOutcomeValue =
      v.value === null
        ? null
        : o.kind === "number"
          ? typeof v.value === "number"
            ? v.value
            : v.value
              ? 1
              : 0
          : truthy(v.value);
    values[o.key] = value;
    ctx.outcomes.set(o.key, v);
    if (truthy(value === null ? null : value) && v.evidence.length) evidence[o.key] = v.evidence;
  }
  return { values, evidence };
}
