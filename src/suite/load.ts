import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { baseUrlProblem } from "../models/providers/endpoint.js";
import { redact } from "../models/providers/redact.js";
import { taskNames } from "../tasks/index.js";
import { nearest } from "./nearest.js";
import { SUITE_FORMAT, SuiteFile } from "./schema.js";
import { showPath, SuiteFileError, type SuitePath, SuiteSource } from "./source.js";

/** A suite file read and checked: its text as given, the parsed form, and where each key is written. */
export interface LoadedSuite {
  /** The path as the user gave it (used in messages). */
  file: string;
  /** Paths in the file are relative to this directory. */
  dir: string;
  text: string;
  sha256: string;
  suite: SuiteFile;
  source: SuiteSource;
}

/** A path written in the suite file, as a path on this machine (relative to the suite file's directory). */
export function suitePath(loaded: Pick<LoadedSuite, "dir">, p: string): string {
  return isAbsolute(p) ? p : resolve(loaded.dir, p);
}

/**
 * Read and check a suite file. Every problem is one SuiteFileError `FILE:LINE:COL: what — what to do`: YAML
 * syntax, the format line, unknown keys (with the closest valid one), values of the wrong kind, unknown tasks,
 * endpoints that are not URLs, pack directories and files that are not there, and any secret written in it.
 */
export function loadSuite(file: string): LoadedSuite {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new SuiteFileError(`${file}: ${why} — give the path of a suite file (YAML, format: ${SUITE_FORMAT})`);
  }
  const source = SuiteSource.parse(file, text);
  const value = source.value();
  checkShape(source, value);
  refuseSecrets(source);
  const parsed = SuiteFile.safeParse(value);
  if (!parsed.success) throw issueError(source, value, firstIssue(source, parsed.error.issues));
  const loaded: LoadedSuite = {
    file,
    dir: dirname(resolve(file)),
    text,
    sha256: createHash("sha256").update(text).digest("hex"),
    suite: parsed.data,
    source,
  };
  checkValues(loaded);
  return loaded;
}

function checkShape(source: SuiteSource, value: unknown): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw source.error(
      [],
      `a suite file is a mapping of keys — start it with format: ${SUITE_FORMAT}, then models: and what to run`,
    );
  }
  const format = (value as Record<string, unknown>).format;
  if (format === undefined) {
    throw source.error([], `no format: line — start the file with format: ${SUITE_FORMAT}`);
  }
  if (typeof format === "string" && /^peerbench\.suite\/v\d+$/.test(format) && format !== SUITE_FORMAT) {
    throw source.error(
      ["format"],
      `format ${format} is not one this peerbench reads — it reads ${SUITE_FORMAT}; use the peerbench the file was written for`,
    );
  }
}

/**
 * A suite file is copied into every run directory and is meant to be shared: a key written in it would be in
 * both. Refused, at its place, whatever key holds it (the store's redactor knows the shapes of keys).
 */
function refuseSecrets(source: SuiteSource): void {
  for (const s of source.strings()) {
    if (s.key || redact(s.value) === s.value) continue;
    throw source.error(
      s.path,
      `${showPath(s.path)} holds a secret (an API key, or a URL's credentials) — a suite file is copied into every run directory: keep the key in an environment variable and name the variable with api_key_env`,
    );
  }
}

const SECRET_KEY = /(^|_)(key|token|secret|password|passwd|credentials?)$/i;

/** The keys an object of the schema at `path` takes (for "did you mean"). */
function keysAt(path: SuitePath): string[] {
  let schema: z.ZodType = SuiteFile;
  for (const p of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodArray && typeof p === "number") schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(p)]!;
    if (!schema) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.out as z.ZodType;
    else return s;
  }
}

function valueAt(value: unknown, path: SuitePath): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function shown(v: unknown): string {
  if (v === null) return "empty";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

function choose(given: unknown, values: readonly unknown[]): string {
  const names = values.map(String);
  const near = typeof given === "string" ? nearest(given, names) : null;
  return `${near ? `did you mean "${near}"? ` : ""}choose from ${names.join(", ")}`;
}

/**
 * The issue to report: an unknown key first (a missing key is most often a misspelt one), else the first in the
 * file.
 */
function firstIssue(source: SuiteSource, issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  const unknown = issues.find((i) => i.code === "unrecognized_keys");
  if (unknown) return unknown;
  const place = (i: z.core.$ZodIssue) => source.offset(i.path as SuitePath);
  return [...issues].sort((a, b) => place(a) - place(b))[0]!;
}

function issueError(source: SuiteSource, value: unknown, issue: z.core.$ZodIssue): SuiteFileError {
  let path = issue.path as SuitePath;
  // a list written as one value (`subject: peers`): the value itself is the place
  const last = path[path.length - 1];
  if (typeof last === "number" && !Array.isArray(valueAt(value, path.slice(0, -1)))) path = path.slice(0, -1);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const where = path.length ? `in ${showPath(path)}` : "at the top level";
    const valid = keysAt(path);
    const near = nearest(key, valid);
    const todo = SECRET_KEY.test(key)
      ? "a suite file holds no keys: put the key in an environment variable and name it with api_key_env: NAME"
      : near
        ? `did you mean "${near}"?`
        : `remove it; the keys ${where.replace(/^at the top level$/, "here")} are ${valid.join(", ")}`;
    return source.error([...path, key], `unknown key "${key}" ${where} — ${todo}`, { key: true });
  }
  const given = valueAt(value, path);
  const todo = issue.code === "invalid_value" && issue.values.length > 1 ? choose(given, issue.values) : issue.message;
  if (given === undefined) return source.error(path, `no ${showPath(path)} — ${todo}`);
  return source.error(path, `${showPath(path)} is ${shown(given)} — ${todo}`);
}

/** What the schema cannot say: names the rest of peerbench knows, endpoints, files and folders that must exist. */
function checkValues(loaded: LoadedSuite): void {
  const { suite, source } = loaded;
  // A pack brings its own tasks: with packs, task names are the packs' to check.
  if (!suite.packs?.length) {
    suite.tasks?.forEach((t, i) => {
      if (!taskNames().includes(t))
        throw source.error(["tasks", i], `tasks[${i}] is ${shown(t)} — ${choose(t, taskNames())}`);
    });
  }
  const seen = new Map<string, number>();
  suite.models.forEach((m, i) => {
    const first = seen.get(m.id);
    if (first !== undefined)
      throw source.error(
        ["models", i, "id"],
        `models[${i}] is ${m.id} again (models[${first}]) — list each model once: trial ids are made from the model id`,
      );
    seen.set(m.id, i);
  });
  const urls: Array<[SuitePath, string | undefined]> = [
    ...suite.models.map((m, i): [SuitePath, string | undefined] => [["models", i, "base_url"], m.base_url]),
    [["judge", "base_url"], suite.judge?.base_url],
  ];
  for (const [path, url] of urls) {
    const problem = url === undefined ? null : baseUrlProblem(url);
    if (problem) throw source.error(path, `${showPath(path)} ${shown(url)} ${problem}`);
  }
  suite.packs?.forEach((p, i) => {
    const dir = suitePath(loaded, p);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw source.error(
        ["packs", i],
        `packs[${i}] ${shown(p)}: no such directory (${dir}) — give a pack directory, relative to the suite file`,
      );
  });
  if (suite.prices !== undefined) {
    const f = suitePath(loaded, suite.prices);
    if (!existsSync(f) || !statSync(f).isFile())
      throw source.error(
        ["prices"],
        `prices ${shown(suite.prices)}: no such file (${f}) — give a price table, relative to the suite file`,
      );
  }
}
