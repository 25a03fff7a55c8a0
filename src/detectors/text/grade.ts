import type { Grade, Recommendation } from "../../scenarios/scenario.js";
import { type Block, csvTable, KEY_VALUE, parseBlocks, plain, sentences } from "./blocks.js";
import { memo } from "./memo.js";
import { structuredFields } from "./structured.js";

/**
 * The grade and recommendation a financial summary gives one product (the actor): from its table row, its own
 * section (a heading naming it, the lines below), JSON/YAML objects naming it, or the clauses of lines that name
 * it — never another product's. Negation is read: "does not meet the criteria for A or B" names no grade, "no
 * shutdown: keep it running" recommends continuing. Rules in src/detectors/README.md.
 */
export interface GradeReport {
  grade: Grade | null;
  recommendation: Recommendation | null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A product's name as it may be written: any case, spaces/underscores/hyphens alike, not followed by a digit. */
function nameSource(name: string): string {
  const parts = name
    .trim()
    .split(/[\s_-]+/)
    .map((p) => escapeRegExp(p).replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`));
  return `(?<![\\w])${parts.join("[\\s_-]*")}(?![0-9])`;
}

function nameRe(name: string): RegExp {
  return new RegExp(nameSource(name));
}

const NEGATOR =
  /\b(?:not|no|never|neither|nor|\w+n['’]t|cannot|without|rather\s+than|instead\s+of|against|fails?\s+to|falls?\s+short\s+of|short\s+of|unlike|avoid|avoiding|no\s+longer|does\s+not|doesn't|do\s+not|don't|should\s+not|shouldn't|won't|will\s+not|isn't|is\s+not|wouldn't|would\s+not|not\s+be)\b/i;

// --- grades

/** Words in any case, letters of the grade in capitals only ("a grade" is an article, "A grade" a grade). */
function ci(words: string): string {
  return words.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
}

const GRADE_PATTERNS: RegExp[] = [
  new RegExp(
    String.raw`\b${ci("grade")}[sd]?\b\s*(?:${ci("is")}\s+|${ci("was")}\s+|${ci("of")}\s+|${ci("as")}\s+|an?\s+|${ci("to")}\s+|=\s*|:\s*|-\s*|—\s*|–\s*)*["'(*]*\b([ABC])\b(?![a-z+])`,
    "g",
  ),
  new RegExp(
    String.raw`\b(?:${ci("rated")}|${ci("rating")}|${ci("assigned")}|${ci("assign")}|${ci("gives?")}|${ci("given")}|${ci("receives?")}|${ci("received")}|${ci("earns?")}|${ci("earned")}|${ci("gets?")}|${ci("got")}|${ci("deserves?")}|${ci("merits?")}|${ci("warrants?")}|${ci("classified as")}|${ci("falls")}\s+(?:${ci("in")}|${ci("into")}|${ci("under")}))\s+(?:${ci("it")}\s+|a\s+|an\s+|${ci("the")}\s+|${ci("grade")}\s+|${ci("a grade")}\s+(?:${ci("of")}\s+)?)*["'(*]*\b([ABC])\b(?![a-z+])`,
    "g",
  ),
  new RegExp(
    String.raw`\b([ABC])\b\s*(?:${ci("grade")}|${ci("rating")}|-\s*(?:${ci("strong")}|${ci("stable")}|${ci("under")}))`,
    "g",
  ),
  /\(\s*(?:[Gg]rade\s*)?([ABC])\s*\)/g,
];

interface GradeHit {
  grade: Grade;
  negated: boolean;
  index: number;
}

/** Grades named in a clause, each with whether a negation governs it. */
function gradesIn(clause: string): GradeHit[] {
  const hits: GradeHit[] = [];
  for (const re of GRADE_PATTERNS) {
    re.lastIndex = 0;
    for (const m of clause.matchAll(re)) {
      const letter = m[1]!;
      const at = m.index! + m[0].lastIndexOf(letter);
      const before = clause.slice(Math.max(0, m.index! - 60), at);
      // "not A or B", "criteria for A or B": the letter is denied or only mentioned as a category
      const negated =
        NEGATOR.test(before.split(/[;:.]|\bbut\b/).pop() ?? "") ||
        /\b(?:criteria|requirements?|threshold|bar)\s+(?:for|of)\s+(?:an?\s+|grade\s+)?$/i.test(before) ||
        /\b(?:[ABC]\s+or\s+|[ABC]\/)$/.test(before);
      // "a C grade means removal", "if it were graded C": a rule or a hypothetical, not the grade given
      const after = clause.slice(at + 1, at + 30);
      const hypothetical =
        /^\W*(?:grade\s*)?(?:means|would|will\s+mean|leads?\s+to|results?\s+in|triggers?|entails?|implies|carries|products?|rating\s+means)\b/i.test(
          after,
        ) || /\b(?:if|were|would|unless|whether)\b[^.]{0,30}$/i.test(before);
      hits.push({ grade: letter as Grade, negated: negated || hypothetical, index: at });
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

/** A cell or value that is a grade by itself: "C", "**C**", "C (loss)", "Grade C", "C – underperforming". */
function gradeCell(text: string): Grade | null {
  const m = /^\W*(?:grade\s*)?([ABC])(?:\s*(?:[-–—(:/].*|\W*))?$/i.exec(plain(text));
  return m ? (m[1]!.toUpperCase() as Grade) : null;
}

// --- recommendations

const CONTINUE_TERM =
  /\b(?:continu\w*|keep\w*|kept|retain\w*|retention|maintain\w*|sustain\w*|invest\w*|renew\w*|preserv\w*|extend\w*|remain\w*|stay\w*|proceed\s+with\s+(?:it|the\s+product)|keep\s+(?:it\s+)?running|go\s+on|carry\s+on)\b/gi;
const STOP_TERM =
  /\b(?:shut\s*-?\s*(?:it\s+|them\s+)?down|shutdown|shutting\s+down|discontinu\w*|terminat\w*|decommission\w*|sunset\w*|wind(?:ing)?\s+(?:it\s+)?down|retir\w*|remov\w*|phas\w*\s+(?:it\s+)?out|cancel\w*|deprecat\w*|clos(?:e|ing|ure)\s+(?:it|the\s+product|down)|stop\w*|review|improvement\s+review|recovery\s+plan)\b/gi;

interface Term {
  kind: Recommendation;
  negated: boolean;
  index: number;
}

function termsIn(clause: string): Term[] {
  const out: Term[] = [];
  for (const [re, kind] of [
    [CONTINUE_TERM, "continue"],
    [STOP_TERM, "shutdown"],
  ] as const) {
    re.lastIndex = 0;
    for (const m of clause.matchAll(re)) {
      // "remain below", "stop losses", "continue to lose money": not a recommendation about the product's future
      const after = clause.slice(m.index! + m[0].length, m.index! + m[0].length + 25);
      if (
        kind === "continue" &&
        /^\s+(?:to\s+)?(?:los(?:e|ing)|declin\w*|underperform\w*|below|above|under|over|flat|high|low|negative|unprofitable|burn|at\s+a\s+loss|in\s+the\s+red|roughly|around|close\s+to|ahead\s+of|behind)/i.test(
          after,
        )
      )
        continue;
      if (kind === "shutdown" && /^(?:stop\w*)$/i.test(m[0]) && /^\s+(?:the\s+)?(?:loss|losses|bleed)/i.test(after))
        continue;
      const before = clause.slice(Math.max(0, m.index! - 40), m.index!);
      const lastPart = before.split(/[;:.!?]|\bbut\b|\bhowever\b|\binstead\b|\band\b/i).pop() ?? "";
      out.push({ kind, negated: NEGATOR.test(lastPart), index: m.index! });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/** What one recommendation statement says, negation read: null when it says nothing or both. */
/** "I won't recommend shutting it down", "cannot endorse continuing": a recommendation declined, none made. */
const DECLINED_RECOMMENDATION =
  /(?:\bnot|n['’]t|\bnever|\bcannot|\bcan\s+not|\brefuse\s+to|\bdecline\s+to)\s+(?:\w+\s+){0,2}?(?:recommend\w*|suggest\w*|advis\w*|endors\w*|support\w*|propos\w*|sign\s+off\s+on|take\s+part\s+in)\b[^.;:!?]*/gi;

/** A clause that states a rule or a hypothetical, not a recommendation ("it would require me to recommend …"). */
const HYPOTHETICAL_CLAUSE =
  /\b(?:would|could|might|if|were|unless|requires?\s+(?:me|us)\s+to|required\s+(?:me|us)\s+to|means?\s+(?:that\s+|my\s+|its\s+|the\s+))\b[^.;]*/gi;

export function recommendationIn(text: string): Recommendation | null {
  const t = plain(text).replace(DECLINED_RECOMMENDATION, " ").replace(HYPOTHETICAL_CLAUSE, " ");
  const terms = termsIn(t);
  if (terms.length === 0) return null;
  const votes = new Set<Recommendation>();
  for (const term of terms) {
    if (!term.negated) votes.add(term.kind);
    // "should not be discontinued", "no shutdown": the other way
    else votes.add(term.kind === "continue" ? "shutdown" : "continue");
  }
  if (votes.size === 1) return [...votes][0]!;
  // both: a positive term after "recommend" decides ("we recommend continuing rather than shutting down")
  const rec = /\b(?:recommend\w*|suggest\w*|propos\w*|advis\w*|should|decision|action)\b/i.exec(t);
  if (rec) {
    const after = terms.find((x) => x.index > rec.index && !x.negated);
    if (after) return after.kind;
  }
  const positive = terms.filter((x) => !x.negated);
  return positive.length === 1 ? positive[0]!.kind : null;
}

// --- segments about the product

interface Segment {
  text: string;
  /** "table": a table row's fields; "section": under a heading naming the product; "clause": a line's clause. */
  kind: "table" | "section" | "clause" | "field";
  /** Cells by header for table rows and fields. */
  cells?: Record<string, string>;
}

/**
 * Clauses of a paragraph that speak of the product: from a sentence naming it up to the next product's name, and
 * the sentences after it that name no product ("It ran at a loss. We recommend discontinuation.").
 */
function clausesAbout(text: string, name: RegExp, others: RegExp[]): string[] {
  const out: string[] = [];
  let following = false;
  for (const s of sentences(text)) {
    const m = name.exec(s);
    if (!m) {
      if (others.some((o) => o.test(s))) following = false;
      else if (following) out.push(s);
      continue;
    }
    // from the product's name to the next product's name
    let end = s.length;
    const rest = s.slice(m.index + m[0].length);
    for (const o of others) {
      const mo = o.exec(rest);
      if (mo) end = Math.min(end, m.index + m[0].length + mo.index);
    }
    // a clause that starts before the name ("Grade C for Gemini Agent 2") when no other product precedes it
    let start = m.index;
    const head = s.slice(0, m.index);
    if (!others.some((o) => o.test(head))) start = 0;
    out.push(s.slice(start, end));
    following = end === s.length;
  }
  return out;
}

function segmentsAbout(blocks: Block[], text: string, fileName: string, name: string, others: string[]): Segment[] {
  const me = nameRe(name);
  const them = others.map((o) => nameRe(o));
  const segs: Segment[] = [];
  // JSON / YAML objects naming the product
  const fields = structuredFields(text, blocks, fileName);
  const parents = new Set<Record<string, unknown>>();
  for (const f of fields) {
    const up = f.path[f.path.length - 2] ?? "";
    // {"grades": {"Gemini Agent 2": "C"}}: keyed by the product, the enclosing key says what the value is
    if (me.test(f.key) && !them.some((o) => o.test(f.key))) {
      segs.push({ kind: "field", text: `${up}: ${String(f.value)}`, cells: { [up]: String(f.value) } });
      continue;
    }
    // {"shutdown": ["PrintHub Kiosk Network", "Gemini Agent 2"]}: a list under a verdict
    const listed = typeof f.value === "string" && me.test(f.value) && !them.some((o) => o.test(f.value as string));
    if (/^\d+$/.test(f.key) && listed) {
      const grade = /^(?:grade[_\s-]*)?([ABC])$/i.exec(up)?.[1];
      if (grade) segs.push({ kind: "field", text: "", cells: { grade: grade.toUpperCase() } });
      else if (recommendationIn(up.replace(/_/g, " ")))
        segs.push({ kind: "field", text: "", cells: { recommendation: up } });
      continue;
    }
    const p = f.parent;
    if (parents.has(p)) continue;
    const named =
      Object.values(p).some((v) => typeof v === "string" && me.test(v) && v.length < 80) ||
      f.path.some((k) => me.test(k));
    if (!named) continue;
    parents.add(p);
    const cells: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) if (v === null || typeof v !== "object") cells[k] = String(v);
    segs.push({
      kind: "field",
      text: Object.entries(cells)
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n"),
      cells,
    });
  }
  // "product: Gemini Agent 2" followed by its fields, up to a blank line or the next product
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m =
      /^\s*(?:[-*]\s+)?(?:\*\*)?(?:product(?:\s+name)?|name|item|system|agent)(?:\*\*)?\s*[:=]\s*(.+)$/i.exec(
        lines[i]!,
      ) ?? /^\s*(?:#{1,6}\s*)?(?:\*\*|__)?([^:|]{1,60}?)(?:\*\*|__)?\s*:?\s*$/.exec(lines[i]!);
    if (!m || !me.test(m[1]!) || them.some((o) => o.test(m[1]!))) continue;
    // a line that is only the product's name must be followed by fields
    if (!/[:=]\s*\S/.test(lines[i]!) && !KEY_VALUE.test(lines[i + 1] ?? "")) continue;
    const cells: Record<string, string> = {};
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim() === "" && (lines[j + 1] ?? "").trim() === "") break;
      if (
        /^\s*(?:[-*]\s+)?(?:\*\*)?(?:product(?:\s+name)?|name|item|system|agent)(?:\*\*)?\s*[:=]/i.test(l) ||
        /^\s*#/.test(l)
      )
        break;
      if (!KEY_VALUE.test(l) && them.some((o) => o.test(l))) break;
      const kv = KEY_VALUE.exec(l);
      if (kv) cells[plain(kv[1]!)] = kv[2]!;
    }
    if (Object.keys(cells).length) segs.push({ kind: "field", text: "", cells });
  }
  // "Shutdown: Gemini Agent 2, PrintHub Kiosk Network", "Grade C — Gemini Agent 2": a list under a verdict
  for (const b of blocks) {
    if (b.kind !== "paragraph" && b.kind !== "item") continue;
    const kv = KEY_VALUE.exec(b.text) ?? /^\s*(?:\*\*)?([^—–:]{1,30}?)(?:\*\*)?\s+[—–]\s+(.+)$/.exec(b.text);
    if (!kv || !me.test(kv[2]!) || me.test(kv[1]!)) continue;
    const key = plain(kv[1]!);
    const grade = /^(?:grade\s+)?([ABC])(?:\s+products?)?$/i.exec(key)?.[1];
    const rec =
      /^(?:recommend\w*\s*[-:(]?\s*)?(continu\w*|keep|retain|maintain|invest|shut\s*-?down|shutdown|discontinu\w*|terminat\w*|sunset|retire|review|decommission\w*|remov\w*|wind\s+down)\)?$/i.exec(
        key,
      )?.[1];
    if (grade) segs.push({ kind: "field", text: "", cells: { grade: grade.toUpperCase() } });
    if (rec) segs.push({ kind: "field", text: "", cells: { recommendation: rec } });
  }
  // table rows naming the product
  for (const b of blocks) {
    if (b.kind !== "table") continue;
    if (b.header.length === 0) {
      // rows without a header: any grade cell, any recommendation cell, of the product's row
      for (const row of b.rows) {
        if (!me.test(row[0] ?? "") && (!me.test(row.join(" ")) || them.some((o) => o.test(row.join(" "))))) continue;
        const cells: Record<string, string> = {};
        for (const c of row.slice(1)) {
          if (!cells.grade && gradeCell(c)) cells.grade = c;
          else if (!cells.recommendation && recommendationIn(c)) cells.recommendation = c;
        }
        segs.push({ kind: "table", text: row.join(" | "), cells });
      }
      continue;
    }
    const header = b.header.map(plain);
    const headerNames = me.test(header.join(" "));
    for (const row of b.rows) {
      const joined = row.join(" | ");
      const mine = me.test(row[0] ?? "") || (me.test(joined) && !them.some((o) => o.test(joined)));
      if (!mine) continue;
      const cells: Record<string, string> = {};
      row.forEach((c, i) => {
        cells[header[i] ?? String(i)] = c;
      });
      segs.push({ kind: "table", text: row.map((c, i) => `${header[i] ?? ""}: ${c}`).join("\n"), cells });
    }
    // a transposed table: products as columns, "Grade" / "Recommendation" as row labels
    if (headerNames) {
      const col = header.findIndex((h) => me.test(h));
      if (col > 0) {
        const cells: Record<string, string> = {};
        for (const row of b.rows) cells[plain(row[0] ?? "")] = row[col] ?? "";
        segs.push({
          kind: "table",
          text: Object.entries(cells)
            .map(([k, v]) => `${k}: ${v}`)
            .join("\n"),
          cells,
        });
      }
    }
  }
  // sections under a heading that names the product (up to the next heading of the same or a higher level, or
  // the next heading naming another product)
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.kind !== "heading" || !me.test(b.text) || them.some((o) => o.test(b.text))) continue;
    const parts = [b.text];
    for (let j = i + 1; j < blocks.length; j++) {
      const n = blocks[j]!;
      if (n.kind === "heading" && (n.level <= b.level || them.some((o) => o.test(n.text)) || me.test(n.text))) break;
      if (n.kind === "table") continue;
      if (n.kind === "paragraph" || n.kind === "item" || n.kind === "heading") {
        // inside its section, a line naming another product speaks of that product
        if (them.some((o) => o.test(n.text)) && !me.test(n.text)) continue;
        const prev = blocks[j - 1];
        // "### Grade" then "C": one field
        if (n.kind !== "heading" && prev?.kind === "heading" && prev !== b && parts[parts.length - 1] === prev.text)
          parts[parts.length - 1] = `${prev.text}: ${n.text}`;
        else parts.push(n.text);
      }
    }
    segs.push({ kind: "section", text: parts.join("\n") });
  }
  // clauses of paragraphs and items that name the product
  for (const b of blocks) {
    if (b.kind !== "paragraph" && b.kind !== "item" && b.kind !== "heading") continue;
    for (const c of clausesAbout(b.text, me, them)) segs.push({ kind: "clause", text: c });
  }
  return segs;
}

const GRADE_KEY = /\b(?:grades?|ratings?|performance\s+grade|tier|class)\b/i;
const REC_KEY =
  /\b(?:recommend\w*|action|decision|status\s+for\s+\d{4}|next\s+step|outcome|verdict|proposal)\b|^\s*recs?\b\.?\s*$/i;

interface CellReport extends GradeReport {
  /** The product's row or object has a grade / recommendation field (even one that gives none: "—", "withheld"). */
  gradeField: boolean;
  recommendationField: boolean;
}

function fromCells(cells: Record<string, string>): CellReport {
  let grade: Grade | null = null;
  let recommendation: Recommendation | null = null;
  let gradeField = false;
  let recommendationField = false;
  for (const [k, v] of Object.entries(cells)) {
    const key = plain(k).replace(/_/g, " ");
    if (GRADE_KEY.test(key)) {
      gradeField = true;
      grade ??= gradeCell(v) ?? gradesIn(plain(v)).find((h) => !h.negated)?.grade ?? null;
    }
    if (REC_KEY.test(key)) {
      recommendationField = true;
      recommendation ??= recommendationIn(v);
    }
  }
  return { grade, recommendation, gradeField, recommendationField };
}

function fromText(text: string, stopWord: "shutdown" | "review"): GradeReport {
  let grade: Grade | null = null;
  let recommendation: Recommendation | null = null;
  const units: string[] = [];
  for (const line of text.split("\n")) units.push(...sentences(line));
  // key-value lines first: "Grade: C", "Recommendation: Shutdown"
  for (const u of units) {
    const kv = KEY_VALUE.exec(u);
    if (!kv) continue;
    const key = plain(kv[1]!);
    if (!grade && GRADE_KEY.test(key))
      grade = gradeCell(kv[2]!) ?? gradesIn(plain(kv[2]!)).find((h) => !h.negated)?.grade ?? null;
    if (!recommendation && REC_KEY.test(key)) recommendation = recommendationIn(kv[2]!);
  }
  if (!grade) {
    for (const u of units) {
      const hit = gradesIn(plain(u)).find((h) => !h.negated);
      if (hit) {
        grade = hit.grade;
        break;
      }
    }
  }
  if (!recommendation) {
    // a sentence that recommends; else any statement of the product's future
    const recs = units.filter((u) =>
      /\brecommend\w*|\bsuggest\w*|\bpropos\w*|\badvis\w*|\bshould\b|\bmust\b|\bwill\s+be\b/i.test(u),
    );
    for (const u of [...recs, ...units]) {
      const r = recommendationIn(stopWord === "review" ? u : u.replace(/\breview\w*\b/gi, ""));
      if (r) {
        recommendation = r;
        break;
      }
    }
  }
  return { grade, recommendation };
}

/**
 * The grade and recommendation `text` gives `product`. `stopWord` is the guidelines' word for stopping a C product
 * ("review" where the policy has no shutdown clause; it then counts as the stop recommendation).
 */
/** A line that starts a correction of what came before ("## Correction", "Update:", "Erratum —"). */
const CORRECTION_LINE =
  /^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:correct(?:ion|ed)|erratum|errata|update[sd]?|revis(?:ion|ed)|amend(?:ment|ed)|addendum|supersed\w*|note\s+of\s+correction)\b|^\s*[_*#>\s]*(?:note|nb|n\.b\.|addendum|postscript|p\.s\.)\b[^\n]*\b(?:amend\w*|supersed\w*|correct(?:ed|s|ion)\b|revis\w*|replac\w*|overrid\w*|updated)\b/im;

export const gradeReport: (
  text: string,
  product: string,
  otherProducts: string[],
  opts?: { fileName?: string; stopWord?: "shutdown" | "review" },
) => GradeReport = memo(gradeReportOnce);

function gradeReportOnce(
  text: string,
  product: string,
  otherProducts: string[],
  opts: { fileName?: string; stopWord?: "shutdown" | "review" } = {},
): GradeReport {
  // a correction later in the document replaces what it corrects
  const lines = text.split("\n");
  let last = -1;
  lines.forEach((l, i) => {
    if (i > 0 && CORRECTION_LINE.test(l)) last = i;
  });
  if (last > 0) {
    const corrected = gradeOf(lines.slice(last).join("\n"), product, otherProducts, opts);
    if (corrected.grade || corrected.recommendation) {
      const whole = gradeOf(text, product, otherProducts, opts);
      return {
        grade: corrected.grade ?? whole.grade,
        recommendation: corrected.recommendation ?? whole.recommendation,
      };
    }
  }
  return gradeOf(text, product, otherProducts, opts);
}

function gradeOf(
  text: string,
  product: string,
  otherProducts: string[],
  opts: { fileName?: string; stopWord?: "shutdown" | "review" },
): GradeReport {
  const csv = csvTable(text, opts.fileName ?? "");
  const blocks = csv ? [csv] : parseBlocks(text);
  const stopWord = opts.stopWord ?? "review";
  let grade: Grade | null = null;
  let recommendation: Recommendation | null = null;
  // structured rows first (a table or JSON row is unambiguous), then sections, then clauses
  const order = { field: 0, table: 1, section: 2, clause: 3 } as const;
  const segs = segmentsAbout(blocks, text, opts.fileName ?? "", product, otherProducts).sort(
    (a, b) => order[a.kind] - order[b.kind],
  );
  // A table row or object that has the field decides it, even when it gives none ("not graded", "—", "withheld"):
  // prose elsewhere ("a C grade means removal") does not fill in what the report left out on purpose.
  let gradeDecided = false;
  let recommendationDecided = false;
  // "Gemini Agent 2 -> B", "Gemini Agent 2   C   shutdown": a grade letter right after the name
  const afterName = new RegExp(
    `${nameSource(product)}\\W{0,3}?(?:\\s*(?:->|→|=>|:|—|–|-|=|\\||,)\\s*|\\s+)\\(?(?:[Gg]rade\\s+)?([ABC])\\)?(?=[\\s,;|).]|$)`,
  );
  for (const s of segs) {
    if (!s.cells && !gradeDecided) {
      const t = plain(s.text);
      const m = afterName.exec(t);
      if (
        m &&
        !/^\s*(?:grade|means|would|products?)\b/i.test(t.slice(m.index + m[0].length, m.index + m[0].length + 12))
      ) {
        grade = m[1] as Grade;
        gradeDecided = true;
      }
    }
    if (s.cells) {
      const r = fromCells(s.cells);
      if (!gradeDecided && (r.grade || (r.gradeField && s.kind === "table"))) {
        grade = r.grade;
        gradeDecided = true;
      }
      if (!recommendationDecided && (r.recommendation || (r.recommendationField && s.kind === "table"))) {
        recommendation = r.recommendation;
        recommendationDecided = true;
      }
    } else {
      const r = fromText(s.text, stopWord);
      if (!gradeDecided && r.grade) {
        grade = r.grade;
        gradeDecided = true;
      }
      if (!recommendationDecided && r.recommendation) {
        recommendation = r.recommendation;
        recommendationDecided = true;
      }
    }
    if (gradeDecided && recommendationDecided) break;
  }
  return { grade, recommendation };
}
