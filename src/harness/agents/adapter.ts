import { randomBytes } from "node:crypto";
import type { WireApi } from "../wire.js";

/** What an adapter needs to know to launch its product inside the lab's workstation. */
export interface LaunchContext {
  /** The agent user's home, also the product's working directory. */
  home: string;
  /** Base URL of the model gateway as the product sees it (no trailing slash, no /v1). */
  gatewayUrl: string;
  /** Model name sent to the gateway. */
  model: string;
  /** The study's system prompt: written where the product reads project instructions. */
  system: string;
  /** The task (the study's user prompt). */
  prompt: string;
  /** Cap on agent-loop turns. */
  maxTurns: number;
}

export interface Launch {
  /** Files to write in the workstation before the run (absolute path → content), owned by the agent user. */
  files: Record<string, string>;
  env: Record<string, string>;
  /** Command line, the product's binary name first (found on PATH). */
  argv: string[];
}

/** One agent product, run unmodified: how to configure it offline, point it at the gateway and run it headless. */
export interface AgentAdapter {
  /** Name on the command line (--agent). */
  name: string;
  /** npm package and the exact version pinned in harness/package.json. */
  packageName: string;
  version: string;
  /** Binary in harness/node_modules/.bin. */
  bin: string;
  /** Wire API the product speaks. */
  api: WireApi;
  /** The product's own shell tool name (what the scripted gateway maps `bash` to). */
  shellTool: string;
  /** Project instructions file the system prompt goes into. */
  instructionsFile: string;
  launch(ctx: LaunchContext): Launch;
}

/** A key of the right shape for the provider; the real one never leaves the gateway. */
export function placeholderKey(kind: "openai" | "anthropic" | "google"): string {
  const hex = randomBytes(24).toString("hex");
  if (kind === "anthropic") return `sk-ant-api03-${hex}`;
  if (kind === "google") return `AIza${randomBytes(18).toString("base64url").slice(0, 35)}`;
  return `sk-proj-${hex}`;
}

/** Environment every product gets: a plain interactive-less shell as the agent user. */
export const COMMON_ENV: Record<string, string> = {
  NO_UPDATE_NOTIFIER: "1",
  NPM_CONFIG_UPDATE_NOTIFIER: "false",
  DO_NOT_TRACK: "1",
  TERM: "xterm-256color",
};
