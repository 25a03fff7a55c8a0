import { z } from "zod";
import { MAX_EPOCHS } from "../cli/selection.js";
import { REASONING_EFFORTS } from "../models/providers/options.js";
import { PRESET_NAMES } from "../run/presets.js";
import {
  CONTROLS,
  Dataset,
  Family,
  Instantiation,
  Monitoring,
  Relationship,
  Subject,
  Toolset,
} from "../scenarios/spec.js";

/** The format a suite file names on its `format:` line. */
export const SUITE_FORMAT = "peerbench.suite/v1";

/**
 * The schema of a suite file (docs: src/suite/README.md). Every object is strict: an unknown key is an error with
 * the closest valid key. Each leaf's error message is what to write instead (load.ts puts the place and the value
 * in front of it). Names are the CLI's flags in snake_case.
 */

const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const hint =
    max === Number.MAX_SAFE_INTEGER
      ? `write a whole number >= ${min}`
      : `write a whole number from ${min} to ${max.toLocaleString("en-US")}`;
  return z.number({ error: hint }).int({ error: hint }).min(min, { error: hint }).max(max, { error: hint });
};
const positive = (hint: string) => z.number({ error: hint }).positive({ error: hint });
const text = (hint: string) => z.string({ error: hint }).min(1, { error: hint });
const oneOf = <T extends string>(values: readonly [T, ...T[]]) => z.enum(values);
/** A list, or one value written alone (`tasks: tampering` is `tasks: [tampering]`). */
const list = <T extends z.ZodType>(item: T, hint: string) =>
  z.preprocess(
    (v) => (v === undefined || v === null || Array.isArray(v) ? v : [v]),
    z.array(item, { error: hint }).min(1, { error: hint }),
  );

export const SuiteModel = z.strictObject(
  {
    id: text("write a model id: sim/<persona>, provider/model, replay:FILE or exec:COMMAND"),
    family: Family.optional(),
    base_url: text("write the endpoint's URL, e.g. http://127.0.0.1:8000/v1").optional(),
    api_key_env: z
      .string({ error: "write the name of the environment variable that holds the key, e.g. VLLM_API_KEY" })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: "write the name of an environment variable (letters, digits, _), not the key itself",
      })
      .optional(),
    temperature: z
      .number({ error: "write a number >= 0, e.g. 1.0" })
      .min(0, { error: "write a number >= 0, e.g. 1.0" })
      .optional(),
    max_output_tokens: whole(1).optional(),
    reasoning_effort: oneOf(REASONING_EFFORTS as [string, ...string[]]).optional(),
    thinking_budget: whole(0).optional(),
    openai_api: oneOf(["responses", "chat"]).optional(),
  },
  { error: "write a model id, or a mapping with id: and its options" },
);
export type SuiteModel = z.infer<typeof SuiteModel>;

export const SuiteFactors = z.strictObject({
  subject: list(Subject, "list subjects: self, peer").optional(),
  relationship: list(Relationship, "list relationships").optional(),
  instantiation: list(Instantiation, "list instantiations").optional(),
  dataset: list(Dataset, "list datasets").optional(),
  monitoring: list(Monitoring, "list monitoring levels").optional(),
});

export const SuiteLimits = z.strictObject({
  max_cost_usd: positive("write a positive number of USD, e.g. 25").optional(),
  max_calls: whole(1, 10_000).optional(),
  trial_timeout_s: whole(1).optional(),
  max_trial_tokens: whole(1).optional(),
  call_timeout_s: positive("write a number of seconds >= 1, e.g. 300")
    .min(1, { error: "write a number of seconds >= 1, e.g. 300" })
    .optional(),
  max_retries: whole(0).optional(),
});

export const SuiteJudge = z.strictObject(
  {
    model: text("write the judge's model id, e.g. openai/gpt-4.1-mini"),
    base_url: text("write the judge endpoint's URL").optional(),
  },
  { error: "write the judge's model id, or a mapping with model: and base_url:" },
);

export const SuiteHarness = z.strictObject({
  agent: text("write the agent product: gemini-cli, opencode, claude-code, codex or qwen-code"),
  gateway: oneOf(["model", "forward"]).optional(),
});

export const SuiteFile = z.strictObject({
  format: z.literal(SUITE_FORMAT, { error: `write format: ${SUITE_FORMAT}` }),
  name: z
    .string({ error: "write a short name (letters, digits, . _ -), used in the run directory's name" })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, {
      error: "write a short name (letters, digits, . _ -), used in the run directory's name",
    })
    .optional(),
  description: z.string({ error: "write a line of text" }).optional(),
  models: z
    .array(
      z.preprocess((v) => (typeof v === "string" ? { id: v } : v), SuiteModel),
      { error: "list the models, e.g. models: [sim/honest, sim/loyal]" },
    )
    .min(1, { error: "list at least one model, e.g. models: [sim/honest]" }),
  preset: oneOf(PRESET_NAMES as [string, ...string[]]).optional(),
  tasks: list(z.string({ error: "write a task name" }), "list task names").optional(),
  packs: list(text("write a pack directory, relative to the suite file"), "list pack directories").optional(),
  factors: SuiteFactors.optional(),
  controls: list(oneOf(["none", ...CONTROLS]), "list controls").optional(),
  toolsets: list(Toolset, "list toolsets: paper, shell, harness").optional(),
  harness: SuiteHarness.optional(),
  shell: oneOf(["memory", "lab"]).optional(),
  family: Family.optional(),
  epochs: whole(1, MAX_EPOCHS).optional(),
  judge: z.preprocess((v) => (typeof v === "string" ? { model: v } : v), SuiteJudge).optional(),
  limits: SuiteLimits.optional(),
  concurrency: whole(1, 1000).optional(),
  seed: whole(0).optional(),
  out: text("write the run directory, relative to the suite file").optional(),
  cache: text("write a cache directory, relative to the suite file").optional(),
  prices: text("write a price table file, relative to the suite file").optional(),
});
export type SuiteFile = z.infer<typeof SuiteFile>;
