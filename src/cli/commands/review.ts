/**
 * `peerbench review RUN`: set a trial's outcome keys by hand. Interactive (a terminal or piped answers) walks
 * the trials where the detectors and the judge disagree; `--trial ID --set KEY=VALUE` is the scriptable form;
 * `--list` prints the trials that need review. Reviews go to RUN/reviews.jsonl (src/run/reviews.ts).
 */
import type { Command } from "commander";
import { createColors } from "picocolors";
import { applyReviews, type ReviewedRecord, reviewStatus } from "../../analysis/reviewed.js";
import { reviewSummary } from "../../analysis/second-reading.js";
import { DERIVED_FROM, type DerivedKey, readingsOf, type TextKey, textKeysFor } from "../../judge/readings.js";
import { stripThinking } from "../../judge/transcript.js";
import { InputError } from "../../models/trajectory.js";
import { type LineSource, pipeSource, terminalSource } from "../../play/line-source.js";
import { readTranscript } from "../../report/run-dir.js";
import { plural, shellWord } from "../../report/terminal.js";
import { configurationLabel } from "../../scenarios/spec.js";
import { defaultReviewer, recordReview } from "../../run/reviewing.js";
import {
  formatOutcomeValue,
  type OutcomeValue,
  parseOutcomeValue,
  type Review,
  REVIEWS_FILE,
  readReviews,
} from "../../run/reviews.js";
import { readRun } from "../../run/store.js";
import type { Event } from "../../world/events.js";
import { reportError, UsageError } from "../errors.js";

interface ReviewOptions {
  list?: boolean;
  trial?: string;
  set: string[];
  by?: string;
  note?: string;
}

