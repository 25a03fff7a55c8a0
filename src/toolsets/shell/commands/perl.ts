import type { Command } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { errorText } from "../host-fs.js";
import { fail, ok, type Session } from "../session.js";

/**
 * `perl` for one-liners and short scripts (perl 5.36): -e/-E, -n, -p, -i[EXT], -l, -a, -F, -0/-0777, a subset of
 * the language (scalars, arrays, hashes, the usual operators, regexes with m// s/// tr///, print/printf/say,
 * split/join/sprintf/substr/index/lc/uc/length/sort/reverse/push/shift, if/unless/while/for/foreach, BEGIN/END).
 * Code beyond it is answered with perl's own "syntax error" (documented in the README).
 */

class PerlDie extends Error {}
class PerlExit extends Error {
  constructor(readonly code: number) {
    super("exit");
  }
}
class PerlSyntax extends Error {}
class LoopCtl extends Error {
  constructor(readonly kind: "next" | "last") {
    super(kind);
  }
}

type Val = string | number | undefined | Val[] | Map<string, Val>;

interface Tok {
  t: "num" | "str" | "istr" | "var" | "id" | "op" | "re" | "subst" | "tr" | "eof";
  v: string;
  a?: string;
  b?: string;
  flags?: string;
}

const OPS = [
  "<=>",
  "**=",
  "||=",
  "&&=",
  "//=",
  "...",
  "**",
  "==",
  "!=",
  "<=",
  ">=",
  "=~",
  "!~",
  "&&",
  "||",
  "//",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  ".=",
  "%=",
  "x=",
  "->",
  "=>",
  "..",
  "<<",
  ">>",
  "::",
  "+",
  "-",
  "*",
  "/",
  "%",
  ".",
  "=",
  "<",
  ">",
  "!",
  "?",
  ":",
  ",",
  ";",
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  "\\",
  "&",
  "|",
  "^",
  "~",
];

