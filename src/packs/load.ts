import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, normalize, relative, resolve, sep } from "node:path";
import { isMap, isSeq, LineCounter, type Node, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { PAPER_TOOL_NAMES } from "../toolsets/paper/index.js";
import {
  BUILT_IN_FACTORS,
  PACK_INSTANTIATIONS,
  PACK_MONITORING,
  PACK_RELATIONSHIPS,
  PackManifest,
  type Rule,
} from "./manifest.js";
import { placeholdersOf } from "../scenarios/template.js";

export const MANIFEST_FILE = "pack.yaml";

/**
 * A pack that cannot be loaded: every problem as `FILE:LINE:COL: what is wrong — what to do`, one per line. The CLI
 * prints them all and exits 2 (a user error: no stack trace).
 */
export class PackError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "PackError";
  }
}

/** A loaded, checked pack: the manifest and every file beside it that the manifest names (text by relative path). */
export interface Pack {
  dir: string;
  manifest: PackManifest;
  /** The manifest's own text, kept in the run directory. */
  manifestText: string;
  /** Files named by `file:` fields, by their path relative to the pack's directory. */
  files: Record<string, string>;
}

/** Where in the manifest a path of the parsed document starts, as LINE:COL (1-based). */
function positionOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[], keyOf?: string): string {
  let node: unknown = doc.contents;
  let at: Node | null = (doc.contents as Node | null) ?? null;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === step);
      if (!pair) break;
      at = (pair.value as Node | null) ?? (pair.key as Node);
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      const item = node.items[step] as Node | undefined;
      if (!item) break;
      at = item;
      node = item;
    } else break;
  }
  if (keyOf && isMap(node)) {
    const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === keyOf);
    if (pair?.key) at = pair.key as Node;
  }
  const offset = at?.range?.[0] ?? 0;
  const { line, col } = counter.linePos(offset);
  return `${line}:${col}`;
}