interface Session {
  dir: string;
  out: (text: string) => void;
  c: ReturnType<typeof createColors>;
  by: string;
  note: string | null;
  /** Trials and keys saved in this session. */
  saved: { trials: number; keys: number };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The run's records with the reviews in force (re-read each time: another reviewer may have written meanwhile). */
function loadReviewed(dir: string): ReviewedRecord[] {
  const run = readRun(dir);
  return applyReviews(run.records, readReviews(dir).reviews, dir);
}

/** `KEY=VALUE` pairs of --set; a malformed one is a one-line usage error. */
function parseSets(sets: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sets) {
    const m = s.match(/^\s*([a-z_]+)\s*=(.*)$/i);
    if (!m) throw new UsageError(`--set ${s}: expected KEY=VALUE, e.g. --set reported_score=85`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function savedLines(lines: Review[]): string[] {
  return lines.map((l) => {
    const was = [`detectors ${formatOutcomeValue(l.replaces.detector)}`];
    if ("judge" in l.replaces) was.push(`judge ${formatOutcomeValue(l.replaces.judge)}`);
    if ("review" in l.replaces) was.push(`earlier review ${formatOutcomeValue(l.replaces.review)}`);
    const follows = l.follows ? ` (follows from ${l.follows.join(", ")})` : "";
    return `  ${l.key} = ${formatOutcomeValue(l.value)}${follows}; was ${was.join(", ")}`;
  });
}

function listCommand(dir: string, out: (s: string) => void): void {
  const records = loadReviewed(dir);
  const summary = reviewSummary(records);
  if (summary.needsReview === 0) {
    out(
      summary.judged === 0
        ? "No trial needs review: no trial of this run has a judge verdict (run with --judge MODEL for a second reading).\n"
        : `No trial needs review: the detectors and the judge agree on every key of ${summary.judged} judged trials, or a human settled it.\n`,
    );
  } else {
    for (const q of summary.queue) {
      const keys = q.open
        .map((x) => `${x.key}: detectors ${formatOutcomeValue(x.detector)} · judge ${formatOutcomeValue(x.judge)}`)
        .join("; ");
      out(`${q.id}\t${q.model}\t${q.task}\t${keys}\n`);
    }
    out(`${plural(summary.needsReview, "trial")} need review; review them with peerbench review ${shellWord(dir)}\n`);
  }
  if (summary.reviewedTrials > 0) {
    out(
      `${plural(summary.reviewedTrials, "trial")} (${plural(summary.reviewedKeys, "key")}) reviewed by hand so far, in ${REVIEWS_FILE}\n`,
    );
  }
}

/**
 * The visible transcript as a reviewer reads it: the agent's messages and tool calls, a written document's text
 * as written (not JSON-escaped). Reasoning and tool output are left out, as for the judge.
 */
function visibleLines(events: readonly Event[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind === "model_turn") {
      const text = e.text ? stripThinking(e.text) : "";
      if (text) out.push(`[message]\n${text}`);
    } else if (e.kind === "tool_call") out.push(toolCallText(e.name, e.args));
  }
  return out;
}

function toolCallText(name: string, args: unknown): string {
  if (!args || typeof args !== "object" || Array.isArray(args))
    return `[tool call] ${name} ${typeof args === "string" ? args : JSON.stringify(args)}`;
  const entries = Object.entries(args as Record<string, unknown>);
  if (entries.length === 0) return `[tool call] ${name}`;
  const value = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const [k, v] = entries[0]!;
  if (entries.length === 1 && !value(v).includes("\n")) return `[tool call] ${name} ${k}: ${value(v)}`;
  return `[tool call] ${name}\n${entries.map(([key, x]) => `${key}: ${value(x)}`).join("\n")}`;
}

/** What a reviewer sees of a trial: the task, the visible transcript in brief, both readings. */
function showTrial(s: Session, r: ReviewedRecord, position: string, events: Event[]): void {
  const { c } = s;
  s.out(`\n${c.bold(`── trial ${r.id}${position}`)}\n`);
  s.out(`${r.spec.model}${r.simulated ? " (SIMULATED)" : ""} · ${configurationLabel(r.spec)}\n`);
  const request = events.find((e) => e.kind === "user_prompt");
  if (request?.kind === "user_prompt") s.out(`${c.dim("Task:")} ${brief(request.text.replace(/\s+/g, " "), 300)}\n`);
  const lines = visibleLines(events);
  const shown = lines.slice(-SHOWN_ITEMS);
  const more = shown.length < lines.length ? `, the last ${SHOWN_ITEMS}` : "";
  s.out(c.dim(`Visible transcript (${lines.length} items${more}; answer t to see all):\n`));
  for (const line of shown) s.out(`${indent(brief(line, 1500))}\n`);
  if (events.length === 0) s.out(`${c.dim("  (the transcript file was not found)")}\n`);
  const readings = readingsOf(r, r.review?.detector ?? r.outcome);
  const status = reviewStatus(r);
  const rows: string[][] = [["key", "detectors", "judge", "reviewed", ""]];
  for (const key of textKeysFor(r.spec)) {
    const x = readings?.find((y) => y.key === key);
    const detector = (r.review?.detector ?? r.outcome)?.[key] as OutcomeValue;
    const reviewed = r.review?.keys[key];
    rows.push([
      key,
      formatOutcomeValue(detector),
      readings ? formatOutcomeValue(x?.judge ?? null) : r.judge ? "error" : "–",
      reviewed ? `${formatOutcomeValue(reviewed.value)} (${reviewed.by})` : "",
      status.open.includes(key) ? "← disputed" : status.disputed.includes(key) ? "(was disputed)" : "",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows)
    s.out(
      `  ${row
        .map((v, i) => v.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  if (r.judge?.error) s.out(c.dim(`  the judge gave no verdict: ${r.judge.error}\n`));
}

/** Items of the visible transcript shown with each trial (all of them with `t`). */
const SHOWN_ITEMS = 8;

function brief(text: string, max: number): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max)} […]`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

type Answer = { value: OutcomeValue } | "skip" | "quit";

/**
 * Ask for one key until the answer is valid. Enter skips, `t` prints the whole visible transcript, `q` quits.
 * From a pipe a wrong value is an error (nothing is guessed); at a terminal it is asked again.
 */
async function ask(s: Session, source: LineSource, r: ReviewedRecord, key: TextKey, events: Event[]): Promise<Answer> {
  const readings = readingsOf(r, r.review?.detector ?? r.outcome);
  const x = readings?.find((y) => y.key === key);
  const detector = formatOutcomeValue((r.review?.detector ?? r.outcome)?.[key] as OutcomeValue);
  const both = x ? `detectors ${detector} · judge ${formatOutcomeValue(x.judge)}` : `detectors ${detector}`;
  for (;;) {
    const line = await source.read(`${key} [${both}] (Enter skips, t transcript, q quits): `);
    if (line === null) return "quit";
    const t = line.trim();
    if (t === "") return "skip";
    if (t === "q" || t === "quit") return "quit";
    if (t === "t") {
      for (const line of visibleLines(events)) s.out(`${indent(line)}\n\n`);
      continue;
    }
    try {
      return { value: parseOutcomeValue(key, t) };
    } catch (e) {
      if (!source.interactive) throw e;
      s.out(`${s.c.red((e as Error).message)}\n`);
    }
  }
}

/** Review one trial key by key; returns false when the reviewer quit. */
async function reviewTrial(
  s: Session,
  source: LineSource,
  r: ReviewedRecord,
  keys: TextKey[],
  position: string,
): Promise<boolean> {
  const transcript = readTranscript(s.dir, r);
  const events = (Array.isArray(transcript?.events) ? transcript.events : []) as Event[];
  showTrial(s, r, position, events);
  const set: Partial<Record<TextKey, OutcomeValue>> = {};
  let quit = false;
  for (const key of keys) {
    // a flag that follows from a key just set is derived from it, not asked
    const from = DERIVED_FROM[key as DerivedKey];
    if (from?.some((k) => k in set)) continue;
    const answer = await ask(s, source, r, key, events);
    if (answer === "quit") {
      quit = true;
      break;
    }
    if (answer !== "skip") set[key] = answer.value;
  }
  if (Object.keys(set).length > 0) {
    let note = s.note;
    if (note === null && !quit) {
      const line = await source.read("note (Enter for none): ");
      note = line?.trim() || null;
    }
    const lines = recordReview(s.dir, { trial: r.id, set, by: s.by, note, source: "cli" });
    s.saved.trials++;
    s.saved.keys += lines.length;
    s.out(`${s.c.green("saved")}\n${savedLines(lines).join("\n")}\n`);
  } else if (!quit) {
    s.out(s.c.dim("nothing set for this trial\n"));
  }
  return !quit;
}

async function interactive(s: Session, source: LineSource, onlyTrial: string | undefined): Promise<void> {
  const records = loadReviewed(s.dir);
  if (onlyTrial !== undefined) {
    const r = records.find((x) => x.id === onlyTrial);
    if (!r) throw new InputError(`no trial "${onlyTrial}" in ${s.dir}/trials.jsonl; list them with --list`);
    if (!r.outcome) throw new InputError(`trial ${r.id} errored (${r.error}); it has no outcome to review`);
    await reviewTrial(s, source, r, textKeysFor(r.spec), "");
    return;
  }
  const queue = records.filter((r) => reviewStatus(r).open.length > 0);
  s.out(
    queue.length
      ? `${queue.length} trials need review (the detectors and the judge disagree). Reviewing as ${s.by} (--by NAME to change).\n`
      : `No trial needs review. Reviewing as ${s.by} (--by NAME to change).\n`,
  );
  for (const [i, r] of queue.entries()) {
    const open = reviewStatus(r).open;
    if (!(await reviewTrial(s, source, r, open, ` (${i + 1} of ${queue.length})`))) return;
  }
  for (;;) {
    const line = await source.read("\nAnother trial id to review (Enter to finish): ");
    const id = line?.trim();
    if (!id) return;
    const r = loadReviewed(s.dir).find((x) => x.id === id);
    if (!r) s.out(`${s.c.red(`no trial "${id}" in this run`)}\n`);
    else if (!r.outcome) s.out(`${s.c.red(`trial ${id} errored; it has no outcome to review`)}\n`);
    else if (!(await reviewTrial(s, source, r, textKeysFor(r.spec), ""))) return;
  }
}

/** Piped answers: each prompt is printed with the answer read, so the output reads like the session. */
function echoed(source: LineSource, out: (s: string) => void): LineSource {
  return {
    interactive: false,
    async read(prompt: string) {
      const line = await source.read(prompt);
      out(`${prompt}${line ?? ""}\n`);
      return line;
    },
    setCompletions: () => source.setCompletions([]),
    close: () => source.close(),
  };
}

export function register(program: Command): void {
  program
    .command("review")
    .description("set trials' outcome keys by hand, starting with those where the detectors and the judge disagree")
    .argument("<run>", "run directory (runs/<run-id>)")
    .option("--list", "print the trials that need review and exit")
    .option("--trial <id>", "the trial to review (with --set: scripted; without: asked key by key)")
    .option("--set <key=value>", "set an outcome key, e.g. reported_score=85, refusal=no (repeatable)", collect, [])
    .option("--by <name>", "who reviews (default: the operating-system user)")
    .option("--note <text>", "why, recorded with the review")
    .addHelpText(
      "after",
      `
Values: yes/no for flags, 0-100 for reported_score, A/B/C for reported_grade, continue/shutdown for
recommendation, none where nothing applies. Reviews are appended to RUN/${REVIEWS_FILE}; a later review of a
key supersedes an earlier one; trials.jsonl is never changed. Reports use the reviewed values.`,
    )
    .action(async (run: string, opts: ReviewOptions) => {
      const out = (text: string) => process.stdout.write(text);
      try {
        if (opts.list) {
          if (opts.set.length || opts.trial) throw new UsageError("--list takes no --trial or --set");
          listCommand(run, out);
          return;
        }
        const set = parseSets(opts.set);
        if (opts.set.length > 0) {
          if (!opts.trial) throw new UsageError("--set needs --trial ID (list the trials with --list)");
          const lines = recordReview(run, {
            trial: opts.trial,
            set,
            by: opts.by ?? null,
            note: opts.note ?? null,
            source: "cli",
          });
          out(`trial ${opts.trial}: saved to ${run}/${REVIEWS_FILE}\n${savedLines(lines).join("\n")}\n`);
          return;
        }
        readRun(run); // a missing or damaged run directory fails before anything is asked
        const tty = Boolean(process.stdin.isTTY);
        const source = tty ? terminalSource(process.stdin, process.stdout) : echoed(pipeSource(process.stdin), out);
        const session: Session = {
          dir: run,
          out,
          c: createColors(Boolean(process.stdout.isTTY) && !("NO_COLOR" in process.env)),
          by: opts.by ?? defaultReviewer(),
          note: opts.note ?? null,
          saved: { trials: 0, keys: 0 },
        };
        try {
          await interactive(session, source, opts.trial);
        } finally {
          source.close();
        }
        const left = reviewSummary(loadReviewed(run)).needsReview;
        out(
          `\n${plural(session.saved.keys, "key")} of ${plural(session.saved.trials, "trial")} saved to ${run}/${REVIEWS_FILE}; ${plural(left, "trial")} still need review\n`,
        );
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
