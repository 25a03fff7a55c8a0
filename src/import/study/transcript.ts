import { z } from "zod";
import { InputError } from "../../models/trajectory.js";

/**
 * The study's released transcript format, read tolerantly: the three parts we use are validated, every other
 * field is kept and ignored. See src/import/README.md, "What is read".
 */

/** One tool call of an assistant message, in the order the message lists them. */
export interface StudyToolCall {
  name: string;
  args: unknown;
}

export interface StudyAssistantMessage {
  role: "assistant";
  text: string | null;
  /** Reasoning the message carried apart from its text (`reasoning`, `thinking`, thinking blocks or tags). */
  reasoning: string | null;
  toolCalls: StudyToolCall[];
}

export interface StudyToolMessage {
  role: "tool";
  /** The tool's name when the message names it (`name`, `tool_name`); else paired by position. */
  name: string | null;
  content: string;
}

export interface StudyPromptMessage {
  role: "system" | "user";
  content: string;
}

export type StudyMessage = StudyAssistantMessage | StudyToolMessage | StudyPromptMessage;

export interface StudyTranscript {
  /** Where it came from: the file and the index of the transcript in it (0 for a file holding one). */
  file: string;
  index: number;
  conversation: StudyMessage[];
  metadata: Record<string, unknown>;
  /** The study's labels (`task_evaluation`, or `evaluation` in some releases); {} when absent. */
  labels: Record<string, unknown>;
}

const ROLE_ALIASES: Record<string, StudyMessage["role"]> = {
  system: "system",
  developer: "system",
  user: "user",
  assistant: "assistant",
  tool: "tool",
  function: "tool",
};

const TopLevel = z.looseObject({
  conversation: z.array(z.unknown(), { error: "expected `conversation`, a list of messages" }),
  experiment_metadata: z.record(z.string(), z.unknown()).optional(),
  task_evaluation: z.record(z.string(), z.unknown()).nullish(),
  evaluation: z.record(z.string(), z.unknown()).nullish(),
});

/** A string from a message's content: a string, or a list of text blocks (thinking blocks go to reasoning). */
function contentParts(content: unknown, where: string): { text: string | null; thinking: string | null } {
  if (content === null || content === undefined) return { text: null, thinking: null };
  if (typeof content === "string") return { text: content, thinking: null };
  if (Array.isArray(content)) {
    const text: string[] = [];
    const thinking: string[] = [];
    content.forEach((block, i) => {
      if (typeof block === "string") text.push(block);
      else if (block && typeof block === "object") {
        const b = block as Record<string, unknown>;
        if (typeof b.thinking === "string") thinking.push(b.thinking);
        else if (b.type === "reasoning" && typeof b.text === "string") thinking.push(b.text);
        else if (typeof b.text === "string") text.push(b.text);
        else if (typeof b.content === "string") text.push(b.content);
      } else throw new InputError(`${where}[${i}]: expected a text block`);
    });
    return { text: text.length ? text.join("\n") : null, thinking: thinking.length ? thinking.join("\n") : null };
  }
  throw new InputError(`${where}: expected a string or a list of text blocks, got ${typeof content}`);
}

const THINKING_TAG = /<(thinking|think|reasoning)>([\s\S]*?)<\/\1>/gi;

/** Thinking tags in visible content are reasoning (the study removed them before judging). */
function splitThinking(text: string | null): { text: string | null; thinking: string | null } {
  if (!text) return { text, thinking: null };
  const thoughts: string[] = [];
  const rest = text.replace(THINKING_TAG, (_m, _tag, inner: string) => {
    thoughts.push(inner.trim());
    return "";
  });
  return { text: thoughts.length ? rest.trim() || null : text, thinking: thoughts.length ? thoughts.join("\n") : null };
}

function argsOf(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // replayed as the malformed call it was
  }
}

function toolCallsOf(raw: unknown, where: string): StudyToolCall[] {
  if (raw === null || raw === undefined) return [];
  if (Array.isArray(raw)) {
    // Tolerated: an OpenAI-style list [{function: {name, arguments}}] or [{name, args}].
    return raw.map((c, i) => {
      const o = (c ?? {}) as Record<string, unknown>;
      const fn = (o.function ?? o) as Record<string, unknown>;
      const name = fn.name ?? o.tool_name;
      if (typeof name !== "string" || !name) throw new InputError(`${where}[${i}]: a tool call without a name`);
      return { name, args: argsOf(fn.arguments ?? fn.args ?? o.args ?? o.arguments) };
    });
  }
  if (typeof raw === "object")
    return Object.entries(raw as object).map(([name, args]) => ({ name, args: argsOf(args) }));
  throw new InputError(`${where}: expected an object {tool_name: args}, got ${typeof raw}`);
}

