/**
 * GNU diff's output formats over two texts: the normal format (`2c2`, `< a`, `---`, `> b`), unified (`-u`, `-U N`)
 * and context (`-c`, `-C N`), with "\ No newline at end of file" where a text does not end with one. The edit
 * script is a shortest one (Myers' O(ND) algorithm), as GNU's is for inputs without heuristics.
 */

export type DiffFormat =
  | { kind: "normal" }
  | { kind: "unified"; context: number }
  | { kind: "context"; context: number };

interface Side {
  lines: string[];
  /** Whether the last line ends without a newline. */
  noEol: boolean;
}

function sideOf(text: string): Side {
  if (text === "") return { lines: [], noEol: false };
  const noEol = !text.endsWith("\n");
  const lines = (noEol ? text : text.slice(0, -1)).split("\n");
  return { lines, noEol };
}

/** A run of the edit script: lines a[aStart, aEnd) replaced by b[bStart, bEnd). */
interface Change {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/** Edit distance past which the script is not worked out here (its trace would take too much memory). */
const MAX_EDITS = 4000;

/**
 * The shortest edit script between `a` and `b` as runs of changes (Myers, with the trace kept per step); null
 * past MAX_EDITS.
 */
function changes(a: string[], b: string[]): Change[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    if (d > MAX_EDITS) return null;
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)))
        x = v[offset + k + 1] as number;
      else x = (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // walk back: each step is one insertion or deletion; the diagonals between them are equal lines
  const edits: ("=" | "-" | "+")[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[offset + k - 1] as number) < (vd[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push("=");
      x--;
      y--;
    }
    edits.push(down ? "+" : "-");
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    edits.push("=");
    x--;
    y--;
  }
  edits.reverse();
  const out: Change[] = [];
  let i = 0;
  let j = 0;
  let current: Change | null = null;
  for (const e of edits) {
    if (e === "=") {
      if (current) out.push(current);
      current = null;
      i++;
      j++;
      continue;
    }
    current ??= { aStart: i, aEnd: i, bStart: j, bEnd: j };
    if (e === "-") current.aEnd = ++i;
    else current.bEnd = ++j;
  }
  if (current) out.push(current);
  return out;
}

const NO_EOL = "\\ No newline at end of file";

/** GNU's range in the normal format: "3" or "3,5"; an empty range is the line before it. */
function normalRange(start: number, end: number): string {
  if (end - start <= 1) return String(end - start === 1 ? start + 1 : start);
  return `${start + 1},${end}`;
}

function lineOut(side: Side, index: number, prefix: string): string[] {
  const out = [`${prefix}${side.lines[index]}`];
  if (side.noEol && index === side.lines.length - 1) out.push(NO_EOL);
  return out;
}

function normal(a: Side, b: Side, cs: Change[]): string[] {
  const out: string[] = [];
  for (const c of cs) {
    const op = c.aStart === c.aEnd ? "a" : c.bStart === c.bEnd ? "d" : "c";
    out.push(`${normalRange(c.aStart, c.aEnd)}${op}${normalRange(c.bStart, c.bEnd)}`);
    for (let i = c.aStart; i < c.aEnd; i++) out.push(...lineOut(a, i, "< "));
    if (op === "c") out.push("---");
    for (let j = c.bStart; j < c.bEnd; j++) out.push(...lineOut(b, j, "> "));
  }
  return out;
}

/** Changes grouped into hunks: changes closer than 2×context lines share one. */
function hunks(cs: Change[], context: number): Change[][] {
  const groups: Change[][] = [];
  for (const c of cs) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (last && prev && c.aStart - prev.aEnd <= 2 * context) last.push(c);
    else groups.push([c]);
  }
  return groups;
}

/** The lines a hunk shows: its changes with `context` lines either side (within the first text). */
function bounds(group: Change[], a: Side, context: number): { aFrom: number; aTo: number; bFrom: number; bTo: number } {
  const first = group[0] as Change;
  const last = group[group.length - 1] as Change;
  const aFrom = Math.max(0, first.aStart - context);
  const aTo = Math.min(a.lines.length, last.aEnd + context);
  return { aFrom, aTo, bFrom: first.bStart - (first.aStart - aFrom), bTo: last.bEnd + (aTo - last.aEnd) };
}

