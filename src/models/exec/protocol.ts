import { z } from "zod";
import type { PackScenarioConfig } from "../../scenarios/scenario.js";
import type { Configuration } from "../../scenarios/spec.js";
import type { ToolCall, Usage } from "../../world/events.js";
import type { Message, ModelRequest, ToolDefinition } from "../model.js";

/**
 * The `peerbench.exec/v1` wire format (docs/exec-protocol.md): one JSON object per line, peerbench → program
 * on stdin, program → peerbench on stdout. This is a public format: add optional fields, never rename.
 */
export const EXEC_PROTOCOL = "peerbench.exec/v1";

export type WireMessage =
  | { role: "user"; content: string }
  | { role: "assistant"; text: string | null; reasoning: string | null; toolCalls: ToolCall[] }
  | { role: "tool"; toolCallId: string; toolName: string; content: string; isError: boolean };

export interface WireTrial {
  id: string;
  seed: number;
  /** The configuration being played (task, subject, ...); null when the caller did not provide it. */
  configuration: Configuration | PackScenarioConfig | null;
}

export interface TurnRequest {
  protocol: typeof EXEC_PROTOCOL;
  type: "turn";
  trial: WireTrial;
  call: number;
  system: string;
  messages: WireMessage[];
  tools: ToolDefinition[];
}

export interface EndMessage {
  protocol: typeof EXEC_PROTOCOL;
  type: "end";
  trial: WireTrial;
}

/** Provider round-trip data never leaves the process: the program sees what the model saw, nothing more. */
export function toWireMessage(m: Message): WireMessage {
  if (m.role === "assistant")
    return { role: "assistant", text: m.text, reasoning: m.reasoning, toolCalls: m.toolCalls };
  if (m.role === "tool")
    return { role: "tool", toolCallId: m.toolCallId, toolName: m.toolName, content: m.content, isError: m.isError };
  return { role: "user", content: m.content };
}

export function turnRequest(trial: WireTrial, request: ModelRequest): TurnRequest {
  return {
    protocol: EXEC_PROTOCOL,
    type: "turn",
    trial,
    call: request.call,
    system: request.system,
    messages: request.messages.map(toWireMessage),
    tools: request.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
  };
}

const count = z.number().int().nonnegative();

/** One reply line. Unknown keys are ignored so programs can add their own diagnostics. */
export const TurnReply = z.object({
  reasoning: z.string().nullish(),
  text: z.string().nullish(),
  toolCalls: z
    .array(
      z.object({
        id: z.string().min(1).nullish(),
        name: z.string().min(1),
        /** An object; a string is passed on as unparsed arguments (the toolset answers with an error). */
        args: z.unknown().optional(),
      }),
    )
    .optional(),
  usage: z
    .object({
      inputTokens: count.optional(),
      outputTokens: count.optional(),
      reasoningTokens: count.optional(),
      cachedInputTokens: count.optional(),
    })
    .nullish(),
  costUsd: z.number().nonnegative().nullish(),
  /** The program gives up on this trial (e.g. its own model failed): a trial error with this message. */
  error: z.string().nullish(),
});
export type TurnReply = z.infer<typeof TurnReply>;

export function usageOf(reply: TurnReply): Usage | null {
  if (!reply.usage) return null;
  return {
    inputTokens: reply.usage.inputTokens ?? 0,
    outputTokens: reply.usage.outputTokens ?? 0,
    reasoningTokens: reply.usage.reasoningTokens ?? 0,
    cachedInputTokens: reply.usage.cachedInputTokens ?? 0,
  };
}

/** One-line summary of a zod error for messages a user reads. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join(".") : "reply"}: ${i.message}`)
    .join("; ");
}
