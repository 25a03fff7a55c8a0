import { readFileSync } from "node:fs";
import { z } from "zod";

/** USD per 1M tokens. `cachedInput` defaults to `input` when a provider has no cache discount. */
export const ModelPrice = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.object({
  format: z.literal("peerbench.prices/v1").default("peerbench.prices/v1"),
  version: z.string().min(1),
  currency: z.literal("USD").default("USD"),
  unit: z.string().optional(),
  note: z.string().optional(),
  models: z.record(z.string(), ModelPrice),
});
export type PriceTable = z.infer<typeof PriceTable>;

let defaultTable: PriceTable | undefined;

/** The price table shipped with peerbench (src/models/cost/prices.json). */
export function defaultPrices(): PriceTable {
  if (!defaultTable) {
    const raw = JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8"));
    defaultTable = PriceTable.parse(raw);
  }
  return defaultTable;
}

/** A price file that cannot be used: one line saying what and where (the CLI exits with 2). */
export class PriceFileError extends Error {
  override name = "InputError";
}

/** Reads a user price file and merges it over the default table; the version becomes "<default>+<file>". */
export function loadPrices(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    throw new PriceFileError(`--prices ${file}: ${why}; give a peerbench.prices/v1 JSON file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PriceFileError(
      `--prices ${file}: cannot read it as JSON (${(e as Error).message}); give a peerbench.prices/v1 file`,
    );
  }
  const parsed = PriceTable.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(top level)";
    throw new PriceFileError(
      `--prices ${file}: ${where}: ${issue?.message}; see src/models/cost/prices.json for the format`,
    );
  }
  const base = defaultPrices();
  return {
    ...base,
    version: `${base.version}+${parsed.data.version}`,
    models: { ...base.models, ...parsed.data.models },
  };
}

/** Price of a model id: exact id first, then the same model name under any provider, else null (unknown). */
export function priceFor(modelId: string, table: PriceTable = defaultPrices()): ModelPrice | null {
  const exact = table.models[modelId];
  if (exact) return exact;
  const lower = modelId.toLowerCase();
  for (const [id, price] of Object.entries(table.models)) if (id.toLowerCase() === lower) return price;
  const name = lower.slice(lower.indexOf("/") + 1);
  for (const [id, price] of Object.entries(table.models)) {
    if (id.toLowerCase().slice(id.indexOf("/") + 1) === name) return price;
  }
  return null;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
}

/** Cost in USD of one call. Cached input tokens are part of inputTokens and billed at the cached rate. */
export function costOf(usage: TokenCounts, price: ModelPrice): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const fresh = usage.inputTokens - cached;
  const usd =
    (fresh * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output) / 1e6;
  return Math.round(usd * 1e8) / 1e8;
}
