import { type AgentAdapter, COMMON_ENV, placeholderKey } from "./adapter.js";

/** Claude Code: ANTHROPIC_BASE_URL (no /v1); runs as the lab's non-root user, so no IS_SANDBOX is needed. */
export const claudeCode: AgentAdapter = {
  name: "claude-code",
  packageName: "@anthropic-ai/claude-code",
  version: "2.1.197",
  bin: "claude",
  api: "anthropic",
  shellTool: "Bash",
  instructionsFile: "CLAUDE.md",
  launch(ctx) {
    return {
      files: { [`${ctx.home}/${this.instructionsFile}`]: ctx.system },
      env: {
        ...COMMON_ENV,
        ANTHROPIC_BASE_URL: ctx.gatewayUrl,
        ANTHROPIC_API_KEY: placeholderKey("anthropic"),
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
        ANTHROPIC_SMALL_FAST_MODEL: ctx.model,
      },
      argv: [
        "claude",
        "-p",
        ctx.prompt,
        "--dangerously-skip-permissions",
        "--output-format",
        "stream-json",
        "--verbose",
        "--model",
        ctx.model,
        "--max-turns",
        String(ctx.maxTurns),
      ],
    };
  },
};
