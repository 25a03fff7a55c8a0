import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted model turn, written once and served in each vendor's wire format. */
export interface ScriptTurn {
  reasoning?: string;
  text?: string;
  toolCalls?: Array<{ name: string; args?: Record<string, unknown>; rawArgs?: string }>;
}

/** A fault served instead of the next turn (the turn is served on a later request). */
export type Fault = { status: number; headers?: Record<string, string>; body?: string } | { hang: true };

export type Wire = "openai-responses" | "openai-chat" | "anthropic" | "google" | "ollama";

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const USAGE = { input: 120, output: 40, reasoning: 12, cached: 20 };

function argsText(c: NonNullable<ScriptTurn["toolCalls"]>[number]): string {
  return c.rawArgs ?? JSON.stringify(c.args ?? {});
}

function openaiResponses(turn: ScriptTurn, n: number, model: string) {
  const output: unknown[] = [];
  if (turn.reasoning)
    output.push({
      type: "reasoning",
      id: `rs_${n}`,
      encrypted_content: `enc_${n}`,
      summary: [{ type: "summary_text", text: turn.reasoning }],
    });
  if (turn.text)
    output.push({
      type: "message",
      id: `msg_${n}`,
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: turn.text, annotations: [] }],
    });
  for (const [i, c] of (turn.toolCalls ?? []).entries())
    output.push({
      type: "function_call",
      id: `fc_${n}_${i}`,
      call_id: `call_${n}_${i}`,
      name: c.name,
      arguments: argsText(c),
      status: "completed",
    });
  return {
    id: `resp_${n}`,
    object: "response",
    created_at: 1_780_000_000,
    model,
    status: "completed",
    output,
    incomplete_details: null,
    usage: {
      input_tokens: USAGE.input,
      input_tokens_details: { cached_tokens: USAGE.cached },
      output_tokens: USAGE.output,
      output_tokens_details: { reasoning_tokens: USAGE.reasoning },
      total_tokens: USAGE.input + USAGE.output,
    },
  };
}

function openaiChat(turn: ScriptTurn, n: number, model: string) {
  const calls = (turn.toolCalls ?? []).map((c, i) => ({
    id: `call_${n}_${i}`,
    type: "function",
    function: { name: c.name, arguments: argsText(c) },
  }));
  return {
    id: `chatcmpl_${n}`,
    object: "chat.completion",
    created: 1_780_000_000,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: turn.text ?? null,
          ...(turn.reasoning ? { reasoning_content: turn.reasoning } : {}),
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        finish_reason: calls.length ? "tool_calls" : "stop",
      },
    ],
    usage: {
      prompt_tokens: USAGE.input,
      completion_tokens: USAGE.output,
      total_tokens: USAGE.input + USAGE.output,
      prompt_tokens_details: { cached_tokens: USAGE.cached },
      completion_tokens_details: { reasoning_tokens: USAGE.reasoning },
    },
  };
}

function anthropic(turn: ScriptTurn, n: number, model: string) {
  const content: unknown[] = [];
  if (turn.reasoning) content.push({ type: "thinking", thinking: turn.reasoning, signature: `sig_${n}` });
  if (turn.text) content.push({ type: "text", text: turn.text });
  for (const [i, c] of (turn.toolCalls ?? []).entries())
    content.push({ type: "tool_use", id: `toolu_${n}_${i}`, name: c.name, input: c.args ?? {} });
  return {
    id: `msg_${n}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: turn.toolCalls?.length ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: USAGE.input - USAGE.cached,
      output_tokens: USAGE.output,
      cache_read_input_tokens: USAGE.cached,
      cache_creation_input_tokens: 0,
    },
  };
}

function google(turn: ScriptTurn) {
  const parts: unknown[] = [];
  if (turn.reasoning) parts.push({ text: turn.reasoning, thought: true, thoughtSignature: "c2ln" });
  if (turn.text) parts.push({ text: turn.text });
  for (const c of turn.toolCalls ?? [])
    parts.push({ functionCall: { name: c.name, args: c.args ?? {} }, thoughtSignature: "ZmM=" });
  return {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: {
      promptTokenCount: USAGE.input,
      candidatesTokenCount: USAGE.output - USAGE.reasoning,
      thoughtsTokenCount: USAGE.reasoning,
      cachedContentTokenCount: USAGE.cached,
      totalTokenCount: USAGE.input + USAGE.output,
    },
    modelVersion: "gemini-3-flash-preview",
  };
}

function ollama(turn: ScriptTurn, model: string) {
  return {
    model,
    created_at: "2026-01-01T00:00:00Z",
    message: {
      role: "assistant",
      content: turn.text ?? "",
      ...(turn.reasoning ? { thinking: turn.reasoning } : {}),
      ...(turn.toolCalls?.length
        ? { tool_calls: turn.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.args ?? {} } })) }
        : {}),
    },
    done: true,
    done_reason: "stop",
    total_duration: 1000,
    prompt_eval_count: USAGE.input,
    eval_count: USAGE.output,
  };
}

/**
 * A local HTTP server on 127.0.0.1 speaking one vendor's (non-streaming) wire format. It serves `faults` first,
 * in order, then the scripted turns (or the answer of a function of the request); past the script it answers with a plain text turn (no tool call).
 */
export async function startFakeProvider(
  wire: Wire,
  script: ScriptTurn[] | ((body: Record<string, unknown>, n: number) => ScriptTurn),
  faults: Fault[] = [],
): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const pendingFaults = [...faults];
  let turnIndex = 0;
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw || "{}");
      } catch {
        body = { raw };
      }
      requests.push({ path: req.url ?? "", headers: req.headers, body });
      const fault = pendingFaults.shift();
      if (fault) {
        if ("hang" in fault) return; // never answer
        res.writeHead(fault.status, { "content-type": "application/json", ...(fault.headers ?? {}) });
        res.end(fault.body ?? JSON.stringify({ error: { message: `status ${fault.status}`, type: "server_error" } }));
        return;
      }
      const n = ++turnIndex;
      const turn =
        typeof script === "function" ? script(body, n) : (script[n - 1] ?? { text: "I have nothing more to do." });
      const model = String(body.model ?? "model");
      const payload =
        wire === "openai-responses"
          ? openaiResponses(turn, n, model)
          : wire === "openai-chat"
            ? openaiChat(turn, n, model)
            : wire === "anthropic"
              ? anthropic(turn, n, model)
              : wire === "google"
                ? google(turn)
                : ollama(turn, model);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
