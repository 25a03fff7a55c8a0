import { isLocalModelId } from "./local.js";
import { costOf, defaultPrices, type PriceTable, priceFor } from "./prices.js";

export interface PlanAssumptions {
  /** Model calls one trial makes on average (the loop allows at most 30). */
  expectedCallsPerTrial?: number;
  /** Tokens of one call: input is the whole conversation so far, so it grows with the call index. */
  tokensPerCall?: { input: number; output: number };
  prices?: PriceTable;
}

export interface PlanEstimate {
  modelId: string;
  trials: number;
  expectedCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** null when the model has no price in the table (and is not local). */
  costUsd: number | null;
  priceVersion: string;
  assumptions: { expectedCallsPerTrial: number; tokensPerCall: { input: number; output: number } };
}

/** Study-shaped defaults: a trial averages about 8 calls over a 3–6k-token conversation. */
export const PLAN_DEFAULTS = { expectedCallsPerTrial: 8, tokensPerCall: { input: 5_000, output: 600 } } as const;

/** What `peerbench plan` prints per model: calls, tokens and an estimated cost (no cache discount assumed). */
export function estimatePlan(modelId: string, trials: number, assumptions: PlanAssumptions = {}): PlanEstimate {
  const table = assumptions.prices ?? defaultPrices();
  const perTrial = assumptions.expectedCallsPerTrial ?? PLAN_DEFAULTS.expectedCallsPerTrial;
  const perCall = assumptions.tokensPerCall ?? PLAN_DEFAULTS.tokensPerCall;
  const expectedCalls = Math.round(trials * perTrial);
  const inputTokens = expectedCalls * perCall.input;
  const outputTokens = expectedCalls * perCall.output;
  let costUsd: number | null;
  if (isLocalModelId(modelId) || modelId.startsWith("sim/") || modelId.startsWith("replay:")) costUsd = 0;
  else {
    const price = priceFor(modelId, table);
    costUsd = price ? Math.round(costOf({ inputTokens, outputTokens }, price) * 100) / 100 : null;
  }
  return {
    modelId,
    trials,
    expectedCalls,
    inputTokens,
    outputTokens,
    costUsd,
    priceVersion: table.version,
    assumptions: { expectedCallsPerTrial: perTrial, tokensPerCall: { ...perCall } },
  };
}
