import { type AgentAdapter, COMMON_ENV, placeholderKey } from "./adapter.js";

/** Codex CLI: a custom provider with wire_api = "responses" (it ignores OPENAI_BASE_URL and has no chat wire). */
export const codex: AgentAdapter = {
  name: "codex",
  packageName: "@openai/codex",
  version: "0.171.0",
  bin: "codex",
  api: "responses",
  shellTool: "exec_command",
  instructionsFile: "AGENTS.md",
  launch(ctx) {
    const toml = [
      `model = ${JSON.stringify(ctx.model)}`,
      'model_provider = "llm"',
      "check_for_update_on_startup = false",
      "",
      "[analytics]",
      "enabled = false",
      "",
      "[model_providers.llm]",
      'name = "LLM"',
      `base_url = ${JSON.stringify(`${ctx.gatewayUrl}/v1`)}`,
      'env_key = "LLM_API_KEY"',
      'wire_api = "responses"',
      "",
    ].join("\n");
    return {
      files: {
        [`${ctx.home}/.codex/config.toml`]: toml,
        [`${ctx.home}/${this.instructionsFile}`]: ctx.system,
      },
      env: { ...COMMON_ENV, CODEX_HOME: `${ctx.home}/.codex`, LLM_API_KEY: placeholderKey("openai") },
      argv: [
        "codex",
        "exec",
        "--json",
        "--dangerously-bypass-approvals-and-sandbox",
        "--skip-git-repo-check",
        "-C",
        ctx.home,
        "--disable",
        "plugins",
        "--disable",
        "apps",
        ctx.prompt,
      ],
    };
  },
};
