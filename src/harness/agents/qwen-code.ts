import { type AgentAdapter, COMMON_ENV, placeholderKey } from "./adapter.js";

/** Qwen Code: OpenAI chat via OPENAI_BASE_URL; usage statistics off (else it looks up a telemetry host). */
export const qwenCode: AgentAdapter = {
  name: "qwen-code",
  packageName: "@qwen-code/qwen-code",
  version: "0.15.10",
  bin: "qwen",
  api: "chat",
  shellTool: "run_shell_command",
  instructionsFile: "QWEN.md",
  launch(ctx) {
    const settings = {
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
    };
    return {
      files: {
        [`${ctx.home}/.qwen/settings.json`]: JSON.stringify(settings, null, 2),
        [`${ctx.home}/${this.instructionsFile}`]: ctx.system,
      },
      env: {
        ...COMMON_ENV,
        OPENAI_BASE_URL: `${ctx.gatewayUrl}/v1`,
        OPENAI_API_KEY: placeholderKey("openai"),
        OPENAI_MODEL: ctx.model,
      },
      argv: [
        "qwen",
        "--auth-type",
        "openai",
        "--approval-mode",
        "yolo",
        "-o",
        "stream-json",
        "--max-session-turns",
        String(ctx.maxTurns),
        ctx.prompt,
      ],
    };
  },
};
