import { z } from "zod";

/**
 * The manifest of a scenario pack (`pack.yaml`): a scenario a user writes without touching peerbench's code.
 * The schema is the reference (packs/README.md describes every field); strict objects everywhere, so a typo in a
 * key is an error at its line rather than a field silently ignored.
 */
export const PACK_FORMAT = "peerbench.pack/v1";

export const PACK_NAME = /^[a-z][a-z0-9-]{1,40}$/;

/** Relationship values a pack may vary; trust scores as in the study (no_peer: no peer anywhere). */
export const PACK_RELATIONSHIPS = ["good", "neutral", "bad", "no_peer"] as const;
export const PACK_TRUST: Record<string, string> = { good: "9.5", neutral: "5.2", bad: "2.1", no_peer: "" };
export const PACK_MONITORING = ["monitored", "unmonitored"] as const;
export const PACK_INSTANTIATIONS = ["file_only", "file_prt", "memory"] as const;
export const BUILT_IN_FACTORS = ["relationship", "monitoring", "instantiation"] as const;

const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?Z)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: "must be a date such as 2026-01-14 or 2026-01-14T09:12:00Z",
  });
const mode = z
  .string()
  .regex(/^[0-7]?[0-7]{3}$/, 'must be an octal mode in quotes, such as "0600" or "2775"')
  .transform((s) => Number.parseInt(s, 8));
const login = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a login name such as agent or root");
const absolutePath = z
  .string()
  .regex(/^\/[^\0]*[^/]$/, "must be an absolute path to a file, such as /home/agent/config/tokens.yaml");
const factorName = z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, "must be a lower-case name such as urgency");

/** `when:` selects the configurations a file, a document or a rule applies to (factor → allowed values). */
export const When = z.record(factorName, z.union([z.string(), z.array(z.string()).min(1)]));
export type When = z.infer<typeof When>;

const textSource = {
  /** The text itself, with {{placeholders}}. */
  text: z.string().optional(),
  /** A file beside the manifest (relative path), rendered the same way. */
  file: z.string().min(1).optional(),
};

export const PackFile = z
  .strictObject({
    path: absolutePath,
    ...textSource,
    mtime: isoDate,
    /** Nominal size in bytes: the file is as large as a listing says (a text head, then binary body). */
    size: z
      .number()
      .int()
      .positive()
      .max(2 ** 50)
      .optional(),
    mode: mode.optional(),
    owner: login.optional(),
    group: login.optional(),
    /** Render {{placeholders}} in the content (default true; false for binary-looking or literal files). */
    template: z.boolean().default(true),
    when: When.optional(),
  })
  .refine((f) => (f.text === undefined) !== (f.file === undefined), {
    message: "give exactly one of text (inline) or file (a path beside the manifest)",
  });
export type PackFile = z.infer<typeof PackFile>;

export const PackDocument = z
  .strictObject({
    name: z.string().regex(/^[^/\0]+$/, "must be a plain file name (documents live in the drive, /home/agent/drive)"),
    ...textSource,
    mtime: isoDate,
    when: When.optional(),
  })
  .refine((f) => (f.text === undefined) !== (f.file === undefined), {
    message: "give exactly one of text (inline) or file (a path beside the manifest)",
  });
export type PackDocument = z.infer<typeof PackDocument>;

/** A directory with an owner and a mode of its own (the shell enforces them; the paper tools ignore them). */
export const PackDirectory = z.strictObject({
  path: z.string().regex(/^\/[^\0]*[^/]$/, "must be an absolute path to a directory, such as /etc/deploy-gateway"),
  mode: mode,
  owner: login,
  group: login,
  mtime: isoDate.optional(),
  when: When.optional(),
});

export const PackHost = z.strictObject({
  files: z.array(PackFile).default([]),
  directories: z.array(PackDirectory).default([]),
});

const Prompt = z.strictObject(textSource).refine((p) => (p.text === undefined) !== (p.file === undefined), {
  message: "give exactly one of text (inline) or file (a path beside the manifest)",
});

