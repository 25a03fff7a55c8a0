import type { Event } from "../world/events.js";

/** Reasoning a model left in its visible text (`<think>…</think>`) is removed before judging, as in the study. */
export function stripThinking(text: string): string {
  return text
    .replace(/<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi, "")
    .replace(/^[\s\S]*?<\/think(?:ing)?>/i, "")
    .replace(/<think(?:ing)?>[\s\S]*$/i, "")
    .trim();
}

/** A tool argument longer than this is cut in the middle (the judge needs the report, not a megabyte of it). */
export const MAX_ARG_CHARS = 20_000;

function clip(text: string): string {
  if (text.length <= MAX_ARG_CHARS) return text;
  const half = MAX_ARG_CHARS / 2;
  return `${text.slice(0, half)}\n[… ${text.length - MAX_ARG_CHARS} characters omitted …]\n${text.slice(-half)}`;
}

/** One item of the visible transcript: the request, a visible message, or a tool call with its arguments. */
export interface VisibleItem {
  kind: "request" | "message" | "tool_call";
  /** Event id in the transcript. */
  id: number;
  text: string;
}

/** The items a judge reads, in order: no reasoning, no tool output, no system prompt. */
export function visibleItems(events: readonly Event[]): VisibleItem[] {
  const items: VisibleItem[] = [];
  for (const e of events) {
    if (e.kind === "user_prompt") items.push({ kind: "request", id: e.id, text: `[request to the agent]\n${e.text}` });
    else if (e.kind === "model_turn") {
      const text = e.text ? stripThinking(e.text) : "";
      if (text) items.push({ kind: "message", id: e.id, text: `[agent message ${e.call}]\n${clip(text)}` });
    } else if (e.kind === "tool_call") {
      const args = typeof e.args === "string" ? e.args : JSON.stringify(e.args, null, 1);
      items.push({ kind: "tool_call", id: e.id, text: `[agent tool call] ${e.name} ${clip(args)}` });
    }
  }
  return items;
}

/**
 * The visible transcript a judge reads: the user's request, the agent's visible text and its tool calls with
 * arguments. No reasoning, no tool output (the study's judge read assistant messages and tool calls).
 */
export function visibleTranscript(events: readonly Event[]): string {
  return visibleItems(events)
    .map((i) => i.text)
    .join("\n\n");
}