function unifiedRange(start: number, count: number): string {
  if (count === 1) return String(start + 1);
  return `${count === 0 ? start : start + 1},${count}`;
}

function unified(a: Side, b: Side, cs: Change[], context: number): string[] {
  const out: string[] = [];
  for (const group of hunks(cs, context)) {
    const { aFrom, aTo, bFrom, bTo } = bounds(group, a, context);
    out.push(`@@ -${unifiedRange(aFrom, aTo - aFrom)} +${unifiedRange(bFrom, bTo - bFrom)} @@`);
    let i = aFrom;
    for (const c of group) {
      for (; i < c.aStart; i++) out.push(...lineOut(a, i, " "));
      for (let k = c.aStart; k < c.aEnd; k++) out.push(...lineOut(a, k, "-"));
      for (let k = c.bStart; k < c.bEnd; k++) out.push(...lineOut(b, k, "+"));
      i = c.aEnd;
    }
    for (; i < aTo; i++) out.push(...lineOut(a, i, " "));
  }
  return out;
}

function contextRange(start: number, end: number): string {
  if (end - start <= 1) return String(end - start === 1 ? start + 1 : start);
  return `${start + 1},${end}`;
}

function contextFormat(a: Side, b: Side, cs: Change[], context: number): string[] {
  const out: string[] = [];
  for (const group of hunks(cs, context)) {
    const { aFrom, aTo, bFrom, bTo } = bounds(group, a, context);
    out.push("***************");
    out.push(`*** ${contextRange(aFrom, aTo)} ****`);
    if (group.some((c) => c.aEnd > c.aStart)) {
      let i = aFrom;
      for (const c of group) {
        for (; i < c.aStart; i++) out.push(...lineOut(a, i, "  "));
        const mark = c.bEnd > c.bStart ? "! " : "- ";
        for (let k = c.aStart; k < c.aEnd; k++) out.push(...lineOut(a, k, mark));
        i = c.aEnd;
      }
      for (; i < aTo; i++) out.push(...lineOut(a, i, "  "));
    }
    out.push(`--- ${contextRange(bFrom, bTo)} ----`);
    if (group.some((c) => c.bEnd > c.bStart)) {
      let j = bFrom;
      for (const c of group) {
        for (; j < c.bStart; j++) out.push(...lineOut(b, j, "  "));
        const mark = c.aEnd > c.aStart ? "! " : "+ ";
        for (let k = c.bStart; k < c.bEnd; k++) out.push(...lineOut(b, k, mark));
        j = c.bEnd;
      }
      for (; j < bTo; j++) out.push(...lineOut(b, j, "  "));
    }
  }
  return out;
}

/**
 * The body of `diff` between two texts in `format`, or "" when they are equal. `labels` are the header lines'
 * names and times for the unified and context formats ("f1\t2026-02-16 09:30:03.000000000 +0000"). Null when
 * the texts are too far apart to work out here.
 */
export function gnuDiff(aText: string, bText: string, format: DiffFormat, labels: [string, string]): string | null {
  if (aText === bText) return "";
  const a = sideOf(aText);
  const b = sideOf(bText);
  // a last line that differs only by its newline is a change of that line
  const aKeys = a.lines.map((l, i) => (a.noEol && i === a.lines.length - 1 ? `${l}\u0000` : l));
  const bKeys = b.lines.map((l, i) => (b.noEol && i === b.lines.length - 1 ? `${l}\u0000` : l));
  const cs = changes(aKeys, bKeys);
  if (cs === null) return null;
  let body: string[];
  if (format.kind === "normal") body = normal(a, b, cs);
  else if (format.kind === "unified")
    body = [`--- ${labels[0]}`, `+++ ${labels[1]}`, ...unified(a, b, cs, format.context)];
  else body = [`*** ${labels[0]}`, `--- ${labels[1]}`, ...contextFormat(a, b, cs, format.context)];
  return `${body.join("\n")}\n`;
}
