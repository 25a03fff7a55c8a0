import { type AgentAdapter, COMMON_ENV, placeholderKey } from "./adapter.js";

/** OpenCode: an OpenAI-compatible provider passed inline (a config file would be rewritten), all permissions allowed. */
export const opencode: AgentAdapter = {
  name: "opencode",
  packageName: "opencode-ai",
  version: "1.18.33",
  bin: "opencode",
  api: "chat",
  shellTool: "bash",
  instructionsFile: "AGENTS.md",
  launch(ctx) {
    const config = {
      $schema: "https://opencode.ai/config.json",
      model: `llm/${ctx.model}`,
      small_model: `llm/${ctx.model}`,
      permission: { "*": "allow" },
      autoupdate: false,
      share: "disabled",
      provider: {
        llm: {
          npm: "@ai-sdk/openai-compatible",
          name: "LLM",
          options: { baseURL: `${ctx.gatewayUrl}/v1`, apiKey: placeholderKey("openai") },
          models: { [ctx.model]: { tool_call: true, limit: { context: 128000, output: 8192 } } },
        },
      },
      agent: { build: { steps: ctx.maxTurns } },
    };
    return {
      files: { [`${ctx.home}/${this.instructionsFile}`]: ctx.system },
      env: {
        ...COMMON_ENV,
        OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
        OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
      },
      argv: ["opencode", "run", "--format", "json", "-m", `llm/${ctx.model}`, ctx.prompt],
    };
  },
};
