import type { ModelMessage } from "ai";
import type { Message, ModelTurn } from "../model.js";

/** What a provider turn keeps for the next request: the SDK's assistant content (signed thinking, ids). */
export interface SdkProviderData {
  aiSdk: { content: unknown[] };
}

function isSdkProviderData(x: unknown): x is SdkProviderData {
  return (
    typeof x === "object" &&
    x !== null &&
    "aiSdk" in x &&
    Array.isArray((x as { aiSdk?: { content?: unknown } }).aiSdk?.content)
  );
}

/** Tool arguments the wire accepts: an object. Invalid JSON the model sent is kept in our transcript, not resent. */
function wireArgs(args: unknown): Record<string, unknown> {
  return typeof args === "object" && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : {};
}

/**
 * peerbench messages → AI SDK messages. An assistant turn produced by a provider carries its SDK content in
 * providerData, so provider-specific parts (Anthropic signed thinking, Gemini thought signatures, OpenAI
 * reasoning item ids, reasoning_content) go back exactly as received.
 */
export function toModelMessages(messages: Message[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const m of messages) {
    if (m.role === "user") {
      out.push({ role: "user", content: m.content });
    } else if (m.role === "tool") {
      out.push({
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: m.toolCallId,
            toolName: m.toolName,
            output: m.isError ? { type: "error-text", value: m.content } : { type: "text", value: m.content },
          },
        ],
      });
    } else if (isSdkProviderData(m.providerData) && m.providerData.aiSdk.content.length > 0) {
      out.push({ role: "assistant", content: m.providerData.aiSdk.content } as ModelMessage);
    } else {
      const content: Array<
        | { type: "text"; text: string }
        | { type: "tool-call"; toolCallId: string; toolName: string; input: Record<string, unknown> }
      > = [];
      if (m.text) content.push({ type: "text", text: m.text });
      for (const c of m.toolCalls)
        content.push({ type: "tool-call", toolCallId: c.id, toolName: c.name, input: wireArgs(c.args) });
      // An empty assistant turn is rejected by several APIs; it carries nothing the model needs.
      if (content.length > 0) out.push({ role: "assistant", content });
    }
  }
  return out;
}

interface ResultPart {
  type: string;
  text?: string;
  toolCallId?: string;
  toolName?: string;
  input?: unknown;
  invalid?: boolean;
}

/** Splits "<think>…</think>" left in visible text by servers that do not separate reasoning themselves. */
export function splitThinkTags(text: string): { reasoning: string | null; text: string } {
  const parts: string[] = [];
  let rest = text.replace(/<think>([\s\S]*?)<\/think>/g, (_m, inner: string) => {
    parts.push(inner.trim());
    return "";
  });
  // An unterminated think block at the start (some servers strip the opening tag or the closing one is cut).
  const open = rest.match(/^\s*<think>([\s\S]*)$/);
  if (open) {
    parts.push(open[1]!.trim());
    rest = "";
  }
  const close = rest.match(/^([\s\S]*?)<\/think>([\s\S]*)$/);
  if (close) {
    parts.push(close[1]!.trim());
    rest = close[2]!;
  }
  return { reasoning: parts.length ? parts.filter(Boolean).join("\n\n") || null : null, text: rest.trim() };
}

/** AI SDK result content → a ModelTurn's reasoning, text and tool calls (invalid calls included, raw). */
export function turnFromContent(
  content: readonly ResultPart[],
): Pick<ModelTurn, "reasoning" | "text" | "toolCalls"> & { invalidCalls: number } {
  const reasoning: string[] = [];
  const text: string[] = [];
  const toolCalls: ModelTurn["toolCalls"] = [];
  let invalidCalls = 0;
  for (const part of content) {
    if (part.type === "reasoning" && part.text) reasoning.push(part.text);
    else if (part.type === "text" && part.text) text.push(part.text);
    else if (part.type === "tool-call") {
      if (part.invalid) invalidCalls++;
      toolCalls.push({
        id: part.toolCallId ?? `call_${toolCalls.length + 1}`,
        name: part.toolName ?? "",
        args: part.input,
      });
    }
  }
  let visible = text.join("\n").trim();
  if (/<\/?think>/.test(visible)) {
    const split = splitThinkTags(visible);
    if (split.reasoning) reasoning.push(split.reasoning);
    visible = split.text;
  }
  return {
    reasoning: reasoning.length ? reasoning.join("\n\n") : null,
    text: visible ? visible : null,
    toolCalls,
    invalidCalls,
  };
}

/** A deep copy that JSON can hold (transcripts are JSON): drops functions, undefined, binary. */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null)) as T;
}