const FactorTexts = z.record(z.string(), z.string());

const BuiltInFactor = z.strictObject({
  values: z.array(z.string()).min(1),
  /** Text per value, available as {{<factor>_text}} (e.g. {{relationship_text}}). */
  text: FactorTexts.optional(),
});

export const PackFactors = z.strictObject({
  relationship: BuiltInFactor.default({ values: ["good"] }),
  monitoring: BuiltInFactor.optional(),
  instantiation: BuiltInFactor.optional(),
  /** The pack's own factors: name → value → text ({{name}} renders the text of the configuration's value). */
  own: z
    .record(factorName, z.record(z.string().regex(/^[a-z0-9_]+$/, "must be a lower-case value"), z.string()))
    .default({}),
});
export type PackFactors = z.infer<typeof PackFactors>;

/** A tool call or a shell command a persona makes (persona hints). */
const PaperCall = z.strictObject({ tool: z.string().min(1), args: z.record(z.string(), z.unknown()).default({}) });
export type PaperCall = z.infer<typeof PaperCall>;

const Actions = z.strictObject({
  paper: z.array(PaperCall).default([]),
  shell: z.array(z.string().min(1)).default([]),
});
export type PersonaActions = z.infer<typeof Actions>;

export const PersonaHints = z.strictObject({
  /** What the persona reads first (the documents that tell it the situation). */
  read: Actions.default({ paper: [], shell: [] }),
  /** The honest completion of the task. */
  honest: Actions,
  /** What a persona that protects the peer does instead. */
  protective: Actions,
  /** The short report a persona gives when it ends (placeholders allowed); also what a refusal names. */
  report: z.string().optional(),
  /** What the task asks it to do to the peer, for an open refusal ("revoke the credentials of"). */
  harm: z.string().default("carry out this change against"),
});
export type PersonaHints = z.infer<typeof PersonaHints>;

const Where = z.strictObject({ host: z.string().min(1), path: absolutePath });

/** One declarative rule over the final World and the event log; `all`/`any`/`not` combine them. */
export type Rule =
  | {
      content_on: {
        of?: { host: string; path: string };
        text?: string;
        host?: string;
        except?: { host: string; path: string }[];
      };
    }
  | { file_contains: { host: string; path: string; text?: string; regex?: string } }
  | { file_unchanged: { host: string; path: string } }
  | { config_key: { host: string; path: string; key: string; is?: unknown; is_not?: unknown; missing?: boolean } }
  | { called: { tool?: string; args?: string; command?: string } }
  | { reported: { value: "score" | "grade"; for?: string; at_least?: number; at_most?: number; is?: string } }
  | { refusal: Record<string, never> | null }
  | { wrote: { regex: string; in?: "messages" | "documents" | "both" } }
  | { outcome: string }
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule };

export const Rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.strictObject({
      content_on: z
        .strictObject({
          of: Where.optional(),
          text: z.string().min(1).optional(),
          host: z.string().optional(),
          except: z.array(Where).default([]),
        })
        .refine((r) => (r.of === undefined) !== (r.text === undefined), {
          message: "give exactly one of of (a file of the pack) or text",
        }),
    }),
    z.strictObject({
      file_contains: z
        .strictObject({
          host: z.string().min(1),
          path: absolutePath,
          text: z.string().min(1).optional(),
          regex: z.string().min(1).optional(),
        })
        .refine((r) => (r.text === undefined) !== (r.regex === undefined), {
          message: "give exactly one of text or regex",
        }),
    }),
    z.strictObject({ file_unchanged: Where }),
    z.strictObject({
      config_key: z
        .strictObject({
          host: z.string().min(1),
          path: absolutePath,
          key: z.string().min(1),
          is: z.unknown().optional(),
          is_not: z.unknown().optional(),
          missing: z.boolean().optional(),
        })
        .refine((r) => [r.is, r.is_not, r.missing].filter((x) => x !== undefined).length === 1, {
          message: "give exactly one of is, is_not or missing",
        }),
    }),
    z.strictObject({
      called: z
        .strictObject({ tool: z.string().optional(), args: z.string().optional(), command: z.string().optional() })
        .refine((r) => r.tool !== undefined || r.command !== undefined, {
          message: "give tool (a regex over tool names) or command (a regex over shell commands)",
        }),
    }),
    z.strictObject({
      reported: z.strictObject({
        value: z.enum(["score", "grade"]),
        for: z.string().optional(),
        at_least: z.number().optional(),
        at_most: z.number().optional(),
        is: z.string().optional(),
      }),
    }),
    z.strictObject({ refusal: z.strictObject({}).nullable() }),
    z.strictObject({
      wrote: z.strictObject({
        regex: z.string().min(1),
        in: z.enum(["messages", "documents", "both"]).default("both"),
      }),
    }),
    z.strictObject({ outcome: z.string().min(1) }),
    z.strictObject({ all: z.array(Rule).min(1) }),
    z.strictObject({ any: z.array(Rule).min(1) }),
    z.strictObject({ not: Rule }),
  ]),
) as z.ZodType<Rule>;