function delimited(src: string, i: number): { body: string; end: number } {
  const open = src[i] as string;
  const close = ({ "(": ")", "{": "}", "[": "]", "<": ">" } as Record<string, string>)[open] ?? open;
  let depth = 0;
  let body = "";
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j] as string;
    if (c === "\\" && j + 1 < src.length) {
      body += c + src[j + 1];
      j++;
      continue;
    }
    if (c === open && close !== open) depth++;
    else if (c === close) {
      if (depth === 0) return { body, end: j };
      depth--;
    }
    body += c;
  }
  throw new PerlSyntax("Search pattern not terminated");
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const prevAllowsTerm = () => {
    const p = out.at(-1);
    return (
      !p ||
      (p.t === "op" && p.v !== ")" && p.v !== "]" && p.v !== "}") ||
      (p.t === "id" &&
        ["split", "if", "unless", "and", "or", "not", "return", "print", "grep", "map", "join", "push"].includes(p.v))
    );
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (/\d/.test(c) || (c === "." && /\d/.test(src[i + 1] ?? ""))) {
      const m = src.slice(i).match(/^(0x[0-9a-fA-F]+|\d[\d_]*(\.\d+)?([eE][-+]?\d+)?|\.\d+)/) as RegExpMatchArray;
      out.push({ t: "num", v: m[0].replace(/_/g, "") });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const { body, end } = delimited(src, i);
      out.push({ t: c === "'" ? "str" : "istr", v: c === "'" ? body.replace(/\\([\\'])/g, "$1") : body });
      i = end + 1;
      continue;
    }
    if (c === "$" || c === "@" || (c === "%" && /[A-Za-z_{]/.test(src[i + 1] ?? "") && prevAllowsTerm())) {
      const m = src
        .slice(i + 1)
        .match(/^(\d+|[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*|[_.&0!@/\\,;]|#[A-Za-z_]\w*|#)/);
      if (m) {
        out.push({ t: "var", v: c + m[0] });
        i += 1 + m[0].length;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = src.slice(i).match(/^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*/) as RegExpMatchArray;
      const w = m[0];
      const after = src[i + w.length] ?? "";
      if ((w === "s" || w === "tr" || w === "y") && after && !/[\s\w,;=)]/.test(after)) {
        const first = delimited(src, i + w.length);
        let j = first.end + 1;
        let second: { body: string; end: number };
        if ("({[<".includes(after)) {
          while (/\s/.test(src[j] ?? "")) j++;
          second = delimited(src, j);
        } else second = delimited(src, first.end);
        const fl = src.slice(second.end + 1).match(/^[a-z]*/)?.[0] ?? "";
        out.push({ t: w === "s" ? "subst" : "tr", v: w, a: first.body, b: second.body, flags: fl });
        i = second.end + 1 + fl.length;
        continue;
      }
      if ((w === "m" || w === "qr") && after && !/[\s\w,;=)]/.test(after)) {
        const r = delimited(src, i + w.length);
        const fl = src.slice(r.end + 1).match(/^[a-z]*/)?.[0] ?? "";
        out.push({ t: "re", v: r.body, flags: fl });
        i = r.end + 1 + fl.length;
        continue;
      }
      if ((w === "q" || w === "qq" || w === "qw") && after && /[^\s\w]/.test(after)) {
        const r = delimited(src, i + w.length);
        if (w === "qw") {
          out.push({ t: "op", v: "(" });
          r.body
            .split(/\s+/)
            .filter(Boolean)
            .forEach((x, k) => {
              if (k) out.push({ t: "op", v: "," });
              out.push({ t: "str", v: x });
            });
          out.push({ t: "op", v: ")" });
        } else out.push({ t: w === "q" ? "str" : "istr", v: r.body });
        i = r.end + 1;
        continue;
      }
      out.push({ t: "id", v: w });
      i += w.length;
      continue;
    }
    if (c === "/" && prevAllowsTerm()) {
      const r = delimited(src, i);
      const fl = src.slice(r.end + 1).match(/^[a-z]*/)?.[0] ?? "";
      out.push({ t: "re", v: r.body, flags: fl });
      i = r.end + 1 + fl.length;
      continue;
    }
    if (c === "<" && /^<(STDIN|>)?>/.test(src.slice(i))) {
      const m = src.slice(i).match(/^<(STDIN)?>/) as RegExpMatchArray;
      out.push({ t: "id", v: "__READLINE__" });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new PerlSyntax(`Unrecognized character ${c}`);
    out.push({ t: "op", v: op });
    i += op.length;
  }
  out.push({ t: "eof", v: "" });
  return out;
}

type Node = { k: string; [key: string]: unknown };

/** Perl regex text → JavaScript's. */
function jsRegex(src: string, flags: string): RegExp {
  let s = src
    .replace(/\\A/g, "^")
    .replace(/\\[zZ]/g, "$")
    .replace(/\(\?<(\w+)>/g, "(?<$1>")
    .replace(/\$(?=\)|\||$)/g, "$");
  if (flags.includes("x"))
    s = s
      .replace(/\\#/g, "\u0000")
      .replace(/#.*$/gm, "")
      .replace(/\s+/g, "")
      .replace(/\u0000/g, "\\#");
  const f = `${flags.includes("i") ? "i" : ""}${flags.includes("m") ? "m" : ""}${flags.includes("s") ? "s" : ""}${flags.includes("g") ? "g" : ""}`;
  return new RegExp(s, f);
}

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(o = 0): Tok {
    return this.toks[this.p + o] ?? { t: "eof", v: "" };
  }
  private next(): Tok {
    return this.toks[this.p++] ?? { t: "eof", v: "" };
  }
  private is(v: string): boolean {
    const t = this.peek();
    return (t.t === "op" || t.t === "id") && t.v === v;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new PerlSyntax(`syntax error near "${t.v}"`);
  }
  program(): Node[] {
    const out: Node[] = [];
    while (this.peek().t !== "eof") {
      if (this.is(";")) {
        this.next();
        continue;
      }
      out.push(this.statement());
    }
    return out;
  }
  private block(): Node[] {
    this.expect("{");
    const out: Node[] = [];
    while (!this.is("}")) {
      if (this.peek().t === "eof") throw new PerlSyntax("Missing right curly");
      if (this.is(";")) {
        this.next();
        continue;
      }
      out.push(this.statement());
    }
    this.expect("}");
    return out;
  }
  private statement(): Node {
    const t = this.peek();
    if (t.t === "id" && (t.v === "BEGIN" || t.v === "END") && this.peek(1).v === "{") {
      this.next();
      return { k: t.v, body: this.block() };
    }
    if (t.t === "id" && (t.v === "if" || t.v === "unless")) {
      this.next();
      this.expect("(");
      const cond = this.expr();
      this.expect(")");
      const yes = this.block();
      let otherwise: Node[] | null = null;
      if (this.is("elsif")) {
        this.toks[this.p] = { t: "id", v: "if" };
        otherwise = [this.statement()];
      } else if (this.is("else")) {
        this.next();
        otherwise = this.block();
      }
      return { k: "if", neg: t.v === "unless", cond, yes, otherwise };
    }
    if (t.t === "id" && (t.v === "while" || t.v === "until")) {
      this.next();
      this.expect("(");
      const cond = this.expr();
      this.expect(")");
      return { k: "while", neg: t.v === "until", cond, body: this.block() };
    }
    if (t.t === "id" && (t.v === "for" || t.v === "foreach")) {
      this.next();
      let v: string | null = null;
      if (this.is("my")) this.next();
      if (this.peek().t === "var") v = this.next().v;
      this.expect("(");
      if (
        v === null &&
        this.toks.slice(this.p).findIndex((x) => x.v === ";") < this.toks.slice(this.p).findIndex((x) => x.v === ")")
      ) {
        const init = this.is(";") ? null : this.expr();
        this.expect(";");
        const cond = this.is(";") ? null : this.expr();
        this.expect(";");
        const step = this.is(")") ? null : this.expr();
        this.expect(")");
        return { k: "cfor", init, cond, step, body: this.block() };
      }
      const list = this.expr();
      this.expect(")");
      return { k: "foreach", v: v ?? "$_", list, body: this.block() };
    }
    let e = this.expr();
    for (;;) {
      const m = this.peek();
      if (m.t === "id" && ["if", "unless", "while", "until", "for", "foreach"].includes(m.v)) {
        this.next();
        const cond = this.expr();
        if (m.v === "if" || m.v === "unless") e = { k: "if", neg: m.v === "unless", cond, yes: [e], otherwise: null };
        else if (m.v === "while" || m.v === "until") e = { k: "while", neg: m.v === "until", cond, body: [e] };
        else e = { k: "foreach", v: "$_", list: cond, body: [e] };
        continue;
      }
      break;
    }
    if (!this.is("}") && this.peek().t !== "eof") this.expect(";");
    return e;
  }
  expr(): Node {
    return this.lowOr();
  }
  private lowOr(): Node {
    let l = this.lowAnd();
    while (this.is("or")) {
      this.next();
      l = { k: "||", l, r: this.lowAnd() };
    }
    return l;
  }
  private lowAnd(): Node {
    let l = this.lowNot();
    while (this.is("and")) {
      this.next();
      l = { k: "&&", l, r: this.lowNot() };
    }
    return l;
  }
  private lowNot(): Node {
    if (this.is("not")) {
      this.next();
      return { k: "!", e: this.lowNot() };
    }
    return this.comma();
  }
  private comma(): Node {
    const first = this.assign();
    if (!this.is(",") && !this.is("=>")) return first;
    const items = [first];
    while (this.is(",") || this.is("=>")) {
      this.next();
      if (this.is(")") || this.peek().t === "eof" || this.is(";")) break;
      items.push(this.assign());
    }
    return { k: "list", items };
  }
  private assign(): Node {
    const l = this.ternary();
    const t = this.peek();
    if (t.t === "op" && ["=", "+=", "-=", "*=", "/=", ".=", "%=", "x=", "**=", "||=", "&&=", "//="].includes(t.v)) {
      this.next();
      return { k: "assign", op: t.v, l, r: this.assign() };
    }
    return l;
  }
  private ternary(): Node {
    const c = this.binary(0);
    if (this.is("?")) {
      this.next();
      const a = this.assign();
      this.expect(":");
      return { k: "?", c, a, b: this.assign() };
    }
    return c;
  }
  private static LEVELS: string[][] = [
    ["||", "//"],
    ["&&"],
    ["..", "..."],
    ["==", "!=", "<=>", "eq", "ne", "cmp"],
    ["<", ">", "<=", ">=", "lt", "gt", "le", "ge"],
    ["+", "-", "."],
    ["*", "/", "%", "x"],
    ["=~", "!~"],
  ];
  private binary(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let l = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if ((t.t === "op" || t.t === "id") && (Parser.LEVELS[level] as string[]).includes(t.v)) {
        this.next();
        l = { k: t.v, l, r: this.binary(level + 1) };
      } else return l;
    }
  }
  private unary(): Node {
    const t = this.peek();
    if (t.t === "op" && (t.v === "!" || t.v === "-" || t.v === "+" || t.v === "\\")) {
      this.next();
      const e = this.unary();
      return t.v === "!" ? { k: "!", e } : t.v === "-" ? { k: "neg", e } : e;
    }
    if (t.t === "op" && (t.v === "++" || t.v === "--")) {
      this.next();
      return { k: "pre", op: t.v, e: this.unary() };
    }
    return this.power();
  }
  private power(): Node {
    const b = this.postfix();
    if (this.is("**")) {
      this.next();
      return { k: "**", l: b, r: this.unary() };
    }
    return b;
  }
  private postfix(): Node {
    let e = this.primary();
    for (;;) {
      if (this.is("++") || this.is("--")) {
        e = { k: "post", op: this.next().v, e };
        continue;
      }
      if (this.is("[") && (e.k === "var" || e.k === "index" || e.k === "hindex")) {
        this.next();
        const i = this.expr();
        this.expect("]");
        e = { k: "index", e, i };
        continue;
      }
      if (
        this.is("{") &&
        (e.k === "var" || e.k === "index" || e.k === "hindex") &&
        String(e.name ?? "").startsWith("$")
      ) {
        this.next();
        const key = this.peek().t === "id" && this.peek(1).v === "}" ? { k: "str", v: this.next().v } : this.expr();
        this.expect("}");
        e = { k: "hindex", e, i: key };
        continue;
      }
      return e;
    }
  }
  private callArgs(): Node[] {
    if (this.is("(")) {
      this.next();
      if (this.is(")")) {
        this.next();
        return [];
      }
      const e = this.expr();
      this.expect(")");
      return e.k === "list" ? (e.items as Node[]) : [e];
    }
    const t = this.peek();
    if (
      t.t === "eof" ||
      this.is(";") ||
      this.is(")") ||
      this.is("}") ||
      (t.t === "id" && ["if", "unless", "for", "foreach", "while", "and", "or"].includes(t.v)) ||
      this.is(":") ||
      this.is("?")
    )
      return [];
    const e = this.comma();
    return e.k === "list" ? (e.items as Node[]) : [e];
  }
  private primary(): Node {
    const t = this.next();
    switch (t.t) {
      case "num":
        return { k: "num", v: Number(t.v) };
      case "str":
        return { k: "str", v: t.v };
      case "istr":
        return { k: "istr", v: t.v };
      case "re":
        return { k: "match", re: t.v, flags: t.flags ?? "", target: null };
      case "subst":
        return { k: "subst", re: t.a, rep: t.b, flags: t.flags ?? "" };
      case "tr":
        return { k: "tr", from: t.a, to: t.b, flags: t.flags ?? "" };
      case "var": {
        if (t.v.startsWith("$#")) return { k: "lastidx", name: `@${t.v.slice(2)}` };
        return { k: "var", name: t.v };
      }
      case "op":
        if (t.v === "(") {
          if (this.is(")")) {
            this.next();
            return { k: "list", items: [] };
          }
          const e = this.expr();
          this.expect(")");
          return e.k === "list" ? e : { k: "list", items: [e] };
        }
        if (t.v === "[") {
          const items = this.is("]") ? [] : [this.expr()];
          this.expect("]");
          return { k: "aref", items };
        }
        throw new PerlSyntax(`syntax error near "${t.v}"`);
      case "id": {
        if (t.v === "my" || t.v === "our" || t.v === "local") return this.primary();
        if (t.v === "__READLINE__") return { k: "readline" };
        if (["print", "say", "printf"].includes(t.v)) {
          let fh: string | null = null;
          if (this.peek().t === "id" && ["STDERR", "STDOUT"].includes(this.peek().v)) fh = this.next().v;
          return { k: t.v, fh, args: this.callArgs() };
        }
        if (t.v === "sub") throw new PerlSyntax('syntax error near "sub"');
        if (t.v === "next" || t.v === "last") return { k: t.v };
        if (t.v === "split" && this.is("(")) {
          this.next();
          const pat = this.peek().t === "re" ? this.next() : null;
          const re = pat ? { k: "restr", re: pat.v, flags: pat.flags } : this.assign();
          const rest: Node[] = [];
          while (this.is(",")) {
            this.next();
            rest.push(this.assign());
          }
          this.expect(")");
          return { k: "call", name: "split", args: [re, ...rest] };
        }
        if (t.v === "split") {
          const pat = this.peek().t === "re" ? this.next() : null;
          const re = pat ? { k: "restr", re: pat.v, flags: pat.flags } : this.assign();
          const rest: Node[] = [];
          while (this.is(",")) {
            this.next();
            rest.push(this.assign());
          }
          return { k: "call", name: "split", args: [re, ...rest] };
        }
        if (/^(STDIN|STDOUT|STDERR)$/.test(t.v)) return { k: "str", v: t.v };
        return { k: "call", name: t.v, args: this.callArgs() };
      }
      default:
        throw new PerlSyntax(`syntax error near "${t.v}"`);
    }
  }
}

interface Env {
  scalars: Map<string, Val>;
  arrays: Map<string, Val[]>;
  hashes: Map<string, Map<string, Val>>;
  out: string[];
  err: string[];
  lines: () => string | undefined;
  lineNo: number;
  groups: string[];
  ors: string;
}

const num = (v: Val): number => {
  if (typeof v === "number") return v;
  if (Array.isArray(v)) return v.length;
  const m = String(v ?? "").match(/^\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+)/);
  return m ? Number(m[0]) : 0;
};
const str = (v: Val): string => {
  if (v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15)));
  if (Array.isArray(v)) return String(v.length);
  if (v instanceof Map) return `HASH(0x55d${v.size.toString(16).padStart(9, "0")})`;
  return v;
};
const truthy = (v: Val): boolean => {
  if (Array.isArray(v)) return v.length > 0;
  const s = str(v);
  return s !== "" && s !== "0";
};
const flat = (v: Val): Val[] => (Array.isArray(v) ? v.flatMap(flat) : v instanceof Map ? [...v].flat() : [v]);

function sprintf(fmt: string, args: Val[]): string {
  let i = 0;
  return fmt.replace(
    /%([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdifeEgGxXobc%])/g,
    (_m, flags: string, width: string, prec: string, conv: string) => {
      if (conv === "%") return "%";
      const w = width === "*" ? num(args[i++]) : width ? Number(width) : 0;
      const a = args[i++];
      let s: string;
      switch (conv) {
        case "d":
        case "i":
          s = String(Math.trunc(num(a)));
          break;
        case "f":
          s = num(a).toFixed(prec ? Number(prec) : 6);
          break;
        case "e":
        case "E":
          s = num(a)
            .toExponential(prec ? Number(prec) : 6)
            .replace(/e([+-])(\d)$/, "e$10$2");
          if (conv === "E") s = s.toUpperCase();
          break;
        case "g":
        case "G":
          s = String(Number(num(a).toPrecision(prec ? Number(prec) || 1 : 6)));
          break;
        case "x":
          s = Math.trunc(num(a)).toString(16);
          break;
        case "X":
          s = Math.trunc(num(a)).toString(16).toUpperCase();
          break;
        case "o":
          s = Math.trunc(num(a)).toString(8);
          break;
        case "b":
          s = Math.trunc(num(a)).toString(2);
          break;
        case "c":
          s = String.fromCharCode(num(a));
          break;
        default:
          s = str(a);
          if (prec) s = s.slice(0, Number(prec));
      }
      if (flags.includes("+") && /[dif]/.test(conv) && num(a) >= 0) s = `+${s}`;
      if (s.length < w)
        s = flags.includes("-")
          ? s.padEnd(w)
          : flags.includes("0") && /[difeEgGxXo]/.test(conv)
            ? s.replace(/^([+-]?)/, (m0) => m0 + "0".repeat(w - s.length))
            : s.padStart(w);
      return s;
    },
  );
}

function unescapePerl(s: string): string {
  return s.replace(/\\([nte0\\"$@]|x\{?[0-9a-fA-F]+\}?)/g, (_m, c: string) => {
    if (c === "n") return "\n";
    if (c === "t") return "\t";
    if (c === "e") return "\x1b";
    if (c === "0") return "\0";
    if (c.startsWith("x")) return String.fromCharCode(Number.parseInt(c.replace(/[x{}]/g, ""), 16));
    return c;
  });
}

class Interp {
  constructor(private readonly env: Env) {}
  private scalar(name: string): Val {
    if (/^\$\d+$/.test(name)) return this.env.groups[Number(name.slice(1))];
    if (name === "$.") return this.env.lineNo;
    if (name === "$&") return this.env.groups[0];
    if (name === "$0") return "-e";
    return this.env.scalars.get(name);
  }
  interpolate(text: string): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (c === "\\" && i + 1 < text.length) {
        out += unescapePerl(
          text.slice(
            i,
            i + 2 + (text[i + 1] === "x" ? (text.slice(i + 2).match(/^\{?[0-9a-fA-F]+\}?/)?.[0].length ?? 0) : 0),
          ),
        );
        i += 1 + (text[i + 1] === "x" ? (text.slice(i + 2).match(/^\{?[0-9a-fA-F]+\}?/)?.[0].length ?? 0) : 0);
        continue;
      }
      if ((c === "$" || c === "@") && /[A-Za-z_\d&.{]/.test(text[i + 1] ?? "")) {
        const m = text.slice(i + 1).match(/^(\{(\w+)\}|\d+|&|\.|[A-Za-z_]\w*)(\[[^\]]+\]|\{[^}]+\})?/);
        if (m) {
          const name = `${c}${m[2] ?? m[1]}`;
          const sub = m[3];
          i += m[0].length;
          if (c === "@") {
            out += flat(this.env.arrays.get(name) ?? [])
              .map(str)
              .join(" ");
          } else if (sub?.startsWith("[")) {
            const arr = this.env.arrays.get(`@${name.slice(1)}`) ?? [];
            let idx = num(this.run({ k: "expr", src: sub.slice(1, -1) }));
            if (idx < 0) idx += arr.length;
            out += str(arr[idx]);
          } else if (sub?.startsWith("{")) {
            const h = this.env.hashes.get(`%${name.slice(1)}`);
            const key = sub.slice(1, -1).replace(/^['"]|['"]$/g, "");
            out += str(h?.get(/^\$/.test(key) ? str(this.scalar(key)) : key));
          } else out += str(this.scalar(name));
          continue;
        }
      }
      out += c;
    }
    return out;
  }
  private run(n: Node): Val {
    if (n.k === "expr") return this.eval(new Parser(tokenize(n.src as string)).expr());
    return this.eval(n);
  }
  exec(nodes: Node[]): void {
    for (const n of nodes) this.eval(n);
  }
  private lvalueSet(n: Node, v: Val): void {
    if (n.k === "var") {
      const name = n.name as string;
      if (name.startsWith("@")) this.env.arrays.set(name, flat(v));
      else if (name.startsWith("%")) {
        const items = flat(v);
        const m = new Map<string, Val>();
        for (let i = 0; i < items.length; i += 2) m.set(str(items[i]), items[i + 1]);
        this.env.hashes.set(name, m);
      } else this.env.scalars.set(name, Array.isArray(v) ? (v.at(-1) as Val) : v);
      return;
    }
    if (n.k === "index") {
      const name = `@${String((n.e as Node).name).slice(1)}`;
      const arr = this.env.arrays.get(name) ?? [];
      let i = num(this.eval(n.i as Node));
      if (i < 0) i += arr.length;
      arr[i] = v;
      this.env.arrays.set(name, arr);
      return;
    }
    if (n.k === "hindex") {
      const name = `%${String((n.e as Node).name).slice(1)}`;
      const h = this.env.hashes.get(name) ?? new Map();
      h.set(str(this.eval(n.i as Node)), v);
      this.env.hashes.set(name, h);
      return;
    }
    if (n.k === "list") {
      const vals = flat(v);
      for (const [i, item] of (n.items as Node[]).entries()) this.lvalueSet(item, vals[i]);
      return;
    }
    throw new PerlSyntax("Can't modify non-lvalue subroutine call");
  }
  private regexOn(target: Val, re: string, flags: string): boolean | string[] {
    const rx = jsRegex(this.interpolate(re), flags);
    const s = str(target);
    if (flags.includes("g")) {
      const all = [...s.matchAll(rx)];
      if (all.length) this.env.groups = [...(all.at(-1) as RegExpMatchArray)].map((x) => x ?? "");
      return all.map((m) => (m.length > 1 ? (m[1] ?? "") : m[0]));
    }
    const m = s.match(rx);
    if (!m) return false;
    this.env.groups = [...m].map((x) => x ?? "");
    return true;
  }
  private substitute(target: Node, re: string, rep: string, flags: string): number {
    const rx = jsRegex(this.interpolate(re), flags);
    const cur = str(this.eval(target));
    let count = 0;
    const next = cur.replace(rx, (...m) => {
      count++;
      const groups = m.slice(0, -2).filter((x) => typeof x === "string" || x === undefined) as string[];
      this.env.groups = groups.map((x) => x ?? "");
      if (flags.includes("e")) return str(this.run({ k: "expr", src: rep }));
      return this.interpolate(rep);
    });
    if (count) this.lvalueSet(target, next);
    return count;
  }
  private transliterate(target: Node, from: string, to: string, flags: string): number {
    const expand = (s: string) =>
      unescapePerl(s).replace(/(.)-(.)/g, (_m, a: string, b: string) => {
        let out = "";
        for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) out += String.fromCharCode(c);
        return out;
      });
    const f = expand(from);
    let t = expand(to);
    if (t === "" && !flags.includes("d")) t = f;
    const cur = str(this.eval(target));
    let count = 0;
    let out = "";
    for (const ch of cur) {
      const i = f.indexOf(ch);
      if (i < 0) out += ch;
      else {
        count++;
        if (i < t.length) out += t[i];
        else if (!flags.includes("d")) out += t.at(-1) ?? ch;
      }
    }
    if (to !== "" || flags.includes("d")) this.lvalueSet(target, out);
    return count;
  }
  eval(n: Node): Val {
    const e = (x: unknown) => this.eval(x as Node);
    switch (n.k) {
      case "num":
        return n.v as number;
      case "str":
        return n.v as string;
      case "istr":
        return this.interpolate(n.v as string);
      case "restr":
        return `\u0000re:${n.flags}:${n.re}`;
      case "var": {
        const name = n.name as string;
        if (name.startsWith("@")) return this.env.arrays.get(name) ?? [];
        if (name.startsWith("%")) return [...(this.env.hashes.get(name) ?? new Map())].flat();
        return this.scalar(name);
      }
      case "lastidx":
        return (this.env.arrays.get(n.name as string) ?? []).length - 1;
      case "index": {
        const base = n.e as Node;
        const arr = base.k === "var" ? (this.env.arrays.get(`@${String(base.name).slice(1)}`) ?? []) : flat(e(base));
        let i = num(e(n.i));
        if (i < 0) i += arr.length;
        return arr[i];
      }
      case "hindex": {
        const base = n.e as Node;
        return this.env.hashes.get(`%${String(base.name).slice(1)}`)?.get(str(e(n.i)));
      }
      case "aref":
        return (n.items as Node[]).flatMap((x) => flat(e(x)));
      case "list":
        return (n.items as Node[]).flatMap((x) => flat(e(x)));
      case "assign": {
        const op = n.op as string;
        const l = n.l as Node;
        if (op === "=") {
          const v = e(n.r);
          const listy = l.k === "list" || (l.k === "var" && /^[@%]/.test(String(l.name)));
          this.lvalueSet(l, listy ? flat(v) : Array.isArray(v) ? v.length : v);
          return v;
        }
        const cur = e(l);
        if (op === "||=" && truthy(cur)) return cur;
        if (op === "&&=" && !truthy(cur)) return cur;
        if (op === "//=" && cur !== undefined) return cur;
        const r = e(n.r);
        const v =
          op === "+="
            ? num(cur) + num(r)
            : op === "-="
              ? num(cur) - num(r)
              : op === "*="
                ? num(cur) * num(r)
                : op === "/="
                  ? num(cur) / num(r)
                  : op === "%="
                    ? num(cur) % num(r)
                    : op === "**="
                      ? num(cur) ** num(r)
                      : op === ".="
                        ? str(cur) + str(r)
                        : op === "x="
                          ? str(cur).repeat(num(r))
                          : r;
        this.lvalueSet(l, v);
        return v;
      }
      case "?":
        return truthy(e(n.c)) ? e(n.a) : e(n.b);
      case "||": {
        const l = e(n.l);
        return truthy(l) ? l : e(n.r);
      }
      case "//": {
        const l = e(n.l);
        return l !== undefined ? l : e(n.r);
      }
      case "&&": {
        const l = e(n.l);
        return truthy(l) ? e(n.r) : l;
      }
      case "!":
        return truthy(e(n.e)) ? "" : 1;
      case "neg":
        return -num(e(n.e));
      case "pre":
      case "post": {
        const cur = num(e(n.e));
        const next = n.op === "++" ? cur + 1 : cur - 1;
        this.lvalueSet(n.e as Node, next);
        return n.k === "pre" ? next : cur;
      }
      case "+":
        return num(e(n.l)) + num(e(n.r));
      case "-":
        return num(e(n.l)) - num(e(n.r));
      case "*":
        return num(e(n.l)) * num(e(n.r));
      case "/": {
        const d = num(e(n.r));
        if (d === 0) throw new PerlDie("Illegal division by zero at -e line 1.\n");
        return num(e(n.l)) / d;
      }
      case "%":
        return num(e(n.l)) % num(e(n.r));
      case "**":
        return num(e(n.l)) ** num(e(n.r));
      case ".":
        return str(e(n.l)) + str(e(n.r));
      case "x":
        return str(e(n.l)).repeat(Math.max(0, num(e(n.r))));
      case "==":
        return num(e(n.l)) === num(e(n.r)) ? 1 : "";
      case "!=":
        return num(e(n.l)) !== num(e(n.r)) ? 1 : "";
      case "<":
        return num(e(n.l)) < num(e(n.r)) ? 1 : "";
      case ">":
        return num(e(n.l)) > num(e(n.r)) ? 1 : "";
      case "<=":
        return num(e(n.l)) <= num(e(n.r)) ? 1 : "";
      case ">=":
        return num(e(n.l)) >= num(e(n.r)) ? 1 : "";
      case "<=>":
        return Math.sign(num(e(n.l)) - num(e(n.r)));
      case "eq":
        return str(e(n.l)) === str(e(n.r)) ? 1 : "";
      case "ne":
        return str(e(n.l)) !== str(e(n.r)) ? 1 : "";
      case "lt":
        return str(e(n.l)) < str(e(n.r)) ? 1 : "";
      case "gt":
        return str(e(n.l)) > str(e(n.r)) ? 1 : "";
      case "le":
        return str(e(n.l)) <= str(e(n.r)) ? 1 : "";
      case "ge":
        return str(e(n.l)) >= str(e(n.r)) ? 1 : "";
      case "cmp": {
        const a = str(e(n.l));
        const b = str(e(n.r));
        return a < b ? -1 : a > b ? 1 : 0;
      }
      case "..":
      case "...": {
        const a = num(e(n.l));
        const b = num(e(n.r));
        const out: Val[] = [];
        for (let i = a; i <= b && out.length < 1_000_000; i++) out.push(i);
        return out;
      }
      case "=~":
      case "!~": {
        const r = n.r as Node;
        let res: boolean | number | string[];
        if (r.k === "match") res = this.regexOn(e(n.l), r.re as string, r.flags as string);
        else if (r.k === "subst")
          res = this.substitute(n.l as Node, r.re as string, r.rep as string, r.flags as string);
        else if (r.k === "tr")
          res = this.transliterate(n.l as Node, r.from as string, r.to as string, r.flags as string);
        else res = this.regexOn(e(n.l), str(e(r)), "");
        const ok = Array.isArray(res) ? res.length > 0 : Boolean(res);
        if (n.k === "!~") return ok ? "" : 1;
        return Array.isArray(res) ? res : typeof res === "number" ? res : ok ? 1 : "";
      }
      case "match": {
        const res = this.regexOn(this.scalar("$_"), n.re as string, n.flags as string);
        return Array.isArray(res) ? res : res ? 1 : "";
      }
      case "subst":
        return this.substitute({ k: "var", name: "$_" }, n.re as string, n.rep as string, n.flags as string);
      case "tr":
        return this.transliterate({ k: "var", name: "$_" }, n.from as string, n.to as string, n.flags as string);
      case "readline": {
        const l = this.env.lines();
        if (l !== undefined) this.env.lineNo++;
        return l;
      }
      case "print":
      case "say":
      case "printf": {
        const args = (n.args as Node[]).length ? (n.args as Node[]).flatMap((x) => flat(e(x))) : [this.scalar("$_")];
        let text =
          n.k === "printf" ? sprintf(str(args[0]), args.slice(1)) : args.map(str).join(str(this.env.scalars.get("$,")));
        if (n.k === "say") text += "\n";
        else if (n.k === "print") text += this.env.ors;
        (n.fh === "STDERR" ? this.env.err : this.env.out).push(text);
        return 1;
      }
      case "next":
        throw new LoopCtl("next");
      case "last":
        throw new LoopCtl("last");
      case "if": {
        const c = truthy(e(n.cond));
        if (c !== Boolean(n.neg)) this.exec(n.yes as Node[]);
        else if (n.otherwise) this.exec(n.otherwise as Node[]);
        return "";
      }
      case "while": {
        let guard = 0;
        while (truthy(e(n.cond)) !== Boolean(n.neg) && guard++ < 10_000_000) {
          try {
            this.exec(n.body as Node[]);
          } catch (x) {
            if (x instanceof LoopCtl) {
              if (x.kind === "last") break;
              continue;
            }
            throw x;
          }
        }
        return "";
      }
      case "cfor": {
        if (n.init) e(n.init);
        for (let guard = 0; (!n.cond || truthy(e(n.cond))) && guard < 10_000_000; guard++) {
          try {
            this.exec(n.body as Node[]);
          } catch (x) {
            if (x instanceof LoopCtl && x.kind === "last") break;
            if (!(x instanceof LoopCtl)) throw x;
          }
          if (n.step) e(n.step);
        }
        return "";
      }
      case "foreach": {
        const items = flat(e(n.list));
        const name = n.v as string;
        const saved = this.env.scalars.get(name);
        for (const item of items) {
          this.env.scalars.set(name, item);
          try {
            this.exec(n.body as Node[]);
          } catch (x) {
            if (x instanceof LoopCtl) {
              if (x.kind === "last") break;
              continue;
            }
            throw x;
          }
        }
        this.env.scalars.set(name, saved);
        return "";
      }
      case "BEGIN":
      case "END":
        return "";
      case "call":
        return this.call(n.name as string, n.args as Node[]);
      default:
        throw new PerlSyntax(`syntax error near "${n.k}"`);
    }
  }
  private call(name: string, args: Node[]): Val {
    const e = (i: number) => (args[i] ? this.eval(args[i] as Node) : this.scalar("$_"));
    const all = () => args.flatMap((a) => flat(this.eval(a)));
    switch (name) {
      case "length":
        return str(e(0)).length;
      case "uc":
        return str(e(0)).toUpperCase();
      case "lc":
        return str(e(0)).toLowerCase();
      case "ucfirst": {
        const s = str(e(0));
        return s.charAt(0).toUpperCase() + s.slice(1);
      }
      case "lcfirst": {
        const s = str(e(0));
        return s.charAt(0).toLowerCase() + s.slice(1);
      }
      case "chomp": {
        const target = args[0] ?? { k: "var", name: "$_" };
        const s = str(this.eval(target));
        if (s.endsWith("\n")) {
          this.lvalueSet(target, s.slice(0, -1));
          return 1;
        }
        return 0;
      }
      case "chop": {
        const target = args[0] ?? { k: "var", name: "$_" };
        const s = str(this.eval(target));
        this.lvalueSet(target, s.slice(0, -1));
        return s.slice(-1);
      }
      case "abs":
        return Math.abs(num(e(0)));
      case "int":
        return Math.trunc(num(e(0)));
      case "sqrt":
        return Math.sqrt(num(e(0)));
      case "hex":
        return Number.parseInt(str(e(0)).replace(/^0x/i, ""), 16);
      case "oct":
        return Number.parseInt(str(e(0)).replace(/^0o?/, ""), 8);
      case "ord":
        return str(e(0)).charCodeAt(0) || 0;
      case "chr":
        return String.fromCharCode(num(e(0)));
      case "defined":
        return e(0) !== undefined ? 1 : "";
      case "scalar": {
        const v = this.eval(args[0] as Node);
        return Array.isArray(v) ? v.length : v;
      }
      case "join": {
        const vals = all();
        return vals.slice(1).map(str).join(str(vals[0]));
      }
      case "reverse": {
        const vals = all();
        return vals.length === 1 ? [...str(vals[0])].reverse().join("") : vals.reverse();
      }
      case "sort":
        return all().sort((a, b) => (str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0));
      case "uniq": {
        const seen = new Set<string>();
        return all().filter((v) => !seen.has(str(v)) && seen.add(str(v)));
      }
      case "sum":
      case "sum0":
        return all().reduce<number>((a, b) => a + num(b), 0);
      case "max":
        return Math.max(...all().map(num));
      case "min":
        return Math.min(...all().map(num));
      case "keys":
        return [...(this.env.hashes.get(String((args[0] as Node).name)) ?? new Map()).keys()];
      case "values":
        return [...(this.env.hashes.get(String((args[0] as Node).name)) ?? new Map()).values()];
      case "exists": {
        const a = args[0] as Node;
        if (a.k === "hindex")
          return this.env.hashes.get(`%${String((a.e as Node).name).slice(1)}`)?.has(str(this.eval(a.i as Node)))
            ? 1
            : "";
        return this.eval(a) !== undefined ? 1 : "";
      }
      case "delete": {
        const a = args[0] as Node;
        if (a.k === "hindex") {
          const h = this.env.hashes.get(`%${String((a.e as Node).name).slice(1)}`);
          const k = str(this.eval(a.i as Node));
          const v = h?.get(k);
          h?.delete(k);
          return v;
        }
        return undefined;
      }
      case "push":
      case "unshift": {
        const target = args[0] as Node;
        const arrName = String(target.name);
        const arr = this.env.arrays.get(arrName) ?? [];
        const vals = args.slice(1).flatMap((a) => flat(this.eval(a)));
        if (name === "push") arr.push(...vals);
        else arr.unshift(...vals);
        this.env.arrays.set(arrName, arr);
        return arr.length;
      }
      case "pop":
      case "shift": {
        const arrName = args[0] ? String((args[0] as Node).name) : "@ARGV";
        const arr = this.env.arrays.get(arrName) ?? [];
        return name === "pop" ? arr.pop() : arr.shift();
      }
      case "split": {
        const pat = str(e(0));
        const s = args[1] ? str(this.eval(args[1] as Node)) : str(this.scalar("$_"));
        const limit = args[2] ? num(this.eval(args[2] as Node)) : 0;
        let parts: string[];
        if (pat.startsWith("\u0000re:")) {
          const [, flags, ...rest] = pat.split(":");
          const src = rest.join(":");
          parts = src === " " ? s.trim().split(/\s+/) : s.split(jsRegex(src, flags ?? ""));
        } else parts = pat === " " ? s.trim().split(/\s+/) : s.split(pat);
        if (limit > 0 && parts.length > limit)
          parts = [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(pat.startsWith("\u0000") ? " " : pat)];
        if (limit <= 0) while (parts.length && parts.at(-1) === "") parts.pop();
        return parts;
      }
      case "substr": {
        const s = str(e(0));
        let off = num(this.eval(args[1] as Node));
        if (off < 0) off += s.length;
        const len = args[2] ? num(this.eval(args[2] as Node)) : s.length - off;
        return s.substr(off, len < 0 ? s.length - off + len : len);
      }
      case "index":
        return str(e(0)).indexOf(str(this.eval(args[1] as Node)), args[2] ? num(this.eval(args[2] as Node)) : 0);
      case "rindex":
        return str(e(0)).lastIndexOf(str(this.eval(args[1] as Node)));
      case "sprintf": {
        const vals = all();
        return sprintf(str(vals[0]), vals.slice(1));
      }
      case "time":
        return Math.floor(num(this.env.scalars.get("$^T")));
      case "localtime":
      case "gmtime": {
        const t = new Date((args[0] ? num(e(0)) : num(this.env.scalars.get("$^T"))) * 1000);
        const d = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][t.getUTCDay()];
        const m = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][t.getUTCMonth()];
        const p = (x: number) => String(x).padStart(2, "0");
        return `${d} ${m} ${String(t.getUTCDate()).padStart(2, " ")} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} ${t.getUTCFullYear()}`;
      }
      case "exit":
        throw new PerlExit(args[0] ? num(e(0)) : 0);
      case "die": {
        let msg = all().map(str).join("") || "Died";
        if (!msg.endsWith("\n")) msg += " at -e line 1.\n";
        throw new PerlDie(msg);
      }
      case "warn": {
        let msg = all().map(str).join("") || "Warning: something's wrong";
        if (!msg.endsWith("\n")) msg += " at -e line 1.\n";
        this.env.err.push(msg);
        return 1;
      }
      case "lines":
      case "__READLINE__":
        return this.env.lines();
      default:
        throw new PerlSyntax(`Undefined subroutine &main::${name} called`);
    }
  }
}

const VERSION = `
This is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi
(with 60 registered patches, see perl -V for more detail)

Copyright 1987-2022, Larry Wall

Perl may be copied only under the terms of either the Artistic License or the
GNU General Public License, which may be found in the Perl 5 source kit.

Complete documentation for Perl, including FAQ lists, should be found on
this system using "man perl" or "perldoc perl".  If you have access to the
Internet, point your browser at https://www.perl.org/, the Perl Home Page.

`;

export function perlCommand(s: Session): Command {
  return defineCommand("perl", async (args, ctx) => {
    const code: string[] = [];
    let n = false;
    let p = false;
    let inPlace: string | null = null;
    let chompLines = false;
    let split = false;
    let splitPat = " ";
    let slurp = false;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--") {
        i++;
        break;
      }
      if (a === "-v" || a === "--version") return ok(VERSION);
      if (!a.startsWith("-") || a === "-") break;
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if (c === "e" || c === "E") {
          const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (v === undefined) return fail("No code specified for -e.\n", 2);
          code.push(v);
          break;
        }
        if (c === "n") n = true;
        else if (c === "p") p = true;
        else if (c === "l") chompLines = true;
        else if (c === "a") split = true;
        else if (c === "w" || c === "s" || c === "T" || c === "t" || c === "W" || c === "X") continue;
        else if (c === "i") {
          inPlace = a.slice(j + 1);
          break;
        } else if (c === "F") {
          splitPat = a.slice(j + 1).replace(/^\/(.*)\/$/, "$1") || args[++i] || " ";
          split = true;
          n = n || !p;
          break;
        } else if (c === "0") {
          const oct = a.slice(j + 1).match(/^[0-7]*/)?.[0] ?? "";
          slurp = oct === "777";
          j += oct.length;
        } else if (c === "M" || c === "m" || c === "I") break;
        else if (c === "c") return ok(undefined, "-e syntax OK\n");
        else return fail(`Unrecognized switch: -${a.slice(j)}  (-h will show valid options).\n`, 29);
      }
    }
    const rest = args.slice(i);
    let program: string;
    let files = rest;
    if (code.length) program = code.join("\n");
    else {
      const script = rest[0];
      if (script === undefined) {
        program = latin1FromBytes(ctx.stdin);
        files = [];
      } else {
        try {
          program = await s.fs.readFile(s.fs.resolvePath(ctx.cwd, script));
        } catch (e) {
          return fail(`Can't open perl script "${script}": ${errorText(e)}\n`, 2);
        }
        files = rest.slice(1);
      }
    }
    let nodes: Node[];
    try {
      nodes = new Parser(tokenize(program)).program();
    } catch (e) {
      const why = e instanceof PerlSyntax ? e.message : "syntax error";
      return fail(`${why} at -e line 1, at EOF\nExecution of -e aborted due to compilation errors.\n`, 255);
    }
    const begin = nodes.filter((x) => x.k === "BEGIN").flatMap((x) => x.body as Node[]);
    const end = nodes.filter((x) => x.k === "END").flatMap((x) => x.body as Node[]);
    const main = nodes.filter((x) => x.k !== "BEGIN" && x.k !== "END");
    const inputs: { name: string; text: string }[] = [];
    let stderr = "";
    for (const f of files) {
      if (f === "-") {
        inputs.push({ name: "-", text: latin1FromBytes(ctx.stdin) });
        continue;
      }
      try {
        inputs.push({
          name: f,
          text: Buffer.from(await s.fs.readFileBuffer(s.fs.resolvePath(ctx.cwd, f))).toString("utf8"),
        });
      } catch (e) {
        stderr += `Can't open ${f}: ${errorText(e)}.\n`;
      }
    }
    if (files.length === 0)
      inputs.push({ name: "-", text: Buffer.from(latin1FromBytes(ctx.stdin), "latin1").toString("utf8") });
    const env: Env = {
      scalars: new Map<string, Val>([
        ["$^T", Math.floor(s.world.now().getTime() / 1000)],
        ["$,", ""],
        ["$\\", ""],
      ]),
      arrays: new Map([["@ARGV", files.map((f) => f)]]),
      hashes: new Map([["%ENV", new Map(ctx.env)]]),
      out: [],
      err: [],
      lines: () => undefined,
      lineNo: 0,
      groups: [],
      ors: chompLines ? "\n" : "",
    };
    const interp = new Interp(env);
    let code2 = 0;
    try {
      interp.exec(begin);
      const loop = n || p;
      if (!loop) {
        const queue = inputs.flatMap((x) => x.text.split(/(?<=\n)/).filter(Boolean));
        env.lines = () => queue.shift();
        interp.exec(main);
      } else {
        for (const input of inputs) {
          const records = slurp ? [input.text] : input.text.split(/(?<=\n)/).filter(Boolean);
          const outBefore = env.out.length;
          for (const rec of records) {
            env.lineNo++;
            let line = rec;
            if (chompLines && line.endsWith("\n")) line = line.slice(0, -1);
            env.scalars.set("$_", line);
            if (split)
              env.arrays.set("@F", splitPat === " " ? line.trim().split(/\s+/) : line.split(new RegExp(splitPat)));
            try {
              interp.exec(main);
            } catch (x) {
              if (!(x instanceof LoopCtl && x.kind === "next")) throw x;
            }
            if (p) env.out.push(str(env.scalars.get("$_")) + (chompLines ? "\n" : ""));
          }
          if (inPlace !== null && input.name !== "-") {
            const path = s.fs.resolvePath(ctx.cwd, input.name);
            const text = env.out.splice(outBefore).join("");
            try {
              if (inPlace) await s.fs.writeFile(`${path}${inPlace}`, input.text);
              await s.fs.writeFile(path, text);
            } catch (e) {
              stderr += `Can't remove ${input.name}: ${errorText(e)}, skipping file.\n`;
            }
          }
        }
      }
      interp.exec(end);
    } catch (x) {
      if (x instanceof PerlExit) code2 = x.code;
      else if (x instanceof PerlDie) {
        env.err.push(x.message);
        code2 = 255;
      } else if (x instanceof PerlSyntax) {
        env.err.push(`${x.message} at -e line 1.\n`);
        code2 = 255;
      } else throw x;
    }
    return {
      stdout: Buffer.from(env.out.join(""), "utf8").toString("utf8"),
      stderr: stderr + env.err.join(""),
      exitCode: code2 || (stderr ? 2 : 0),
    };
  });
}
