import type { ModelCliOptions } from "../models/providers/cli.js";
import { safeUrl } from "../models/providers/redact.js";
import type { Manifest } from "../run/store.js";
import { UsageError } from "./errors.js";
import type { SelectionOptions } from "./selection.js";
import { toolsetsOf } from "./selection.js";

/**
 * `--resume DIR` continues a run exactly as it was planned: every setting comes from the manifest (models and
 * their families, model options, the selection, toolsets, epochs, seed, limits, the judge, controls), and a flag
 * given on the command line that would change any of them is refused by name. Flags that only change how this
 * process runs are taken: --concurrency, --max-cost (a new budget for the whole run), --no-progress, --no-report,
 * --json, --detail, and the gate's --fail-on, --confidence, --markdown, --junit. A --base-url that carried credentials is recorded without them, so it must be given again,
 * and is accepted when it is the recorded one with its credentials.
 */

/** What a run recorded about how it was asked for (manifest.settings.selection). */
export interface RecordedSelection extends SelectionOptions {
  modelOptions?: ModelCliOptions;
  /** A suite run: each model's own options (the file's under the flags given), by model id. */
  modelOptionsById?: Record<string, ModelCliOptions & { family?: string }>;
  /** Where shell trials ran their commands (`--shell`); absent means memory. */
  shell?: string;
}

/** The model flags a run records (model settings in the manifest) and --resume reuses. */
export const MODEL_CLI_KEYS = [
  "baseUrl",
  "apiKeyEnv",
  "temperature",
  "maxOutputTokens",
  "reasoningEffort",
  "thinkingBudget",
  "openaiApi",
  "maxRetries",
  "timeout",
  "cache",
  "prices",
  "judge",
  "judgeBaseUrl",
] as const;
/** Model flags holding URLs: recorded without their credentials. */
const URL_KEYS = ["baseUrl", "judgeBaseUrl"] as const;

/** The flags a resume takes as they are: they change how this process runs, not what the run measures. */
export const RESUME_FLAGS = new Set([
  "resume",
  "concurrency",
  "maxCost",
  "progress",
  "report",
  "json",
  "detail",
  // the gate (src/gate) reads the figures after the run: it never changes what is run
  "failOn",
  "confidence",
  "markdown",
  "junit",
]);

/** What a resume compares flags against: a study run's manifest or a scenario pack run's (src/packs/run-dir.ts). */
export type ResumableManifest = Pick<Manifest, "models" | "settings">;

/** A run's settings as given on the command line, for one flag: the CLI's value and the recorded one. */
export interface Comparison {
  flag: string;
  given: unknown;
  recorded: unknown;
}

const norm = (v: unknown): string => {
  if (v === undefined || v === null) return "null";
  if (Array.isArray(v)) return JSON.stringify([...v].map(String).sort());
  return JSON.stringify(v);
};

const shown = (v: unknown): string => {
  if (v === undefined || v === null) return "not set";
  if (Array.isArray(v)) return v.join(",");
  return String(v);
};

const kebab = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The family a run's simulated and exec critics had (recorded since it was a setting; else from the models). */
function recordedFamily(m: ResumableManifest, sel: RecordedSelection): string | undefined {
  if (sel.family) return sel.family;
  const nonProvider = m.models.find((x) => /^(sim\/|exec:|replay:)/.test(x.id));
  return nonProvider?.family;
}

export interface ResumeOptions extends SelectionOptions, ModelCliOptions {
  model?: string[];
  models?: string;
  seed: number;
  maxCalls: number;
  out?: string;
  trialTimeout?: number;
  maxTrialTokens?: number;
  shell?: string;
}

/**
 * The flags given (`given`: option names the user typed) that would change the recorded plan, refused in one line;
 * `modelIds` are the ids the CLI's --model/--models would give; `extra`: comparisons of flags only some runs have
 * (a pack run's --pack and --factor).
 */
