import type { AgentAdapter } from "./adapter.js";
import { claudeCode } from "./claude-code.js";
import { codex } from "./codex.js";
import { geminiCli } from "./gemini-cli.js";
import { opencode } from "./opencode.js";
import { qwenCode } from "./qwen-code.js";

export type { AgentAdapter, Launch, LaunchContext } from "./adapter.js";

/** The agent products harness mode can run, by --agent name. */
export const AGENTS: Record<string, AgentAdapter> = Object.fromEntries(
  [geminiCli, opencode, claudeCode, codex, qwenCode].map((a) => [a.name, a]),
);

export function agentAdapter(name: string): AgentAdapter {
  const a = AGENTS[name];
  if (!a) throw new Error(`unknown agent "${name}": use one of ${Object.keys(AGENTS).join(", ")}`);
  return a;
}
