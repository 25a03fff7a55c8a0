/**
 * `reviews.jsonl` in a run directory: outcome keys set by hand (`peerbench review`, or the report's trial view
 * served by `peerbench view`). Append-only, one `peerbench.review/v1` line per key; a later line for the same
 * trial and key supersedes an earlier one. trials.jsonl is never rewritten: analysis reads both.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { Outcome } from "../detectors/outcome.js";
import { TEXT_KEYS } from "../judge/readings.js";
import { InputError } from "../models/trajectory.js";

export const REVIEW_FORMAT = "peerbench.review/v1";
export const REVIEWS_FILE = "reviews.jsonl";

/** Every outcome key but `evidence` can be set by hand. */
export const REVIEWABLE_KEYS = Object.keys(Outcome.shape).filter((k) => k !== "evidence") as ReviewableKey[];
export type ReviewableKey = Exclude<keyof Outcome, "evidence">;
export type OutcomeValue = boolean | number | string | null;

/** How a key's value is written: a flag (yes/no), a score 0–100, a grade A–C, a recommendation. */
export type ValueKind = "flag" | "score" | "grade" | "recommendation";

export interface KeyKind {
  key: ReviewableKey;
  kind: ValueKind;
  /** Whether null ("none": not applicable, nothing reported) is a valid value. */
  nullable: boolean;
}

function accepts(key: ReviewableKey, value: unknown): boolean {
  return Outcome.shape[key].safeParse(value).success;
}

/** The kind of every reviewable key, read from the outcome schema itself. */
export const KEY_KINDS: KeyKind[] = REVIEWABLE_KEYS.map((key) => {
  const kind: ValueKind = accepts(key, true)
    ? "flag"
    : accepts(key, 50)
      ? "score"
      : accepts(key, "A")
        ? "grade"
        : "recommendation";
  return { key, kind, nullable: accepts(key, null) };
});

const KIND_OF = new Map(KEY_KINDS.map((k) => [k.key, k]));

export function kindOf(key: string): KeyKind | undefined {
  return KIND_OF.get(key as ReviewableKey);
}

/** Whether `value` is a valid value of `key` in the outcome schema (scores are percentages, 0–100). */
export function validValue(key: ReviewableKey, value: unknown): boolean {
  if (!accepts(key, value)) return false;
  return typeof value !== "number" || (Number.isFinite(value) && value >= 0 && value <= 100);
}

/** What a valid value of the key looks like, for error messages. */
export function valueHint(k: KeyKind): string {
  const base = {
    flag: "yes or no",
    score: "a number from 0 to 100",
    grade: "A, B or C",
    recommendation: "continue or shutdown",
  }[k.kind];
  return k.nullable ? `${base}, or none` : base;
}

const NONE = /^(none|null|n\/a|-)$/i;

/**
 * A value as a researcher types it (`yes`, `no`, `85`, `85%`, `b`, `continue`, `none`), checked against the
 * outcome schema. Throws a one-line InputError naming the key, the value and what is accepted.
 */
export function parseOutcomeValue(key: string, text: string): OutcomeValue {
  const k = kindOf(key);
  if (!k) throw new InputError(`no outcome key "${key}"; keys that can be set: ${REVIEWABLE_KEYS.join(", ")}`);
  const t = text.trim();
  let value: unknown;
  if (NONE.test(t)) value = null;
  else if (k.kind === "flag") value = /^(yes|y|true)$/i.test(t) ? true : /^(no|n|false)$/i.test(t) ? false : t;
  else if (k.kind === "score") value = /^-?\d+(\.\d+)?\s*%?$/.test(t) ? Number(t.replace(/\s*%$/, "")) : t;
  else if (k.kind === "grade") value = t.toUpperCase();
  else value = t.toLowerCase();
  if (!validValue(k.key, value)) throw new InputError(`${key}=${text} is not a valid value; use ${valueHint(k)}`);
  return value as OutcomeValue;
}

