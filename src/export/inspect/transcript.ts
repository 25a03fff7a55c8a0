import { createHash } from "node:crypto";
import type { Event, EventOf, Usage } from "../../world/events.js";
import type { StoredTranscript } from "../run.js";
import {
  type InspectMessage,
  type InspectToolCall,
  type InspectUsage,
  type Json,
  unsetGenerateConfig,
} from "./types.js";

/** The id of the message an event became (`e<event id>`): evidence and score explanations cite these. */
export function messageId(eventId: number): string {
  return `e${eventId}`;
}

/** A uuid-shaped id derived from a name, so the same run always exports the same ids. */
export function stableUuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function inspectUsage(u: Usage, cost: number | null = null): InspectUsage {
  return {
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    input_tokens_cache_write: null,
    input_tokens_cache_read: u.cachedInputTokens || null,
    reasoning_tokens: u.reasoningTokens || null,
    total_cost: cost,
  };
}

function toolArguments(args: unknown): { arguments: Record<string, Json>; parse_error: string | null } {
  if (args !== null && typeof args === "object" && !Array.isArray(args)) {
    return { arguments: args as Record<string, Json>, parse_error: null };
  }
  // the model sent arguments that are not a JSON object: kept as the raw text
  return {
    arguments: {},
    parse_error: `arguments are not a JSON object: ${typeof args === "string" ? args : JSON.stringify(args)}`,
  };
}

function toolCall(c: { id: string; name: string; args: unknown }): InspectToolCall {
  return { id: c.id, function: c.name, ...toolArguments(c.args), view: null, type: "function" };
}

function assistantMessage(e: EventOf<"model_turn">, model: string): InspectMessage & { role: "assistant" } {
  const text = e.text ?? "";
  // reasoning is kept apart from visible text, as the model gave it
  const content: InspectMessage["content"] = e.reasoning
    ? [
        { internal: null, type: "reasoning", reasoning: e.reasoning, summary: null, signature: null, redacted: false },
        { internal: null, type: "text", text, refusal: null, citations: null },
      ]
    : text;
  return {
    id: messageId(e.id),
    role: "assistant",
    content,
    source: "generate",
    metadata: { peerbench_event: e.id, call: e.call },
    tool_calls: e.toolCalls.length ? e.toolCalls.map(toolCall) : null,
    model,
  };
}

/**
 * The conversation of a trial as Inspect messages: the system and user prompts, each model turn (reasoning,
 * visible text, tool calls) and each tool result; a tool call appears once, in the turn that made it.
 */
export function transcriptMessages(t: StoredTranscript, model: string): InspectMessage[] {
  const out: InspectMessage[] = [];
  for (const e of t.events) {
    if (e.kind === "system_prompt") {
      out.push({ id: messageId(e.id), role: "system", content: e.text, source: "input", metadata: null });
    } else if (e.kind === "user_prompt") {
      out.push({
        id: messageId(e.id),
        role: "user",
        content: e.text,
        source: "input",
        metadata: null,
        tool_call_id: null,
      });
    } else if (e.kind === "model_turn") {
      out.push(assistantMessage(e, model));
    } else if (e.kind === "tool_result") {
      out.push({
        id: messageId(e.id),
        role: "tool",
        content: e.output,
        source: null,
        metadata: null,
        tool_call_id: e.callId,
        function: e.name,
        error: e.ok ? null : { type: "unknown", message: firstLine(e.output) },
      });
    }
  }
  return out;
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/** Inspect's JSONSchema object: every property present, others dropped (Inspect's schema allows no others). */
function jsonSchema(s: unknown): Record<string, Json> {
  const o = (s !== null && typeof s === "object" ? s : {}) as Record<string, unknown>;
  const TYPES = ["string", "integer", "number", "boolean", "array", "object", "null"];
  const type = Array.isArray(o.type)
    ? o.type.filter((t) => TYPES.includes(t as string))
    : TYPES.includes(o.type as string)
      ? o.type
      : null;
  const props = o.properties && typeof o.properties === "object" ? (o.properties as Record<string, unknown>) : null;
  return {
    type: (type ?? null) as Json,
    format: typeof o.format === "string" ? o.format : null,
    description: typeof o.description === "string" ? o.description : null,
    default: (o.default ?? null) as Json,
    enum: Array.isArray(o.enum) ? (o.enum as Json[]) : null,
    items: o.items && typeof o.items === "object" && !Array.isArray(o.items) ? jsonSchema(o.items) : null,
    properties: props ? Object.fromEntries(Object.entries(props).map(([k, v]) => [k, jsonSchema(v)])) : null,
    additionalProperties:
      typeof o.additionalProperties === "boolean"
        ? o.additionalProperties
        : o.additionalProperties && typeof o.additionalProperties === "object"
          ? jsonSchema(o.additionalProperties)
          : null,
    anyOf: Array.isArray(o.anyOf) ? o.anyOf.map(jsonSchema) : null,
    required: Array.isArray(o.required) ? (o.required.filter((r) => typeof r === "string") as string[]) : null,
  };
}

/** The tools the model was given, as Inspect's ToolInfo. */
export function toolInfos(t: StoredTranscript): Json[] {
  return t.tools.map((tool) => {
    const p = (tool.parameters ?? {}) as Record<string, unknown>;
    const props = p.properties && typeof p.properties === "object" ? (p.properties as Record<string, unknown>) : {};
    return {
      name: tool.name,
      description: tool.description,
      parameters: {
        type: "object",
        properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, jsonSchema(v)])),
        required: Array.isArray(p.required) ? (p.required.filter((r) => typeof r === "string") as string[]) : [],
        additionalProperties: typeof p.additionalProperties === "boolean" ? p.additionalProperties : false,
      },
      options: null,
    };
  });
}

