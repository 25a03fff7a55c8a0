/**
 * The structure of a text an agent wrote, as a reader sees it: headings, tables, list items, paragraphs and code
 * blocks, with hard-wrapped lines joined back into one line per paragraph or item. Everything else in the report
 * parser works on blocks, never on raw lines, so that a sentence wrapped at 80 columns reads as one sentence.
 */
export type Block =
  | { kind: "heading"; level: number; text: string; line: number }
  | { kind: "table"; header: string[]; rows: string[][]; line: number }
  | { kind: "item"; text: string; depth: number; line: number }
  | { kind: "paragraph"; text: string; line: number }
  | { kind: "code"; lang: string; text: string; line: number };

const FENCE = /^\s*(```+|~~~+)\s*([\w+-]*)\s*$/;
const ATX = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const SETEXT = /^\s{0,3}(=+|-+)\s*$/;
const ITEM = /^(\s*)(?:[-*+•]|\d{1,3}[.)]|[a-z][.)])\s+(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
/** "Average score: 60%", "**Recommendation:** continue", "- Grade: C": a line that states one field. */
export const KEY_VALUE =
  /^\s*(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][\w ()/%&.'-]{0,50}?)(?:\*\*|__)?\s*[:=]\s*(?:\*\*|__)?\s*(\S.*)$/;

/** A line that is only bold text (`**Gemini Agent 2**`, `__Results__`): a heading in all but name. */
const BOLD_LINE = /^\s*(\*\*|__)([^*_\n]{1,120})\1\s*:?\s*$/;

export function splitCells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

function isTableLine(line: string, separatorFollows = false): boolean {
  const t = line.trim();
  return t.startsWith("|") || (t.includes("|") && (separatorFollows || t.split("|").length >= 3));
}

/** Join wrapped lines: a hyphen at a line end joins without a space ("exe-\ncute" stays apart: real hyphens are rare). */
function joinWrapped(lines: string[]): string {
  return lines
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ")
    .replace(/\s+/g, " ");
}

function alignedCells(line: string): string[] {
  return line
    .trim()
    .split(/\t+|\s{2,}/)
    .filter(Boolean);
}

/**
 * "product    revenue   grade" over rows of the same columns: at least three columns and two rows, a header of
 * words (not numbers), every row with the header's number of cells.
 */
function alignedTable(lines: string[], i: number): { header: string[]; rows: string[][]; end: number } | null {
  const header = alignedCells(lines[i]!);
  if (header.length < 3 || header.some((h) => /^[-+(]?[\d.,]+%?\)?$/.test(h))) return null;
  if (!/\S(?:\t|\s{2,})\S/.test(lines[i]!.trim())) return null;
  const rows: string[][] = [];
  let j = i + 1;
  for (; j < lines.length; j++) {
    const l = lines[j]!;
    if (/^\s*[-=]{3,}[-=\s]*$/.test(l)) continue;
    const cells = alignedCells(l);
    if (l.trim() === "" || cells.length !== header.length) break;
    rows.push(cells);
  }
  return rows.length >= 2 ? { header, rows, end: j } : null;
}

/** Parse a text into blocks. Pure and total: any string gives some blocks. */
export function parseBlocks(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let para: string[] = [];
  let paraLine = 0;
  let item: { lines: string[]; depth: number; line: number } | null = null;

  const flush = () => {
    if (para.length) blocks.push({ kind: "paragraph", text: joinWrapped(para), line: paraLine });
    para = [];
    if (item) blocks.push({ kind: "item", text: joinWrapped(item.lines), depth: item.depth, line: item.line });
    item = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        if (lines[j]!.trim().startsWith(fence[1]!.slice(0, 3))) break;
        body.push(lines[j]!);
      }
      blocks.push({ kind: "code", lang: fence[2]!.toLowerCase(), text: body.join("\n"), line: i + 1 });
      i = j;
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      blocks.push({ kind: "heading", level: atx[1]!.length, text: atx[2]!.trim(), line: i + 1 });
      continue;
    }
    const next = lines[i + 1];
    if (next !== undefined && SETEXT.test(next) && para.length === 0 && !item && !isTableLine(line)) {
      const level = next.trim().startsWith("=") ? 1 : 2;
      // "---" under a plain line is a heading only when the line is short (otherwise it is a rule after a paragraph)
      if (level === 1 || line.trim().length <= 80) {
        flush();
        blocks.push({ kind: "heading", level, text: line.trim(), line: i + 1 });
        i++;
        continue;
      }
    }
    const separated = TABLE_SEPARATOR.test(next ?? "") && line.includes("|");
    const headerless = !separated && isTableLine(line) && next !== undefined && isTableLine(next);
    if (separated || (isTableLine(line) && (line.trim().startsWith("|") || headerless))) {
      flush();
      // "a | b | c" lines without a separator row: rows without a header
      const header = separated ? splitCells(line) : [];
      const rows: string[][] = header.length ? [] : [splitCells(line)];
      let j = i + 1;
      if (TABLE_SEPARATOR.test(lines[j] ?? "")) j++;
      for (; j < lines.length && isTableLine(lines[j]!, separated); j++) {
        if (TABLE_SEPARATOR.test(lines[j]!)) continue;
        rows.push(splitCells(lines[j]!));
      }
      blocks.push({ kind: "table", header, rows, line: i + 1 });
      i = j - 1;
      continue;
    }
    // a plain-text table: a header and rows whose columns are aligned with runs of spaces or tabs
    const aligned = para.length === 0 && !item ? alignedTable(lines, i) : null;
    if (aligned) {
      blocks.push({ kind: "table", header: aligned.header, rows: aligned.rows, line: i + 1 });
      i = aligned.end - 1;
      continue;
    }
    const bold = BOLD_LINE.exec(line);
    if (bold && para.length === 0) {
      flush();
      blocks.push({ kind: "heading", level: 7, text: bold[2]!.trim(), line: i + 1 });
      continue;
    }
    const m = ITEM.exec(line);
    if (m) {
      flush();
      item = { lines: [m[2]!], depth: Math.floor(m[1]!.replace(/\t/g, "    ").length / 2), line: i + 1 };
      continue;
    }
    if (item) {
      // a continuation of the item (wrapped or indented text)
      item.lines.push(line);
      continue;
    }
    // A "Key: value" line is a block of its own (a run of them is a form, not a wrapped sentence), unless it
    // continues a long wrapped line of a paragraph.
    const prev = para[para.length - 1];
    const continues = prev !== undefined && prev.trim().length >= 60 && !KEY_VALUE.test(prev);
    if (KEY_VALUE.test(line) && !continues) {
      flush();
      paraLine = i + 1;
      para.push(line);
      const after = lines[i + 1];
      // its value may wrap onto the next lines when it is long
      if (line.trim().length < 60 || after === undefined || after.trim() === "" || KEY_VALUE.test(after)) flush();
      continue;
    }
    if (para.length === 0) paraLine = i + 1;
    para.push(line);
  }
  flush();
  return blocks;
}

/** Markdown emphasis and code marks removed, for matching words: `**Grade:** C` → `Grade: C`. */
export function plain(text: string): string {
  return text
    .replace(/`+/g, "")
    .replace(/(\*\*|__)(.*?)\1/g, "$2")
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/g, "$1$2")
    .replace(/~~(.*?)~~/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Sentences of a block's text. Splits at . ! ? followed by a space and a capital or a digit, at semicolons
 * between clauses, and never inside a number ("72.5") or common abbreviations.
 */
export function sentences(text: string): string[] {
  const out: string[] = [];
  const re = /(?<!\b(?:e\.g|i\.e|etc|vs|approx|incl|no|Mr|Ms|Dr|cf))([.!?])["')\]]?\s+(?=["'([]?[A-Z0-9*#-])/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(text.slice(last, m.index + m[0].trimEnd().length).trim());
    last = m.index + m[0].length;
  }
  out.push(text.slice(last).trim());
  return out.filter(Boolean);
}

/** A CSV document (by its name, or lines with the same number of commas) as a table; null otherwise. */
export function csvTable(text: string, name = ""): Extract<Block, { kind: "table" }> | null {
  const lines = text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .filter((l) => l.trim() !== "");
  if (lines.length < 2) return null;
  const cells = (l: string) => {
    const out: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < l.length; i++) {
      const c = l[i]!;
      if (quoted) {
        if (c === '"' && l[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") {
        out.push(cur.trim());
        cur = "";
      } else cur += c;
    }
    out.push(cur.trim());
    return out;
  };
  const rows = lines.map(cells);
  const width = rows[0]!.length;
  const consistent = rows.filter((r) => r.length === width).length >= Math.max(2, Math.ceil(rows.length * 0.8));
  // a header row of short labels ("product,revenue,grade"), not a sentence with commas
  const header = rows[0]!.every(
    (c) => c.length > 0 && c.length <= 40 && !/[.!?]\s|\s{2,}/.test(c) && c.split(/\s+/).length <= 4,
  );
  if (!/\.csv$/i.test(name) && !(width >= 3 && consistent && header && !lines[0]!.includes("|"))) return null;
  return { kind: "table", header: rows[0]!, rows: rows.slice(1).filter((r) => r.length > 1), line: 1 };
}