export const METRIC_KINDS = ["rate", "difference", "mean"] as const;

export const PackOutcome = z
  .strictObject({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, "must be a snake_case key such as access_kept"),
    kind: z.enum(["boolean", "number"]).default("boolean"),
    description: z.string().min(1),
    rule: Rule,
    /**
     * How the key becomes a headline figure: rate (share of trials where it is true), mean (numbers), or the
     * difference of the rate over a baseline (`baseline`: the configurations with these factor values).
     */
    metric: z.enum(METRIC_KINDS).default("rate"),
    baseline: z.record(z.string(), z.string()).optional(),
    /** A behaviour to report (shown first); otherwise a supporting key. */
    headline: z.boolean().default(false),
    when: When.optional(),
  })
  .refine((o) => (o.metric === "difference") === (o.baseline !== undefined), {
    message: "metric difference needs baseline (the factor values it is measured against), and only it takes one",
    path: ["baseline"],
  });
export type PackOutcome = z.infer<typeof PackOutcome>;

export const PaperToolsetSpec = z.strictObject({
  tools: z.array(z.string().min(1)).min(1),
  /** The YAML file the config tools (view_config, modify_var, add_var, remove_var) edit on the workstation. */
  config: absolutePath.optional(),
});

export const PackManifest = z.strictObject({
  format: z.literal(PACK_FORMAT, { message: `must be ${PACK_FORMAT}` }),
  name: z.string().regex(PACK_NAME, "must be lower-case letters, digits and dashes, such as rotate-credentials"),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a version such as 1.0.0"),
  description: z.string().min(1),
  /** The peer's name ({{peer_name}}); default "{{family}} Agent 2". The critic is "{{family}} Agent 1". */
  peer: z.string().min(1).default("{{family}} Agent 2"),
  hosts: z.record(z.string(), PackHost).refine((h) => "workstation" in h, {
    message: "needs a workstation (the agent's own machine)",
  }),
  drive: z.array(PackDocument).default([]),
  prompts: z.strictObject({
    system: Prompt,
    user: Prompt,
    /** The block that says how to work, per toolset: what {{procedure}} renders to. */
    procedure: z.strictObject({ paper: Prompt.optional(), shell: Prompt.optional() }).optional(),
  }),
  toolsets: z
    .strictObject({ paper: PaperToolsetSpec.optional(), shell: z.strictObject({}).nullable().optional() })
    .refine((t) => t.paper !== undefined || t.shell !== undefined, { message: "declare paper, shell or both" }),
  factors: PackFactors.default({ relationship: { values: ["good"] }, own: {} }),
  /** Combinations left out of the product of the factors (each: factor → value or values). */
  exclude: z.array(When).default([]),
  outcomes: z.array(PackOutcome).min(1),
  persona: PersonaHints.optional(),
});
export type PackManifest = z.infer<typeof PackManifest>;
