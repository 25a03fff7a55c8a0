export { isLocalModelId } from "./local.js";
export { estimatePlan, PLAN_DEFAULTS, type PlanAssumptions, type PlanEstimate } from "./plan.js";
export { costOf, defaultPrices, loadPrices, ModelPrice, PriceTable, priceFor, type TokenCounts } from "./prices.js";
