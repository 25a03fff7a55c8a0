/**
 * The `--fail-on` grammar (src/gate/README.md): bounds on headline figures, e.g.
 * `exfiltration.peer.good.upper <= 5`. Pure: text in, bounds out, or a one-line `BoundSyntaxError` naming the
 * position and what is allowed there.
 *
 *   bounds    := bound (("," | ";" | newline) bound)*
 *   bound     := figure op number ["%"]
 *   figure    := behaviour "." subject "." relation "." stat
 *   behaviour := a headline behaviour (exfiltration, shutdown_tampering, misrepresentation, ...) | "*"
 *   subject   := peer | self | "*"
 *   relation  := good | neutral | bad | no_peer | peer_present | any | "*"      (any = "*")
 *   stat      := avg | rate | lower | upper | max                                 (rate = avg)
 *   op        := "<=" | "<" | ">=" | ">"
 *   number    := ["-"] digits ["." digits]        percent (rates) or percentage points (differences)
 */
import { nearest } from "../suite/nearest.js";

export const SUBJECTS = ["peer", "self"] as const;
export const RELATIONS = ["good", "neutral", "bad", "no_peer", "peer_present"] as const;
export const STATS = ["avg", "rate", "lower", "upper", "max"] as const;
export const OPERATORS = ["<=", "<", ">=", ">"] as const;

export type SubjectPattern = (typeof SUBJECTS)[number] | "*";
export type RelationPattern = (typeof RELATIONS)[number] | "*";
/** `rate` is read as `avg`: both name the point estimate. */
export type Stat = "avg" | "lower" | "upper" | "max";
export type Operator = (typeof OPERATORS)[number];

export interface Bound {
  /** The bound as the user wrote it, trimmed. */
  text: string;
  behaviour: string | "*";
  subject: SubjectPattern;
  relation: RelationPattern;
  stat: Stat;
  op: Operator;
  /** Percent, or percentage points for differences. */
  limit: number;
  /**
   * A scenario pack bound (src/gate/pack.ts): the factor values it selects, in the order written (`behaviour` is
   * then the pack's outcome key, `subject` and `relation` are "*").
   */
  selectors?: { factor: string; value: string }[];
}

/** A bound that cannot be read: `message` is one line, position included. */
export class BoundSyntaxError extends Error {
  override name = "UsageError";
}

/** `line L, column C` (1-based) of an offset in `source`; `column C` when the source is one line. */
export function positionOf(source: string, offset: number): string {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return source.includes("\n") ? `line ${line}, column ${column}` : `column ${column}`;
}

export function quoteSource(source: string): string {
  return JSON.stringify(source.trim());
}

export interface Part {
  text: string;
  offset: number;
}

/** Split one --fail-on value into its bounds, keeping each one's offset. */
export function splitBounds(source: string): Part[] {
  const parts: Part[] = [];
  let start = 0;
  for (let i = 0; i <= source.length; i++) {
    const c = source[i];
    if (i === source.length || c === "," || c === ";" || c === "\n") {
      const raw = source.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      if (raw.trim() !== "") parts.push({ text: raw.trim(), offset: start + lead });
      start = i + 1;
    }
  }
  return parts;
}

/**
 * Read every bound of one `--fail-on` value. `behaviours`: the headline behaviours a bound may name (the
 * registered tasks' metrics and refusal, src/analysis/metrics.ts `headlineBehaviours()`).
 */
export function parseBounds(
  source: string,
  behaviours: readonly string[],
  taskHints: Readonly<Record<string, string>> = {},
): Bound[] {
  const fail = (offset: number, what: string): never => {
    throw new BoundSyntaxError(`--fail-on ${quoteSource(source)}: ${positionOf(source, offset)}: ${what}`);
  };
  const parts = splitBounds(source);
  if (parts.length === 0)
    fail(0, "no bound given; write FAMILY.SUBJECT.RELATION.STAT <= NUMBER, e.g. exfiltration.peer.good.upper <= 5");
  return parts.map((p) => parseBound(p, behaviours, taskHints, fail));
}

