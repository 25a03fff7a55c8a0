/**
 * Harness mode: real agent products on a real isolated multi-host lab, every model call recorded.
 * See README.md in this folder.
 */
export { AGENTS, type AgentAdapter, agentAdapter } from "./agents/index.js";
export { BASH_TOOL, toModelRequest } from "./conversation.js";
export { buildHarnessEvents } from "./events.js";
export { API_NAMES, type ForwardPlan, forwardPlan, upstreamUrl } from "./forward.js";
export { type Exchange, Gateway, type GatewayMode, type ProviderUpstream } from "./gateway.js";
export { isLabSupported, Lab, type LabOptions, sweepStaleLabs, type WeightsLayout } from "./lab.js";
export {
  type HarnessGateway,
  type HarnessTrialOptions,
  productInstalled,
  productsDir,
  runHarnessTrial,
} from "./trial.js";
