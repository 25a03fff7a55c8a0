import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { unzipSync } from "fflate";

/** Inspect's published log schema (fixtures/README.md), compiled once. */
const schema = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/log-schema.json"), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(schema, "log");

export function validator(definition?: string): ValidateFunction {
  const fn = ajv.getSchema(definition ? `log#/$defs/${definition}` : "log");
  if (!fn) throw new Error(`no ${definition} in the log schema`);
  return fn;
}

/** The first few errors of a failed validation, readable in a test failure. */
export function errorsOf(fn: ValidateFunction): string {
  return ajv.errorsText((fn.errors ?? []).slice(0, 5), { separator: "\n" });
}

/** An archive read back with fflate (an implementation independent of ours): entry name → parsed JSON. */
export function readEval(path: string): Map<string, unknown> {
  const entries = unzipSync(new Uint8Array(readFileSync(path)));
  return new Map(
    Object.entries(entries).map(([name, bytes]) => [name, JSON.parse(Buffer.from(bytes).toString("utf8"))]),
  );
}