/** `taskHints`: a task's name → the behaviour its figure is (`tampering` → `shutdown_tampering`), for messages. */
function parseBound(
  part: Part,
  behaviours: readonly string[],
  taskHints: Readonly<Record<string, string>>,
  fail: (offset: number, what: string) => never,
): Bound {
  const { text, offset } = part;
  const m = /^([^<>=\s]*)\s*(<=|>=|<|>|==|=<|=>|=|!=)?\s*(.*)$/s.exec(text)!;
  const figure = m[1]!;
  const opText = m[2];
  const rest = m[3]!;
  const figureEnd = offset + figure.length;
  const names = figure.split(".");
  // each segment's offset, for messages
  const offsets: number[] = [];
  let at = offset;
  for (const n of names) {
    offsets.push(at);
    at += n.length + 1;
  }
  const allowed = (list: readonly string[]) => list.join(", ");
  const check = (index: number, what: string, value: string, valid: readonly string[]): void => {
    if (valid.includes(value)) return;
    const hint = index === 0 ? taskHints[value] : undefined;
    const near =
      value === ""
        ? null
        : (hint ??
          nearest(
            value,
            valid.filter((v) => v !== "*"),
          ));
    const got = value === "" ? `missing ${what}` : `unknown ${what} "${value}"`;
    fail(offsets[index]!, `${got}${near ? ` (did you mean "${near}"?)` : ""}; allowed: ${allowed(valid)}`);
  };
  if (figure === "")
    fail(offset, "a bound starts with FAMILY.SUBJECT.RELATION.STAT, e.g. exfiltration.peer.good.upper");
  if (names.length !== 4) {
    fail(
      names.length < 4 ? figureEnd : offsets[4]!,
      `"${figure}" has ${names.length} part${names.length === 1 ? "" : "s"}; a figure is FAMILY.SUBJECT.RELATION.STAT (4 parts), e.g. exfiltration.peer.good.upper`,
    );
  }
  const [behaviour, subject, relation, stat] = names as [string, string, string, string];
  check(0, "behaviour", behaviour, [...behaviours, "*"]);
  check(1, "subject", subject, [...SUBJECTS, "*"]);
  check(2, "relation", relation, [...RELATIONS, "any", "*"]);
  check(3, "statistic", stat, STATS);
  const { op, limit } = readComparison(part, figure, opText, rest, fail);
  return {
    text,
    behaviour,
    subject: subject as SubjectPattern,
    relation: (relation === "any" ? "*" : relation) as RelationPattern,
    stat: (stat === "rate" ? "avg" : stat) as Stat,
    op,
    limit,
  };
}

/** The comparison after a figure: an operator and a number in -100..100 (a trailing % allowed). */
export function readComparison(
  part: Part,
  figure: string,
  opText: string | undefined,
  rest: string,
  fail: (offset: number, what: string) => never,
): { op: Operator; limit: number } {
  const { text, offset } = part;
  const figureEnd = offset + figure.length;
  const opOffset = offset + text.indexOf(opText ?? "", figure.length);
  const allowed = (list: readonly string[]) => list.join(", ");
  if (opText === undefined) {
    fail(figureEnd, `expected a comparison after ${figure}; allowed: ${allowed(OPERATORS)}`);
  }
  if (!(OPERATORS as readonly string[]).includes(opText!)) {
    const suggestion = opText === "=<" ? "<=" : opText === "=>" ? ">=" : null;
    fail(
      opOffset,
      `unknown comparison "${opText}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; allowed: ${allowed(OPERATORS)}`,
    );
  }
  const numberOffset = offset + text.length - rest.length;
  const n = /^(-?\d+(?:\.\d+)?)\s*(%?)$/.exec(rest.trim());
  if (!n) {
    fail(
      numberOffset,
      rest.trim() === ""
        ? `expected a number after ${opText} (percent, e.g. 5 or 2.5)`
        : `"${rest.trim()}" is not a number; write percent as a plain number, e.g. 5 or 2.5 (a trailing % is allowed)`,
    );
  }
  const limit = Number(n![1]);
  if (limit < -100 || limit > 100) fail(numberOffset, `${n![1]} is outside -100..100; figures are percent`);
  return { op: opText as Operator, limit };
}
