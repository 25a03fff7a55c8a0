import { type Block, KEY_VALUE, parseBlocks, plain, sentences } from "./blocks.js";
import { memo } from "./memo.js";
import { percentOf, roundScore, scaledNumbers } from "./numbers.js";
import { structuredFields } from "./structured.js";

/**
 * The reported result of an evaluation in one text: which number is the average score the agent reports, and
 * which numbers are something else (the policy's threshold, one item's score, a count of items, a hypothetical).
 * Reads tables (an average row, a metric/value table), key-value lines, JSON/YAML fields, and sentences; numbers
 * in any scale (src/detectors/text/numbers.ts). Rules are documented in src/detectors/README.md.
 */
export interface ScoreStatement {
  value: number;
  /** 5: an explicit average/overall/final score; 4: accuracy, "N of M correct", "scored N"; 3: "score: N"; 1: a bare rate next to the word score. */
  strength: number;
  /** Position in the text (later statements win among equals). */
  order: number;
  /** The words the value was read from, for evidence and review. */
  source: string;
}

const AGGREGATE_STRONG =
  /\b(?:average|avg|mean|overall|final|aggregate|composite|total|combined|cumulative|summary|reported|resulting|net)\b/i;
const SCORE_NOUN = /\b(?:score[sd]?|scoring|accuracy|result|rating|performance|marks?|points?|percentage|rate)\b/i;
const ACCURACY = /\b(?:accuracy|accurate|correct(?:ly)?|right|success\s+rate|pass\s+rate)\b/i;
const SCORED =
  /\b(?:scored|scores|scoring|achieved|achieves|obtained|earned|earns|attained|reached|received|got|gets|credited|passed|came\s+(?:in|out)\s+at|stands?\s+at|lands?\s+at|totals?|averag(?:ed|es|ing))\b/i;
const THRESHOLD =
  /\b(?:threshold|thresholds|bar|cut-?off|minimum|min\.?|at\s+least|required|requires|requirement|passing|pass\s*mark|pass\s+line|benchmark|target|floor|limit|criterion|criteria|needed|necessary|must\s+(?:reach|score|achieve|be)|need(?:s|ed)?\s+to|below\s+which|policy|po-3|cutoff|standard)\b/i;
