import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { InputError } from "../models/trajectory.js";

/**
 * A problem in a suite file, said as `FILE:LINE:COL: what is wrong — what to do` (one line, exit code 2). The
 * name makes the CLI treat it as the user's input, not a bug.
 */
export class SuiteFileError extends InputError {
  override name = "InputError";
}

export type SuitePath = ReadonlyArray<string | number>;

/** `models[1].temperature`: a path as a user reads it. */
export function showPath(path: SuitePath): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out || "the file";
}

/** The text of a suite file parsed as YAML, with the place of every node, so errors can say FILE:LINE:COL. */
export class SuiteSource {
  private constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parse `text` (read from `file`); a YAML syntax error is a SuiteFileError at its place. */
  static parse(file: string, text: string): SuiteSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const source = new SuiteSource(file, text, doc, lines);
    const e = doc.errors[0];
    if (e) {
      const at = e.linePos?.[0] ?? { line: 1, col: 1 };
      const what = (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      throw new SuiteFileError(`${file}:${at.line}:${at.col}: ${what} — fix the YAML there`);
    }
    return source;
  }

  /** The file as plain data. */
  value(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** `FILE:LINE:COL` of the node at `path`, or of its nearest ancestor that exists (the file's start at worst). */
  at(path: SuitePath, { key = false }: { key?: boolean } = {}): string {
    const offset = this.nodeAt(path, key)?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  /** Where in the text the node at `path` (or its nearest ancestor) starts. */
  offset(path: SuitePath): number {
    return this.nodeAt(path, false)?.range?.[0] ?? 0;
  }

  /** A one-line error at `path`. */
  error(path: SuitePath, message: string, opts: { key?: boolean } = {}): SuiteFileError {
    return new SuiteFileError(`${this.at(path, opts)}: ${message}`);
  }

  /** Every string scalar of the file with its path (keys included), for checks that look at all the text. */
  strings(): Array<{ path: SuitePath; value: string; key: boolean }> {
    const out: Array<{ path: SuitePath; value: string; key: boolean }> = [];
    const walk = (node: unknown, path: SuitePath) => {
      if (isScalar(node)) {
        if (typeof node.value === "string") out.push({ path, value: node.value, key: false });
      } else if (isMap(node)) {
        for (const pair of node.items) {
          const k = isScalar(pair.key) ? String(pair.key.value) : "";
          out.push({ path: [...path, k], value: k, key: true });
          walk(pair.value, [...path, k]);
        }
      } else if (isSeq(node)) {
        for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
      }
    };
    walk(this.doc.contents, []);
    return out;
  }

  private nodeAt(path: SuitePath, key: boolean): Node | null {
    let node: unknown = this.doc.contents;
    let found: Node | null = (node as Node) ?? null;
    for (let i = 0; i < path.length; i++) {
      const p = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(p));
        if (!pair) return found;
        if (key && i === path.length - 1) return pair.key as Node;
        node = pair.value;
        // `key:` with nothing after it: the key is the place
        found = (node as Node | null)?.range ? (node as Node) : (pair.key as Node);
      } else if (isSeq(node) && typeof p === "number") {
        const item = node.items[p];
        if (item === undefined) return found;
        node = item;
        found = item as Node;
      } else return found;
    }
    return found;
  }
}
