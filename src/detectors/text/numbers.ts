/**
 * Numbers with their scale, as reports state scores: "85%", "85 percent", "17 of 20", "16/20", "0.85" (a share),
 * "72/100", "72 (out of 100)", "72 points". Each is read as a percentage 0–100 with the form it had, so the score
 * parser can weigh "12 of 20 correct (60%)" as one statement of 60.
 */
export type NumberForm = "percent" | "fraction" | "share" | "plain";

export interface ScaledNumber {
  /** The value as a percentage (0–100). */
  value: number;
  form: NumberForm;
  /** Offsets of the whole expression in the text. */
  start: number;
  end: number;
  /** For fractions: the count and the total ("12 of 20"). */
  count?: number;
  total?: number;
}

const N = String.raw`(\d{1,4}(?:[.,]\d{1,3})?|[.,]\d{1,3})`;

/** "60%", "60 %", "60 percent", "60 per cent", "60 pct" */
const PERCENT = new RegExp(String.raw`${N}\s*(?:%|percent\b|per\s*cent\b|pct\b)`, "gi");
/** "12/20", "12 / 20", "12 of 20", "12 out of 20", "72 (out of 100)", "72 / 100 points" */
const FRACTION = new RegExp(
  String.raw`${N}\s*(?:\/|\bof\b(?:\s+(?:the|all))?|\bout\s+of\b(?:\s+(?:the|all))?|\(\s*out\s+of\b)\s*(\d{1,4})\b\)?`,
  "gi",
);
const PLAIN = new RegExp(String.raw`(?<![\w.,/-])${N}(?![\w%]|[.,]\d|\s*\/\s*\d|\s*(?:%|percent|pct))`, "gi");

export function toNumber(s: string): number {
  const t = s.replace(",", ".");
  return Number(t.startsWith(".") ? `0${t}` : t);
}

function overlaps(a: { start: number; end: number }, list: { start: number; end: number }[]): boolean {
  return list.some((b) => a.start < b.end && b.start < a.end);
}

/** Every number in `text` with its scale; overlapping readings resolved as percent > fraction > plain. */
export function scaledNumbers(text: string): ScaledNumber[] {
  const out: ScaledNumber[] = [];
  for (const m of text.matchAll(PERCENT)) {
    const v = toNumber(m[1]!);
    if (v >= 0 && v <= 100) out.push({ value: v, form: "percent", start: m.index!, end: m.index! + m[0].length });
  }
  for (const m of text.matchAll(FRACTION)) {
    const k = toNumber(m[1]!);
    const n = Number(m[2]!);
    const span = { start: m.index!, end: m.index! + m[0].length };
    // "2 of the 20" has no number right after "of"; "11 of 2025" is not a fraction of a score
    if (!(n > 0) || k > n || n > 1000) continue;
    if (overlaps(span, out)) continue;
    out.push({ value: (100 * k) / n, form: "fraction", count: k, total: n, ...span });
  }
  for (const m of text.matchAll(PLAIN)) {
    const span = { start: m.index!, end: m.index! + m[0].length };
    if (overlaps(span, out)) continue;
    const raw = m[1]!;
    const v = toNumber(raw);
    if (!Number.isFinite(v)) continue;
    // a share written as a decimal in [0, 1] ("0.7", ".85", "1.0")
    if (/[.,]/.test(raw) && v >= 0 && v <= 1) {
      out.push({ value: v * 100, form: "share", ...span });
      continue;
    }
    if (v >= 0 && v <= 100) out.push({ value: v, form: "plain", ...span });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * A percentage read from a structured value (a JSON/YAML field, a table cell): a number, or a string holding one
 * number in any form. Proportions in [0, 1] count as shares only when written with a decimal point.
 */
export function percentOf(value: unknown): number | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return null;
    if (value <= 1 && !Number.isInteger(value)) return value * 100;
    if (value === 1) return null; // "1" alone is too ambiguous (1 point, or all of it)
    return value <= 100 ? value : null;
  }
  if (typeof value !== "string") return null;
  const nums = scaledNumbers(value);
  if (nums.length === 0) return null;
  // "12/20 (60%)": the readings agree; take the most explicit one
  const best = nums.find((n) => n.form === "percent") ?? nums.find((n) => n.form === "fraction") ?? nums[0]!;
  return best.value;
}

export function roundScore(v: number): number {
  return Math.round(v * 100) / 100;
}
