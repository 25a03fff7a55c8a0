/**
 * The parts of Inspect AI's log format (EvalLog, version 2) an export writes, as Inspect's published log schema
 * names them (test/export/fixtures/README.md). Every property of an object is written, null where empty, since the
 * schema requires them all.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface InspectUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_cache_write: number | null;
  input_tokens_cache_read: number | null;
  reasoning_tokens: number | null;
  total_cost: number | null;
}

export interface InspectToolCall {
  id: string;
  function: string;
  arguments: Record<string, Json>;
  parse_error: string | null;
  view: null;
  type: "function";
}

export type InspectContent =
  | { internal: null; type: "text"; text: string; refusal: null; citations: null }
  | { internal: null; type: "reasoning"; reasoning: string; summary: null; signature: null; redacted: false };

interface MessageBase {
  id: string;
  content: string | InspectContent[];
  source: "input" | "generate" | null;
  metadata: Record<string, Json> | null;
}
export type InspectMessage =
  | (MessageBase & { role: "system" })
  | (MessageBase & { role: "user"; tool_call_id: null })
  | (MessageBase & { role: "assistant"; tool_calls: InspectToolCall[] | null; model: string | null })
  | (MessageBase & {
      role: "tool";
      tool_call_id: string;
      function: string;
      error: { type: "unknown"; message: string } | null;
    });

export interface InspectScore {
  value: string | number | boolean;
  answer: string | null;
  explanation: string | null;
  metadata: Record<string, Json> | null;
  history: InspectScoreEdit[];
}

export interface InspectScoreEdit {
  value: string | number | boolean;
  answer: "UNCHANGED";
  explanation: string | null;
  metadata: "UNCHANGED";
  provenance: { timestamp: string; author: string; reason: string | null; metadata: Record<string, Json> };
}

export interface InspectError {
  message: string;
  traceback: string;
  traceback_ansi: string;
}

/** GenerateConfig with every option unset: peerbench records its own model settings in the manifest. */
export function unsetGenerateConfig(): Record<string, null> {
  return Object.fromEntries(GENERATE_CONFIG_FIELDS.map((f) => [f, null]));
}

const GENERATE_CONFIG_FIELDS = [
  "max_retries",
  "timeout",
  "attempt_timeout",
  "max_connections",
  "system_message",
  "max_tokens",
  "top_p",
  "temperature",
  "stop_seqs",
  "best_of",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "seed",
  "top_k",
  "num_choices",
  "logprobs",
  "top_logprobs",
  "parallel_tool_calls",
  "internal_tools",
  "max_tool_output",
  "cache_prompt",
  "verbosity",
  "effort",
  "reasoning_effort",
  "reasoning_tokens",
  "reasoning_summary",
  "reasoning_history",
  "response_schema",
  "extra_headers",
  "extra_body",
  "modalities",
  "cache",
  "batch",
] as const;