function messageOf(raw: unknown, where: string): StudyMessage {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new InputError(`${where}: expected a message object`);
  const m = raw as Record<string, unknown>;
  const role = typeof m.role === "string" ? ROLE_ALIASES[m.role.toLowerCase()] : undefined;
  if (!role) {
    throw new InputError(
      `${where}.role: ${JSON.stringify(m.role ?? null)} is not a role of the study's format (system, user, assistant, tool)`,
    );
  }
  const parts = contentParts(m.content, `${where}.content`);
  if (role === "assistant") {
    const tagged = splitThinking(parts.text);
    const reasoning = [m.reasoning, m.reasoning_content, m.thinking, parts.thinking, tagged.thinking]
      .filter((r): r is string => typeof r === "string" && r.trim() !== "")
      .join("\n");
    return {
      role,
      text: tagged.text,
      reasoning: reasoning || null,
      toolCalls: toolCallsOf(m.tool_calls, `${where}.tool_calls`),
    };
  }
  if (role === "tool") {
    const name = [m.tool_name, m.name].find((n): n is string => typeof n === "string" && n !== "") ?? null;
    return { role, name, content: parts.text ?? "" };
  }
  return { role, content: parts.text ?? "" };
}

function transcriptOf(raw: unknown, file: string, index: number, where: string): StudyTranscript {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new InputError(`${where}: expected a transcript object`);
  const parsed = TopLevel.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? `: ${issue.path.join(".")}` : "";
    throw new InputError(
      `${where}${at}: ${issue.message} (the study's transcript format: conversation, experiment_metadata, task_evaluation)`,
    );
  }
  const t = parsed.data;
  const conversation = t.conversation.map((m, i) => messageOf(m, `${where}: conversation[${i}]`));
  if (!conversation.some((m) => m.role === "assistant")) {
    throw new InputError(`${where}: conversation: no assistant message, nothing the agent did to import`);
  }
  return {
    file,
    index,
    conversation,
    metadata: t.experiment_metadata ?? {},
    labels: t.task_evaluation ?? t.evaluation ?? {},
  };
}

/**
 * The transcripts of one file: one JSON object, a JSON list of them, or JSON lines. Throws InputError naming
 * the file and the place inside it ("file.json: conversation[3].tool_calls: ...").
 */
export function parseStudyFile(text: string, file: string): StudyTranscript[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError(`${file}: empty file, expected a transcript in the study's JSON format`);
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (e) {
    const lines = trimmed.split("\n").filter((l) => l.trim() !== "");
    if (lines.length > 1 && lines[0]!.trim().startsWith("{")) {
      return lines.map((line, i) => {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch (err) {
          throw new InputError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
        }
        return transcriptOf(raw, file, i, `${file}:${i + 1}`);
      });
    }
    throw new InputError(
      `${file}: not valid JSON (${(e as Error).message}); expected a transcript in the study's JSON format`,
    );
  }
  if (Array.isArray(whole)) {
    if (whole.length === 0) throw new InputError(`${file}: an empty list, no transcript to import`);
    return whole.map((raw, i) => transcriptOf(raw, file, i, `${file} [${i}]`));
  }
  return [transcriptOf(whole, file, 0, file)];
}

/** The assistant messages with the tool results that answered each call (paired by name, else by position). */
export interface Exchange {
  message: StudyAssistantMessage;
  /** Index of the message in the conversation. */
  at: number;
  results: Array<string | null>;
}

export function exchanges(t: StudyTranscript): Exchange[] {
  const out: Exchange[] = [];
  const conv = t.conversation;
  for (let i = 0; i < conv.length; i++) {
    const m = conv[i]!;
    if (m.role !== "assistant") continue;
    const tools: StudyToolMessage[] = [];
    for (let j = i + 1; j < conv.length && conv[j]!.role === "tool"; j++) tools.push(conv[j] as StudyToolMessage);
    // a result that names its tool answers that tool's call; the others answer the remaining calls in order
    const results: Array<string | null> = m.toolCalls.map(() => null);
    const used = new Set<number>();
    m.toolCalls.forEach((c, k) => {
      const idx = tools.findIndex((r, n) => !used.has(n) && r.name === c.name);
      if (idx >= 0) {
        used.add(idx);
        results[k] = tools[idx]!.content;
      }
    });
    m.toolCalls.forEach((_c, k) => {
      if (results[k] !== null) return;
      const idx = tools.findIndex(
        (r, n) => !used.has(n) && (r.name === null || !m.toolCalls.some((x) => x.name === r.name)),
      );
      if (idx >= 0) {
        used.add(idx);
        results[k] = tools[idx]!.content;
      }
    });
    out.push({ message: m, at: i, results });
  }
  return out;
}

/** Every tool call with its result, in order, with the host it ran against for shell commands resolved later. */
export function callsWithResults(t: StudyTranscript): Array<{ call: StudyToolCall; result: string | null }> {
  return exchanges(t).flatMap((e) => e.message.toolCalls.map((call, k) => ({ call, result: e.results[k] ?? null })));
}