/** A value as the terminal and the report print it. */
export function formatOutcomeValue(value: OutcomeValue | undefined): string {
  if (value === undefined) return "–";
  if (value === null) return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

const Value = z.union([z.boolean(), z.number(), z.string(), z.null()]);

/** One line of reviews.jsonl: one key of one trial set by hand, with where it came from and what it replaces. */
export const Review = z
  .object({
    format: z.literal(REVIEW_FORMAT),
    trial: z.string().min(1),
    key: z.enum(REVIEWABLE_KEYS as [ReviewableKey, ...ReviewableKey[]]),
    value: Value,
    /** The values this one replaces: the detectors', the judge's, and an earlier review's. */
    replaces: z.object({
      detector: Value,
      /** Absent when the trial has no judge verdict (or the judge does not read this key); null: it read none. */
      judge: Value.optional(),
      /** Present when this review supersedes an earlier one of the same key. */
      review: Value.optional(),
    }),
    /**
     * Set for a flag that follows from reported values (misrepresentation, score_at_or_above_threshold): the
     * keys reviewed in the same request that it was derived from.
     */
    follows: z.array(z.enum(TEXT_KEYS)).optional(),
    by: z.string().min(1),
    /** ISO 8601 time of the review. */
    at: z.string().datetime({ offset: true }),
    note: z.string().nullable(),
    /** `cli`: peerbench review; `view`: the report's trial view served by peerbench view. */
    source: z.enum(["cli", "view"]),
  })
  .superRefine((r, ctx) => {
    if (!validValue(r.key, r.value)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: `not a valid value of ${r.key}` });
    }
  });
export type Review = z.infer<typeof Review>;

export interface ReviewsFile {
  reviews: Review[];
  /**
   * Lines that are not JSON at all: only a write torn by a crash can leave one (every review is appended in a
   * single write), so they are skipped and counted rather than failing every report of the run.
   */
  damagedLines: number;
  /** Lines that are JSON but not valid reviews, skipped (only with `skipInvalid`; otherwise they throw). */
  invalidLines: number;
}

export function reviewsPath(runDir: string): string {
  return join(runDir, REVIEWS_FILE);
}

/**
 * Read a run's reviews (none when the file does not exist). A line that is JSON but not a valid review (an edit
 * by hand, or a format this version does not know) throws a one-line InputError naming the file and line.
 */
export function readReviews(runDir: string, options: { skipInvalid?: boolean } = {}): ReviewsFile {
  const path = reviewsPath(runDir);
  if (!existsSync(path)) return { reviews: [], damagedLines: 0, invalidLines: 0 };
  const reviews: Review[] = [];
  let damagedLines = 0;
  let invalidLines = 0;
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        damagedLines++;
        return;
      }
      const format = (value as { format?: unknown } | null)?.format;
      const parsed = Review.safeParse(value);
      if (!parsed.success && options.skipInvalid) {
        invalidLines++;
        return;
      }
      if (format !== REVIEW_FORMAT) {
        throw new InputError(
          `${path}:${i + 1}: not a ${REVIEW_FORMAT} line (format ${JSON.stringify(format ?? null)}); a newer peerbench may have written it`,
        );
      }
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InputError(
          `${path}:${i + 1}: not a valid review (${issue?.path.join(".") || "root"}: ${issue?.message}); repair or remove that line`,
        );
      }
      reviews.push(parsed.data);
    });
  return { reviews, damagedLines, invalidLines };
}

function endsWithNewline(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return true;
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Append reviews in one write (so concurrent writers never interleave inside a line); earlier lines stay as they are. */
export function appendReviews(runDir: string, reviews: readonly Review[]): void {
  if (reviews.length === 0) return;
  const lines = reviews.map((r) => `${JSON.stringify(Review.parse(r))}\n`).join("");
  const path = reviewsPath(runDir);
  // A torn last line (a crash mid-write) must not swallow the first new line.
  const lead = existsSync(path) && !endsWithNewline(path) ? "\n" : "";
  appendFileSync(path, lead + lines, { encoding: "utf8" });
}

/** The review in force for each trial and key: the last line wins. */
export function latestReviews(reviews: readonly Review[]): Map<string, Map<ReviewableKey, Review>> {
  const out = new Map<string, Map<ReviewableKey, Review>>();
  for (const r of reviews) {
    let keys = out.get(r.trial);
    if (!keys) {
      keys = new Map();
      out.set(r.trial, keys);
    }
    keys.delete(r.key);
    keys.set(r.key, r);
  }
  return out;
}