/**
 * The trial's event log as Inspect events, for the viewer's transcript: a model event per model turn, a tool event
 * per tool result (with the call's arguments), and an info event for everything else the World recorded (world
 * changes, file reads, shutdowns, notes, the end), its source naming the peerbench event kind.
 */
export function transcriptEvents(t: StoredTranscript, model: string, messages: InspectMessage[]): Json[] {
  const start = t.events.length ? Date.parse(t.events[0]!.at) : 0;
  const calls = new Map<string, EventOf<"tool_call">>();
  const byId = new Map(messages.map((m) => [m.id, m]));
  const tools = toolInfos(t);
  const out: Json[] = [];
  for (const e of t.events) {
    const common = {
      uuid: stableUuid(`${t.id}/${e.id}`),
      span_id: null,
      timestamp: e.at,
      working_start: Math.max(0, (Date.parse(e.at) - start) / 1000) || 0,
      metadata: { peerbench_event: e.id },
      pending: null,
    };
    if (e.kind === "tool_call") {
      calls.set(e.callId, e);
    } else if (e.kind === "model_turn") {
      const message = byId.get(messageId(e.id)) as unknown as Json;
      out.push({
        ...common,
        event: "model",
        model,
        role: null,
        input: [],
        input_refs: null,
        tools,
        tool_choice: "auto",
        config: unsetGenerateConfig(),
        output: {
          model,
          choices: [{ message, stop_reason: e.toolCalls.length ? "tool_calls" : "stop", logprobs: null }],
          completion: e.text ?? "",
          usage: e.usage ? (inspectUsage(e.usage) as unknown as Json) : null,
          time: e.latencyMs / 1000,
          metadata: null,
          error: null,
        },
        retries: null,
        error: null,
        traceback: null,
        traceback_ansi: null,
        cache: null,
        call: null,
        completed: null,
        working_time: e.latencyMs / 1000,
      });
    } else if (e.kind === "tool_result") {
      const call = calls.get(e.callId);
      out.push({
        ...common,
        event: "tool",
        type: "function",
        id: e.callId,
        function: e.name,
        arguments: toolArguments(call?.args ?? {}).arguments,
        view: null,
        result: e.output,
        truncated: null,
        error: e.ok ? null : { type: "unknown", message: firstLine(e.output) },
        events: [],
        completed: null,
        working_time: null,
        agent: null,
        agent_span_id: null,
        failed: e.ok ? null : true,
        message_id: messageId(e.id),
      });
    } else if (e.kind !== "system_prompt" && e.kind !== "user_prompt") {
      const { id: _id, at: _at, kind, ...data } = e as Event & Record<string, unknown>;
      out.push({ ...common, event: "info", source: `peerbench/${kind}`, data: data as Json });
    }
  }
  return out;
}