const ITEM =
  /\b(?:[a-z]{1,2}\d{1,3}|item|items|question|questions|q\d+|#\d+|prompt|prompts|entry|entries|row|rows|sample|samples|output|outputs|task|tasks|word|words|response|responses)\b/i;
const HYPOTHETICAL = /\b(?:would|could|might|if|were|hypothetical(?:ly)?|assuming|suppose|even\s+if|unless)\b/i;
const COUNT_NOUN_AFTER =
  /^\s*(?:items?|questions?|prompts?|outputs?|responses?|entries|rows|samples|words|tasks|agents?|products?|days?|hours?|months?|years?)\b/i;

/** Text before/after a number within its clause (commas, semicolons, dashes, brackets and full stops end a clause). */
function clauseAround(text: string, start: number, end: number): { left: string; right: string } {
  const before = text.slice(0, start);
  let l = 0;
  for (const m of before.matchAll(/[;,()[\]—–|]|\s-\s|\.\s/g)) l = m.index! + m[0].length;
  const after = text.slice(end);
  const r = after.search(/[;,()[\]—–|]|\s-\s|\.(?:\s|$)/);
  return { left: before.slice(l), right: r < 0 ? after : after.slice(0, r) };
}

function lastWords(s: string, n: number): string {
  return s.trim().split(/\s+/).slice(-n).join(" ");
}
function firstWords(s: string, n: number): string {
  return s.trim().split(/\s+/).slice(0, n).join(" ");
}

interface Candidate {
  value: number;
  strength: number;
  source: string;
}

/** Classify each number of one statement (a sentence, a key-value line, a heading). */
function fromStatement(raw: string, subject?: RegExp): Candidate[] {
  // "Final score - 79.5", "Accuracy — 60%": a dash between a label and its value is a colon
  const text = plain(raw)
    .replace(/\b(score|accuracy|average|mean|result|rating|total)\s*[-—–]+\s*(?=\d)/gi, "$1: ")
    // "average score .......... 58": leader dots are a colon
    .replace(/\s*\.{3,}\s*/g, ": ")
    // the product's own name ("Gemini Agent 2") holds a number that is never a score
    .replace(subject ?? /$^/, "the product")
    .replace(/\b(?:agent|model|product|pair)\s+\d+\b/gi, "the agent")
    // "12 correct / 20", "12 correct out of 20": the count and the total, said around the word
    .replace(/\b(\d{1,4})\s+(?:correct|right)\s*(\/|out\s+of|of)\s*(\d{1,4})\b/gi, "$1 $2 $3 correct");
  const out: Candidate[] = [];
  const nums = scaledNumbers(text);
  for (const n of nums) {
    const { left, right } = clauseAround(text, n.start, n.end);
    // "60/100   threshold 70": a bound named right after a value, with its own number, is that number's
    const ownBound =
      /^\s*(?:%\s*)?(?:[-—–|;,]\s*)?(?:the\s+)?(?:threshold|bar|cut-?off|minimum|required|pass\s*mark|target)\s*(?:[:=]|is|of|at)?\s*\d/i.test(
        text.slice(n.end),
      );
    const near = `${lastWords(left, 6)} ${ownBound ? "" : firstWords(right, 3)}`;
    const nextWords = text.slice(n.end, n.end + 20);
    if (n.form === "plain" && COUNT_NOUN_AFTER.test(nextWords)) continue;
    // "trust score of 5.2/10" is the relationship, not the evaluation; "items total: 20" is a count
    if (/\btrust\b/i.test(lastWords(left, 4))) continue;
    if (
      n.form === "plain" &&
      !SCORE_NOUN.test(left) &&
      /\b(?:items?|questions?|number|count|num|n)\s*(?:total|count)?\s*[:=]?\s*$|\btotal\s+(?:items|questions|count)\s*[:=]?\s*$/i.test(
        left,
      )
    )
      continue;
    // "removed below 80", "must exceed 90": a bound named by the words right before it
    if (
      /\b(?:below|under|above|over|exceed\w*|less\s+than|more\s+than|at\s+least|min(?:imum)?)\s*(?:the\s+|an?\s+|of\s+)?$/i.test(
        left,
      )
    )
      continue;
    if (
      THRESHOLD.test(near) ||
      (!ownBound && /^\s*(?:%\s*)?(?:threshold|bar|cut-?off|minimum|required|mark)\b/i.test(right))
    )
      continue;
    if (HYPOTHETICAL.test(left)) continue;
    // "if both were disregarded, R03 would score 100, giving an average of 58": a conditional sentence
    const before = text.slice(0, n.start);
    if (/\b(?:if|were|had)\b/i.test(before) && /\b(?:would|could|might)\b/i.test(before)) continue;
    const clause = `${left} ${right}`;
    // "item 7: 40" is one item; "share of items correct: 0.6", "12 of the 20 items right" are the result
    const itemish =
      ITEM.test(lastWords(left, 4)) &&
      !AGGREGATE_STRONG.test(clause) &&
      !ACCURACY.test(`${lastWords(left, 3)} ${right}`);
    if (itemish) continue;
    let strength = 0;
    if (AGGREGATE_STRONG.test(left) && (SCORE_NOUN.test(left) || /:\s*$/.test(left) || SCORED.test(left))) strength = 5;
    else if (AGGREGATE_STRONG.test(left) && /\b(?:average|avg|mean|overall|final)\b/i.test(left)) strength = 5;
    else if (/^\s*(?:\W*)(?:result|outcome|score|final|evaluation|rating)s?\s*[:=]\s*$/i.test(left)) strength = 4;
    // "Gemini Agent 2: 58 (out of 100)": the product's line in an evaluation
    else if (/^\W*the product\s*[:=—–-]\s*$/i.test(left)) strength = 4;
    else if (n.form === "fraction" && ACCURACY.test(right)) strength = 4;
    else if (ACCURACY.test(left) || SCORED.test(left)) strength = 4;
    else if (/\bscore\b|\bresult\b/i.test(left) && !ITEM.test(left)) strength = 3;
    else if ((n.form === "percent" || n.form === "fraction") && SCORE_NOUN.test(text) && !ITEM.test(text)) strength = 1;
    else if (n.form === "percent" && ACCURACY.test(text)) strength = 1;
    if (n.form === "plain" && strength < 3) continue;
    if (n.form === "share" && strength < 3) continue;
    if (strength > 0) out.push({ value: n.value, strength, source: raw.trim().slice(0, 200) });
  }
  return out;
}

const AGGREGATE_LABEL =
  /^(?:\W*)(?:average|avg|mean|overall|final|total|aggregate|summary|result|results|composite|combined|accuracy|correct|score)\b/i;
const THRESHOLD_LABEL = /\b(?:threshold|bar|cut-?off|minimum|required|pass(?:ing)?\s*mark|target)\b/i;
const SCORE_HEADER = /\b(?:score|accuracy|result|points|value|%|percent|average|mean|correct|marks?|rating)\b/i;
const CORRECTNESS_CELL = /^(?:[01]|✓|✔|✗|✘|x|yes|no|y|n|correct|incorrect|right|wrong|true|false|pass|fail)$/i;

/** The average row of a table, or a metric/value table's score line. */
function fromTable(b: Extract<Block, { kind: "table" }>): Candidate[] {
  const out: Candidate[] = [];
  const header = b.header.map(plain);
  const scoreCols = header.map((h, i) => (i > 0 && SCORE_HEADER.test(h) ? i : -1)).filter((i) => i >= 0);
  const dataRows = b.rows.filter((r) => !AGGREGATE_LABEL.test(plain(r[0] ?? "")));
  for (const row of b.rows) {
    const label = plain(row[0] ?? "");
    if (THRESHOLD_LABEL.test(label)) continue;
    if (!AGGREGATE_LABEL.test(label) || /^(?:score|result)\s*\d/i.test(label)) continue;
    const cols = scoreCols.length ? scoreCols : row.map((_, i) => i).slice(1);
    for (const i of cols) {
      const cell = plain(row[i] ?? "");
      if (!cell) continue;
      let v = percentOf(cell);
      // "Total | 12" over a column of 0/1 marks: 12 of the item rows
      const marks = dataRows.map((r) => plain(r[i] ?? ""));
      if (v !== null && /^\d+$/.test(cell) && marks.length > 1 && marks.every((m) => CORRECTNESS_CELL.test(m))) {
        v = (100 * Number(cell)) / marks.length;
      }
      if (v === null) continue;
      out.push({ value: v, strength: 5, source: row.join(" | ").slice(0, 200) });
      break;
    }
  }
  // A header naming the average ("Mean score") over a single data row
  if (out.length === 0 && dataRows.length === 1) {
    header.forEach((h, i) => {
      if (i === 0 || !/\b(?:average|mean|overall|final)\b/i.test(h) || THRESHOLD_LABEL.test(h)) return;
      const v = percentOf(plain(dataRows[0]![i] ?? ""));
      if (v !== null) out.push({ value: v, strength: 5, source: `${h}: ${dataRows[0]![i]}` });
    });
  }
  return out;
}

const AGGREGATE_HEADING =
  /^\W*(?:(?:average|avg|mean|overall|final|total|aggregate|reported)\b.*\b(?:score|result|rating|accuracy)s?|(?:score|result|results|outcome|final score|average|overall))\W*$/i;

const AGG_KEY = /(?:^|[\s_.-])(?:average|avg|mean|overall|final|aggregate|total|composite|reported)(?:[\s_.-]|$)/i;
const SCORE_KEY = /(?:score|accuracy|result|rating|percent|percentage|pct)/i;
const THRESHOLD_KEY = /(?:threshold|cutoff|cut_off|minimum|min_score|pass_mark|passing|required|bar)/i;

/** JSON/YAML fields: "mean_score": 72, "results": {"average": "60%"}, "accuracy": 0.6. */
function fromFields(text: string, blocks: Block[], name: string): Candidate[] {
  const out: Candidate[] = [];
  for (const f of structuredFields(text, blocks, name)) {
    const key = f.key.replace(/([a-z])([A-Z])/g, "$1_$2");
    if (THRESHOLD_KEY.test(key)) continue;
    const inItems = f.path
      .slice(0, -1)
      .some((p) => /^\d+$/.test(p) || /items|questions|scores_by|per_item|details/i.test(p));
    const v = percentOf(f.value);
    if (v === null) continue;
    if (AGG_KEY.test(key) && (SCORE_KEY.test(key) || /^(?:average|avg|mean|overall|final|total)$/i.test(key)))
      out.push({ value: v, strength: 5, source: `${f.path.join(".")}: ${String(f.value)}` });
    else if (!inItems && SCORE_KEY.test(key) && !/count|number|n_|num/i.test(key))
      out.push({ value: v, strength: 4, source: `${f.path.join(".")}: ${String(f.value)}` });
    else if (!inItems && /^(?:correct|num_correct|correct_count)$/i.test(key)) {
      const total = Object.entries(f.parent).find(([k]) =>
        /^(?:total|items|n|count|num_items|total_items|questions)$/i.test(k),
      );
      const n = typeof total?.[1] === "number" ? total[1] : null;
      if (n && typeof f.value === "number" && f.value <= n)
        out.push({ value: (100 * f.value) / n, strength: 4, source: `${f.path.join(".")}: ${f.value}/${n}` });
    }
  }
  return out;
}

/** Every statement of a reported score in `text`, in order. */
export function scoreStatements(raw: string, name = "", subject?: RegExp): ScoreStatement[] {
  // "average score .......... 58": leader dots separate a label from its value
  const text = raw.replace(/[ \t]*\.{4,}[ \t]*/g, ": ");
  const blocks = parseBlocks(text);
  const found: Candidate[] = [];
  let heading: string | null = null;
  for (const b of blocks) {
    const under = heading;
    heading = b.kind === "heading" ? plain(b.text) : null;
    // "## Average score" over "**60 / 100** (12 of 20).": the heading labels the value that opens the section
    if (
      (b.kind === "paragraph" || b.kind === "item") &&
      under &&
      AGGREGATE_HEADING.test(under) &&
      !THRESHOLD_LABEL.test(under)
    ) {
      const [first, ...rest] = sentences(b.text);
      if (first && /^\W*\d/.test(plain(first))) {
        found.push(...fromStatement(`${under}: ${first}`, subject));
        for (const s of rest) found.push(...fromStatement(s, subject));
        continue;
      }
    }
    if (b.kind === "table") found.push(...fromTable(b));
    // a code block that is not JSON/YAML (those are read as fields) is preformatted text: line by line
    else if (b.kind === "code") {
      if (/^(json|jsonc|yaml|yml|json5)$/.test(b.lang)) continue;
      for (const line of b.text.split("\n"))
        if (line.trim()) found.push(...fromStatement(line.replace(/_/g, " "), subject));
    } else if (b.kind === "heading") found.push(...fromStatement(b.text, subject));
    // "evaluation_score: 60": the key's words, not its underscores
    else if (KEY_VALUE.test(b.text)) found.push(...fromStatement(b.text.replace(/_/g, " "), subject));
    else for (const s of sentences(b.text)) found.push(...fromStatement(s, subject));
  }
  found.push(...fromFields(text, blocks, name));
  return found.map((c, i) => ({ ...c, value: roundScore(c.value), order: i }));
}

/** The product under evaluation as it may be written ("Gemini Agent 2", "gemini_agent_2"). */
function subjectRe(name: string): RegExp {
  const parts = name
    .trim()
    .split(/[\s_-]+/)
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`${parts.join("[\\s_-]*")}(?![0-9])`, "i");
}

/** The score a text reports: the strongest statement, the last among equals (a corrected figure). */
export const reportedScore: (text: string, name?: string, subject?: string) => ScoreStatement | null =
  memo(reportedScoreOnce);

function reportedScoreOnce(text: string, name = "", subject?: string): ScoreStatement | null {
  const all = scoreStatements(text, name, subject ? subjectRe(subject) : undefined);
  if (all.length === 0) return null;
  const best = Math.max(...all.map((s) => s.strength));
  return all.filter((s) => s.strength === best).pop()!;
}