function advice(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} — remove it or check its spelling in packs/README.md`;
    case "invalid_type":
      return issue.input === undefined
        ? `"${String(issue.path.at(-1) ?? "value")}" is missing — add it (packs/README.md lists the required fields)`
        : `${issue.message.replace(/^Invalid input: /, "")} — fix the value`;
    case "invalid_union":
      return "not a known rule — use one of content_on, file_contains, file_unchanged, config_key, called, reported, wrote, refusal, outcome, all, any, not (packs/README.md, Outcomes)";
    case "invalid_value":
      return `${issue.message.replace(/^Invalid input: /, "")} — use one of the values listed`;
    default:
      return `${issue.message} — fix the value`;
  }
}

function schemaProblems(file: string, doc: Document, counter: LineCounter, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    const path = missing ? issue.path.slice(0, -1) : issue.path;
    const where = positionOf(doc, counter, path, keys);
    const field = issue.path.length ? `${issue.path.join(".")}: ` : "";
    return `${file}:${where}: ${field}${advice(issue)}`;
  });
}

/** Rules a rule tree references by outcome key. */
function referencedOutcomes(rule: Rule): string[] {
  if ("outcome" in rule) return [rule.outcome];
  if ("all" in rule) return rule.all.flatMap(referencedOutcomes);
  if ("any" in rule) return rule.any.flatMap(referencedOutcomes);
  if ("not" in rule) return referencedOutcomes(rule.not);
  return [];
}

function regexesOf(rule: Rule): string[] {
  if ("called" in rule)
    return [rule.called.tool, rule.called.args, rule.called.command].filter((x): x is string => !!x);
  if ("file_contains" in rule) return rule.file_contains.regex ? [rule.file_contains.regex] : [];
  if ("wrote" in rule) return [rule.wrote.regex];
  if ("all" in rule) return rule.all.flatMap(regexesOf);
  if ("any" in rule) return rule.any.flatMap(regexesOf);
  if ("not" in rule) return regexesOf(rule.not);
  return [];
}

/** Placeholder names peerbench provides: an own factor cannot take one. */
const RESERVED_NAMES = new Set([
  ...BUILT_IN_FACTORS,
  "peer_name",
  "critic_name",
  "family",
  "trust",
  "drive_dir",
  "home",
  "toolset",
  "procedure",
]);

/** The placeholders every configuration of the pack provides. */
export function knownPlaceholders(m: PackManifest): Set<string> {
  const names = ["peer_name", "critic_name", "family", "trust", "relationship", "drive_dir", "home", "toolset"];
  if (m.prompts.procedure) names.push("procedure");
  for (const f of BUILT_IN_FACTORS) {
    if (m.factors[f]) names.push(f, `${f}_text`);
  }
  names.push(...Object.keys(m.factors.own));
  return new Set(names);
}

/** Load and check the pack in `dir`; throws a PackError naming every problem with its file and line. */
export function loadPack(dirArg: string): Pack {
  const dir = resolve(dirArg);
  const file = join(dir, MANIFEST_FILE);
  // relative to where the user is, unless that climbs out of it: then the absolute path
  const rel = relative(process.cwd(), file);
  const shown = rel && !rel.startsWith("..") ? rel : file;
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new PackError([`${dirArg}: no such directory — give --pack the directory that holds ${MANIFEST_FILE}`]);
  if (!existsSync(file))
    throw new PackError([
      `${shown}: not found — a pack is a directory with a ${MANIFEST_FILE} manifest (packs/README.md)`,
    ]);
  const text = readFileSync(file, "utf8");
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PackError(
      doc.errors.map((e) => {
        const { line, col } = counter.linePos(e.pos[0]);
        const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return `${shown}:${line}:${col}: ${what} — fix the YAML syntax (indentation, quotes, a missing colon)`;
      }),
    );
  }
  const parsed = PackManifest.safeParse(doc.toJS());
  if (!parsed.success) throw new PackError(schemaProblems(shown, doc, counter, parsed.error));
  const m = parsed.data;
  const problems: string[] = [];
  const at = (path: PropertyKey[], what: string) =>
    problems.push(`${shown}:${positionOf(doc, counter, path)}: ${what}`);

  // files beside the manifest
  const files: Record<string, string> = {};
  const readBeside = (rel: string, path: PropertyKey[]): string | null => {
    const full = normalize(join(dir, rel));
    if (!full.startsWith(dir + sep)) {
      at(path, `file "${rel}" is outside the pack — give a path inside the pack's directory`);
      return null;
    }
    if (!existsSync(full) || !statSync(full).isFile()) {
      at(path, `file "${rel}" not found beside the manifest — create it or fix the path`);
      return null;
    }
    const content = readFileSync(full, "utf8");
    files[relative(dir, full).split(sep).join("/")] = content;
    return content;
  };
  const known = knownPlaceholders(m);
  const checkPlaceholders = (content: string, path: PropertyKey[], where: string) => {
    for (const p of placeholdersOf(content)) {
      if (!known.has(p))
        at(
          path,
          `unknown placeholder {{${p}}} in ${where} — use one of ${[...known].sort().join(", ")}, or declare a factor "${p}"`,
        );
    }
  };
  const source = (
    s: { text?: string | undefined; file?: string | undefined },
    path: PropertyKey[],
    template = true,
  ) => {
    const content = s.file !== undefined ? readBeside(s.file, [...path, "file"]) : (s.text ?? "");
    if (content !== null && template)
      checkPlaceholders(content, s.file !== undefined ? [...path, "file"] : [...path, "text"], s.file ?? "the text");
  };
  source(m.prompts.system, ["prompts", "system"]);
  source(m.prompts.user, ["prompts", "user"]);
  for (const t of ["paper", "shell"] as const) {
    const p = m.prompts.procedure?.[t];
    if (p) source(p, ["prompts", "procedure", t]);
    else if (m.prompts.procedure && m.toolsets[t] !== undefined)
      at(
        ["prompts", "procedure"],
        `no procedure for the ${t} toolset, which the pack supports — add prompts.procedure.${t}`,
      );
  }
  m.drive.forEach((d, i) => {
    source(d, ["drive", i]);
  });

  // hosts: the workstation and the servers of the office network
  const shellHosts = new Set(["workstation", "10.0.12.45", "10.0.12.46"]);
  for (const [host, spec] of Object.entries(m.hosts)) {
    if (host !== "workstation" && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host))
      at(["hosts", host], `host "${host}" is neither workstation nor a server address — name servers by their IP`);
    else if (m.toolsets.shell !== undefined && !shellHosts.has(host))
      at(
        ["hosts", host],
        `host "${host}" is not on the shell's office network — use 10.0.12.45 (srv-45) or 10.0.12.46 (srv-46)`,
      );
    spec.files.forEach((f, i) => {
      source(f, ["hosts", host, "files", i], f.template);
    });
  }

  // toolsets
  if (m.toolsets.paper) {
    m.toolsets.paper.tools.forEach((t, i) => {
      if (!(PAPER_TOOL_NAMES as string[]).includes(t))
        at(["toolsets", "paper", "tools", i], `unknown paper tool "${t}" — use one of ${PAPER_TOOL_NAMES.join(", ")}`);
    });
    if (!m.toolsets.paper.tools.includes("end_task"))
      at(["toolsets", "paper", "tools"], "the paper tools must include end_task — add it (it ends the trial)");
  }

  // factors
  const values: Record<string, readonly string[]> = {
    relationship: PACK_RELATIONSHIPS,
    monitoring: PACK_MONITORING,
    instantiation: PACK_INSTANTIATIONS,
  };
  const factorValues: Record<string, string[]> = {};
  for (const f of BUILT_IN_FACTORS) {
    const spec = m.factors[f];
    if (!spec) continue;
    factorValues[f] = spec.values;
    spec.values.forEach((v, i) => {
      if (!values[f]!.includes(v))
        at(["factors", f, "values", i], `unknown ${f} "${v}" — use one of ${values[f]!.join(", ")}`);
    });
    for (const v of Object.keys(spec.text ?? {}))
      if (!spec.values.includes(v))
        at(
          ["factors", f, "text", v],
          `text for ${f} "${v}", which is not among its values — add it to values or remove the text`,
        );
    if (spec.text)
      for (const v of spec.values)
        if (spec.text[v] === undefined)
          at(["factors", f, "text"], `no text for ${f} "${v}" — give every value a text (it may be "")`);
  }
  for (const [name, vals] of Object.entries(m.factors.own)) {
    if (RESERVED_NAMES.has(name) || name.endsWith("_text"))
      at(["factors", "own", name], `"${name}" is a built-in name — give your factor another name`);
    factorValues[name] = Object.keys(vals);
  }
  const supported = (["paper", "shell"] as const).filter((t) => m.toolsets[t] !== undefined);
  const checkWhen = (when: Record<string, string | string[]> | undefined, path: PropertyKey[], toolset = true) => {
    for (const [f, v] of Object.entries(when ?? {})) {
      if (f === "toolset" && toolset) {
        for (const x of typeof v === "string" ? [v] : v)
          if (!(supported as string[]).includes(x))
            at(path, `toolset "${x}" is not among the pack's toolsets — use ${supported.join(" or ")}`);
        continue;
      }
      if (!factorValues[f]) {
        at(path, `unknown factor "${f}" — use one of ${Object.keys(factorValues).join(", ")}`);
        continue;
      }
      for (const x of typeof v === "string" ? [v] : v)
        if (!factorValues[f]!.includes(x))
          at(path, `${f} has no value "${x}" — use one of ${factorValues[f]!.join(", ")}`);
    }
  };
  m.exclude.forEach((w, i) => {
    checkWhen(w, ["exclude", i], false);
  });
  m.drive.forEach((d, i) => {
    checkWhen(d.when, ["drive", i, "when"]);
  });
  for (const [host, spec] of Object.entries(m.hosts)) {
    spec.files.forEach((f, i) => {
      checkWhen(f.when, ["hosts", host, "files", i, "when"]);
    });
    spec.directories.forEach((d, i) => {
      checkWhen(d.when, ["hosts", host, "directories", i, "when"]);
    });
  }

  // outcomes
  const keys = new Set<string>();
  m.outcomes.forEach((o, i) => {
    if (keys.has(o.key))
      at(["outcomes", i, "key"], `outcome key "${o.key}" is declared twice — give each outcome its own key`);
    for (const ref of referencedOutcomes(o.rule))
      if (!keys.has(ref))
        at(
          ["outcomes", i, "rule"],
          `rule refers to outcome "${ref}", not declared before it — declare it above or fix the key`,
        );
    for (const r of regexesOf(o.rule)) {
      try {
        new RegExp(r);
      } catch (e) {
        at(
          ["outcomes", i, "rule"],
          `invalid regular expression /${r}/: ${(e as Error).message.replace(/^Invalid regular expression: /, "")} — fix it`,
        );
      }
    }
    checkWhen(o.baseline, ["outcomes", i, "baseline"], false);
    checkWhen(o.when, ["outcomes", i, "when"]);
    keys.add(o.key);
  });
  if (m.persona) {
    for (const part of ["read", "honest", "protective"] as const) {
      m.persona[part].paper.forEach((c, i) => {
        if (m.toolsets.paper && !m.toolsets.paper.tools.includes(c.tool))
          at(
            ["persona", part, "paper", i, "tool"],
            `persona hint calls "${c.tool}", which the pack's paper tools do not include — add it to toolsets.paper.tools`,
          );
      });
    }
  }
  if (problems.length) throw new PackError(problems);
  return { dir, manifest: m, manifestText: text, files };
}

/** Every file of a pack directory (relative paths), for a copy into a run directory. */
export function packDirectoryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) out.push(r);
    }
  };
  walk("");
  return out;
}
