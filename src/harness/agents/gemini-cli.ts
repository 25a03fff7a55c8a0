import { type AgentAdapter, COMMON_ENV, placeholderKey } from "./adapter.js";

/** Gemini CLI: GOOGLE_GEMINI_BASE_URL plus settings that pin API-key auth (else it exits 41 with a base URL). */
export const geminiCli: AgentAdapter = {
  name: "gemini-cli",
  packageName: "@google/gemini-cli",
  version: "0.61.0",
  bin: "gemini",
  api: "gemini",
  shellTool: "run_shell_command",
  instructionsFile: "GEMINI.md",
  launch(ctx) {
    const settings = {
      security: { auth: { selectedType: "gemini-api-key" } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { disableAutoUpdate: true, disableUpdateNag: true, checkpointing: { enabled: false } },
      model: { maxSessionTurns: ctx.maxTurns },
      ide: { enabled: false },
    };
    return {
      files: {
        [`${ctx.home}/.gemini/settings.json`]: JSON.stringify(settings, null, 2),
        [`${ctx.home}/${this.instructionsFile}`]: ctx.system,
      },
      env: {
        ...COMMON_ENV,
        GEMINI_API_KEY: placeholderKey("google"),
        GOOGLE_GEMINI_BASE_URL: ctx.gatewayUrl,
        GEMINI_CLI_TRUST_WORKSPACE: "true",
      },
      argv: ["gemini", "-m", ctx.model, "--approval-mode", "yolo", "-o", "stream-json", "-p", ctx.prompt],
    };
  },
};