export function refuseChangingFlags(
  dir: string,
  m: ResumableManifest,
  opts: ResumeOptions,
  given: Set<string>,
  modelIds: () => string[],
  extra: Record<string, () => Comparison> = {},
): void {
  const sel = (m.settings.selection ?? {}) as RecordedSelection;
  const mo = sel.modelOptions ?? {};
  const s = m.settings as Manifest["settings"] & Record<string, unknown>;
  const compare: Record<string, () => Comparison> = {
    model: () => ({ flag: "--model", given: modelIds(), recorded: m.models.map((x) => x.id) }),
    models: () => ({ flag: "--models", given: modelIds(), recorded: m.models.map((x) => x.id) }),
    toolset: () => ({ flag: "--toolset", given: toolsetsOf(opts), recorded: sel.toolset ?? s.toolsets }),
    family: () => ({ flag: "--family", given: opts.family, recorded: recordedFamily(m, sel) }),
    epochs: () => ({ flag: "--epochs", given: opts.epochs, recorded: s.epochs }),
    seed: () => ({ flag: "--seed", given: opts.seed, recorded: s.seed }),
    maxCalls: () => ({ flag: "--max-calls", given: opts.maxCalls, recorded: s.maxModelCalls }),
    trialTimeout: () => ({
      flag: "--trial-timeout",
      given: opts.trialTimeout,
      recorded: typeof s.maxTrialMs === "number" ? s.maxTrialMs / 1000 : undefined,
    }),
    maxTrialTokens: () => ({ flag: "--max-trial-tokens", given: opts.maxTrialTokens, recorded: s.maxTrialTokens }),
    out: () => ({ flag: "--out", given: opts.out, recorded: `${dir} itself` }),
    shell: () => ({ flag: "--shell", given: opts.shell ?? "memory", recorded: sel.shell ?? "memory" }),
    ...extra,
  };
  for (const k of [
    "preset",
    "task",
    "subject",
    "relationship",
    "instantiation",
    "dataset",
    "monitoring",
    "control",
    "peerIdentity",
    "agent",
    "gateway",
  ] as const) {
    compare[k] = () => ({ flag: kebab(k), given: opts[k], recorded: sel[k] });
  }
  for (const k of URL_KEYS) {
    compare[k] = () => ({
      flag: kebab(k),
      given: opts[k] === undefined ? undefined : safeUrl(opts[k]),
      recorded: mo[k],
    });
  }
  for (const k of MODEL_CLI_KEYS) {
    if (!(URL_KEYS as readonly string[]).includes(k))
      compare[k] = () => ({ flag: kebab(k), given: opts[k], recorded: mo[k] });
  }

  const changed: string[] = [];
  for (const key of given) {
    if (RESUME_FLAGS.has(key)) continue;
    const c = compare[key]?.();
    if (!c) {
      changed.push(`${kebab(key)} (not a setting a resume can take)`);
      continue;
    }
    if (key === "out" || norm(c.given) !== norm(c.recorded)) {
      const was =
        c.recorded === undefined || c.recorded === null ? "not set in the run" : `the run has ${shown(c.recorded)}`;
      changed.push(`${c.flag} ${shown(c.given)} (${was})`);
    }
  }
  if (changed.length) {
    throw new UsageError(
      `--resume continues ${dir} as it was planned; these flags would change it: ${changed.join(", ")}; drop them, or start a new run with --out`,
    );
  }
}

/** The model options to resume with: the recorded ones, and a --base-url given again for its credentials. */
export function restoredModelOptions(dir: string, m: ResumableManifest, opts: ModelCliOptions): ModelCliOptions {
  const sel = (m.settings.selection ?? {}) as RecordedSelection;
  return restoredOptionsOf(dir, sel.modelOptions ?? {}, opts);
}

/**
 * Recorded model options (the run's, or one model's in a suite run) to resume with: a --base-url given again
 * supplies the credentials a recorded one lost.
 */
export function restoredOptionsOf<T extends ModelCliOptions>(dir: string, recorded: T, opts: ModelCliOptions): T {
  const restored: T = { ...recorded };
  for (const k of ["baseUrl", "judgeBaseUrl"] as const) {
    const recorded = restored[k];
    if (recorded === undefined) continue;
    if (opts[k] !== undefined) restored[k] = opts[k];
    else if (recorded.includes("[redacted]")) {
      const flag = kebab(k);
      throw new UsageError(
        `${dir} was run with a ${flag} that carried credentials, which are never recorded; give it again: --resume ${dir} ${flag} URL`,
      );
    }
  }
  return restored;
}

/** The family each recorded model had, by id (simulated and exec critics take it from --family). */
export function recordedFamilies(m: ResumableManifest): Map<string, string> {
  return new Map(m.models.map((x) => [x.id, x.family]));
}

export { recordedFamily };
