/**
 * The four wire formats the agent products speak, both ways: reading a recorded exchange back into a model turn
 * (text, reasoning, tool calls, usage) and the tool results a request carries, and writing a scripted turn as
 * the response a product expects (streaming or not).
 */

export type WireApi = "chat" | "responses" | "anthropic" | "gemini";

export interface WireToolCall {
  id: string;
  name: string;
  args: unknown;
}
export interface WireTurn {
  reasoning: string | null;
  text: string | null;
  toolCalls: WireToolCall[];
  usage: { inputTokens: number; outputTokens: number; reasoningTokens: number; cachedInputTokens: number } | null;
}
export interface WireToolResult {
  callId: string;
  name: string;
  output: string;
  ok: boolean;
}

export function apiOfPath(path: string): WireApi | null {
  const p = path.split("?")[0] ?? "";
  if (p.endsWith("/chat/completions")) return "chat";
  if (p.endsWith("/responses")) return "responses";
  if (p.endsWith("/messages")) return "anthropic";
  if (/:(stream)?[gG]enerateContent$/.test(p)) return "gemini";
  return null;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function parseArgs(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The JSON payloads of an SSE body (or the one JSON document of a non-streaming body). */
export function ssePayloads(body: string): Json[] {
  const trimmed = body.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const v = JSON.parse(trimmed);
      return Array.isArray(v) ? v.map(obj) : [obj(v)];
    } catch {
      // fall through to SSE
    }
  }
  const out: Json[] = [];
  for (const block of body.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""))
      .join("\n");
    if (!data || data === "[DONE]") continue;
    try {
      out.push(obj(JSON.parse(data)));
    } catch {
      // a partial frame of an interrupted stream
    }
  }
  return out;
}

const joinOrNull = (parts: string[]): string | null => (parts.join("").trim() ? parts.join("") : null);

/** Read a model turn back from a recorded response body. */
export function parseResponse(api: WireApi, body: string): WireTurn {
  const payloads = ssePayloads(body);
  const text: string[] = [];
  const reasoning: string[] = [];
  const calls: WireToolCall[] = [];
  let usage: WireTurn["usage"] = null;
  if (api === "chat") {
    const byIndex = new Map<number, { id: string; name: string; args: string }>();
    for (const p of payloads) {
      for (const choice of arr(p.choices).map(obj)) {
        const d = obj(choice.delta ?? choice.message);
        if (typeof d.content === "string") text.push(d.content);
        const r = d.reasoning_content ?? d.reasoning;
        if (typeof r === "string") reasoning.push(r);
        for (const tc of arr(d.tool_calls).map(obj)) {
          const index = typeof tc.index === "number" ? tc.index : byIndex.size;
          const cur = byIndex.get(index) ?? { id: "", name: "", args: "" };
          const fn = obj(tc.function);
          if (str(tc.id)) cur.id = str(tc.id);
          if (str(fn.name)) cur.name += str(fn.name);
          cur.args +=
            typeof fn.arguments === "string" ? fn.arguments : fn.arguments ? JSON.stringify(fn.arguments) : "";
          byIndex.set(index, cur);
        }
      }
      const u = obj(p.usage);
      if (p.usage) {
        usage = {
          inputTokens: Number(u.prompt_tokens ?? 0),
          outputTokens: Number(u.completion_tokens ?? 0),
          reasoningTokens: Number(obj(u.completion_tokens_details).reasoning_tokens ?? 0),
          cachedInputTokens: Number(obj(u.prompt_tokens_details).cached_tokens ?? 0),
        };
      }
    }
    for (const [i, c] of [...byIndex.entries()].sort((a, b) => a[0] - b[0])) {
      calls.push({ id: c.id || `call_${i}`, name: c.name, args: parseArgs(c.args) });
    }
  } else if (api === "responses") {
    let items: Json[] = [];
    const done: Json[] = [];
    for (const p of payloads) {
      if (p.type === "response.completed" || p.type === "response.done") items = arr(obj(p.response).output).map(obj);
      else if (p.type === "response.output_item.done") done.push(obj(p.item));
      else if (!p.type && Array.isArray(p.output)) items = arr(p.output).map(obj);
      const resp = obj(p.response ?? (p.type ? undefined : p));
      if (resp.usage) {
        const u = obj(resp.usage);
        usage = {
          inputTokens: Number(u.input_tokens ?? 0),
          outputTokens: Number(u.output_tokens ?? 0),
          reasoningTokens: Number(obj(u.output_tokens_details).reasoning_tokens ?? 0),
          cachedInputTokens: Number(obj(u.input_tokens_details).cached_tokens ?? 0),
        };
      }
    }
    if (items.length === 0) items = done;
    for (const it of items) {
      if (it.type === "message") {
        for (const c of arr(it.content).map(obj)) if (typeof c.text === "string") text.push(c.text);
      } else if (it.type === "reasoning") {
        for (const s of [...arr(it.summary), ...arr(it.content)].map(obj))
          if (typeof s.text === "string") reasoning.push(s.text);
      } else if (it.type === "function_call") {
        calls.push({ id: str(it.call_id) || str(it.id), name: str(it.name), args: parseArgs(it.arguments) });
      } else if (it.type === "local_shell_call") {
        calls.push({ id: str(it.call_id) || str(it.id), name: "local_shell", args: obj(it.action) });
      } else if (it.type === "custom_tool_call") {
        calls.push({ id: str(it.call_id) || str(it.id), name: str(it.name), args: { input: str(it.input) } });
      }
    }
  } else if (api === "anthropic") {
    const blocks = new Map<
      number,
      { type: string; id: string; name: string; text: string; json: string; input: unknown }
    >();
    let inTok = 0;
    let outTok = 0;
    let cached = 0;
    for (const p of payloads) {
      if (p.type === "message_start") {
        const u = obj(obj(p.message).usage);
        inTok = Number(u.input_tokens ?? 0);
        cached = Number(u.cache_read_input_tokens ?? 0);
        outTok = Number(u.output_tokens ?? 0);
      } else if (p.type === "content_block_start") {
        const b = obj(p.content_block);
        blocks.set(Number(p.index), {
          type: str(b.type),
          id: str(b.id),
          name: str(b.name),
          text: str(b.text) || str(b.thinking),
          json: "",
          input: b.input,
        });
      } else if (p.type === "content_block_delta") {
        const b = blocks.get(Number(p.index));
        const d = obj(p.delta);
        if (!b) continue;
        if (d.type === "text_delta") b.text += str(d.text);
        else if (d.type === "thinking_delta") b.text += str(d.thinking);
        else if (d.type === "input_json_delta") b.json += str(d.partial_json);
      } else if (p.type === "message_delta") {
        outTok = Number(obj(p.usage).output_tokens ?? outTok);
      } else if (p.type === "message" || Array.isArray(p.content)) {
        arr(p.content).forEach((c, i) => {
          const b = obj(c);
          blocks.set(i, {
            type: str(b.type),
            id: str(b.id),
            name: str(b.name),
            text: str(b.text) || str(b.thinking),
            json: "",
            input: b.input,
          });
        });
        const u = obj(p.usage);
        inTok = Number(u.input_tokens ?? 0);
        outTok = Number(u.output_tokens ?? 0);
        cached = Number(u.cache_read_input_tokens ?? 0);
      }
    }
    for (const [, b] of [...blocks.entries()].sort((a, c) => a[0] - c[0])) {
      if (b.type === "text") text.push(b.text);
      else if (b.type === "thinking") reasoning.push(b.text);
      else if (b.type === "tool_use")
        calls.push({ id: b.id, name: b.name, args: b.json ? parseArgs(b.json) : (b.input ?? {}) });
    }
    if (payloads.length)
      usage = { inputTokens: inTok, outputTokens: outTok, reasoningTokens: 0, cachedInputTokens: cached };
  } else {
    let n = 0;
    for (const p of payloads) {
      for (const cand of arr(p.candidates).slice(0, 1).map(obj)) {
        for (const part of arr(obj(cand.content).parts).map(obj)) {
          if (typeof part.text === "string") (part.thought ? reasoning : text).push(part.text);
          if (part.functionCall) {
            const fc = obj(part.functionCall);
            calls.push({ id: str(fc.id) || `gemini_call_${n++}`, name: str(fc.name), args: fc.args ?? {} });
          }
        }
      }
      if (p.usageMetadata) {
        const u = obj(p.usageMetadata);
        usage = {
          inputTokens: Number(u.promptTokenCount ?? 0),
          outputTokens: Number(u.candidatesTokenCount ?? 0),
          reasoningTokens: Number(u.thoughtsTokenCount ?? 0),
          cachedInputTokens: Number(u.cachedContentTokenCount ?? 0),
        };
      }
    }
  }
  return { reasoning: joinOrNull(reasoning), text: joinOrNull(text), toolCalls: calls, usage };
}

function contentText(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v))
    return v.map((x) => (typeof x === "string" ? x : str(obj(x).text) || contentText(obj(x).content))).join("");
  const o = obj(v);
  if (typeof o.output === "string") return o.output;
  if (typeof o.text === "string") return o.text;
  return v === undefined ? "" : JSON.stringify(v);
}

/** The tool results a request carries (the outputs of the previous turn's calls, and earlier ones). */
export function requestToolResults(api: WireApi, request: unknown): WireToolResult[] {
  const r = obj(request);
  const out: WireToolResult[] = [];
  if (api === "chat") {
    const names = new Map<string, string>();
    for (const m of arr(r.messages).map(obj)) {
      for (const tc of arr(m.tool_calls).map(obj)) names.set(str(tc.id), str(obj(tc.function).name));
      if (m.role === "tool") {
        const id = str(m.tool_call_id);
        out.push({ callId: id, name: names.get(id) ?? "", output: contentText(m.content), ok: true });
      }
    }
  } else if (api === "responses") {
    const names = new Map<string, string>();
    for (const it of arr(r.input).map(obj)) {
      if (it.type === "function_call" || it.type === "custom_tool_call") names.set(str(it.call_id), str(it.name));
      if (it.type === "function_call_output" || it.type === "custom_tool_call_output") {
        const id = str(it.call_id);
        out.push({ callId: id, name: names.get(id) ?? "", output: contentText(it.output), ok: true });
      }
    }
  } else if (api === "anthropic") {
    const names = new Map<string, string>();
    for (const m of arr(r.messages).map(obj)) {
      for (const b of arr(m.content).map(obj)) {
        if (b.type === "tool_use") names.set(str(b.id), str(b.name));
        if (b.type === "tool_result") {
          const id = str(b.tool_use_id);
          out.push({ callId: id, name: names.get(id) ?? "", output: contentText(b.content), ok: b.is_error !== true });
        }
      }
    }
  } else {
    let n = 0;
    const pending: { id: string; name: string }[] = [];
    for (const c of arr(r.contents).map(obj)) {
      for (const part of arr(c.parts).map(obj)) {
        if (part.functionCall) {
          const fc = obj(part.functionCall);
          pending.push({ id: str(fc.id) || `gemini_call_${n++}`, name: str(fc.name) });
        }
        if (part.functionResponse) {
          const fr = obj(part.functionResponse);
          const idx = pending.findIndex((p) => (str(fr.id) ? p.id === str(fr.id) : p.name === str(fr.name)));
          const match = idx >= 0 ? pending.splice(idx, 1)[0] : undefined;
          const resp = obj(fr.response);
          out.push({
            callId: match?.id ?? (str(fr.id) || `gemini_result_${out.length}`),
            name: str(fr.name),
            output: contentText(resp.output ?? resp.error ?? resp.content ?? resp),
            ok: resp.error === undefined,
          });
        }
      }
    }
  }
  return out;
}

/** Tool definitions a request offers: name and JSON schema of the parameters. */
export function requestTools(
  api: WireApi,
  request: unknown,
): { name: string; description: string; parameters: Json }[] {
  const r = obj(request);
  const out: { name: string; description: string; parameters: Json }[] = [];
  if (api === "chat") {
    for (const t of arr(r.tools).map(obj)) {
      const fn = obj(t.function);
      out.push({ name: str(fn.name), description: str(fn.description), parameters: obj(fn.parameters) });
    }
  } else if (api === "responses") {
    for (const t of arr(r.tools).map(obj)) {
      out.push({ name: str(t.name) || str(t.type), description: str(t.description), parameters: obj(t.parameters) });
    }
  } else if (api === "anthropic") {
    for (const t of arr(r.tools).map(obj)) {
      out.push({ name: str(t.name), description: str(t.description), parameters: obj(t.input_schema) });
    }
  } else {
    for (const t of arr(r.tools).map(obj)) {
      for (const fd of arr(t.functionDeclarations).map(obj)) {
        out.push({
          name: str(fd.name),
          description: str(fd.description),
          parameters: obj(fd.parameters ?? fd.parametersJsonSchema),
        });
      }
    }
  }
  return out;
}

/**
 * How many tool-calling turns the model has already taken in the conversation a request carries. Turns without a
 * tool call are not counted: products seed histories with canned assistant messages ("Got it."), and a scripted
 * turn without a tool call ends the run anyway.
 */
export function priorModelTurns(api: WireApi, request: unknown): number {
  const r = obj(request);
  // a: assistant entry, t: assistant entry with a tool call, u: anything else
  let roles: string[] = [];
  if (api === "chat") {
    roles = arr(r.messages).map((m) =>
      obj(m).role === "assistant" ? (arr(obj(m).tool_calls).length ? "t" : "a") : "u",
    );
  } else if (api === "anthropic") {
    roles = arr(r.messages).map((m) => {
      if (obj(m).role !== "assistant") return "u";
      return arr(obj(m).content).some((b) => obj(b).type === "tool_use") ? "t" : "a";
    });
  } else if (api === "gemini") {
    roles = arr(r.contents).map((c) => {
      if (obj(c).role !== "model") return "u";
      return arr(obj(c).parts).some((p) => obj(p).functionCall) ? "t" : "a";
    });
  } else {
    roles = arr(r.input).map((it) => {
      const o = obj(it);
      if (o.type === "function_call" || o.type === "custom_tool_call" || o.type === "local_shell_call") return "t";
      if (o.type === "reasoning") return "a";
      if ((o.type === "message" || o.type === undefined) && o.role === "assistant") return "a";
      return "u";
    });
  }
  let turns = 0;
  let inRun = false;
  let counted = false;
  for (const role of roles) {
    if (role === "u") {
      inRun = false;
      continue;
    }
    if (!inRun) {
      inRun = true;
      counted = false;
    }
    if (role === "t" && !counted) {
      turns++;
      counted = true;
    }
  }
  return turns;
}

/** Whether a request is a product's side call (title, classifier, JSON check) rather than an agent-loop turn. */
export function isSideCall(api: WireApi, request: unknown): boolean {
  return requestTools(api, request).length === 0;
}

export function wantsStream(api: WireApi, path: string, request: unknown): boolean {
  if (api === "gemini") return path.includes(":streamGenerateContent");
  return obj(request).stream === true;
}

/** A turn to send: visible text and tool calls (arguments already in the product's own schema). */
export interface ScriptedTurn {
  /** Rendered in each API's own form: reasoning_content, a reasoning item's summary, a thinking block, a thought part. */
  reasoning?: string | null;
  text: string | null;
  toolCalls: { id: string; name: string; args: Json }[];
  /** Token counts to report (a fixed small count when absent). */
  usage?: { input: number; output: number };
}

const sse = (event: string | null, data: unknown): string =>
  `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

/** Render a turn as the product's API would answer: content type and body. */
export function renderResponse(
  api: WireApi,
  turn: ScriptedTurn,
  model: string,
  stream: boolean,
): { contentType: string; body: string } {
  const created = Math.floor(Date.now() / 1000);
  const usage = turn.usage ?? { input: 100, output: 20 };
  if (api === "chat") {
    const toolCalls = turn.toolCalls.map((c, i) => ({
      index: i,
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.args) },
    }));
    const finish = turn.toolCalls.length ? "tool_calls" : "stop";
    const u = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
    if (!stream) {
      return {
        contentType: "application/json",
        body: JSON.stringify({
          id: `chatcmpl-${created}`,
          object: "chat.completion",
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: turn.text,
                ...(turn.reasoning ? { reasoning_content: turn.reasoning } : {}),
                ...(toolCalls.length ? { tool_calls: toolCalls.map(({ index: _i, ...rest }) => rest) } : {}),
              },
              finish_reason: finish,
            },
          ],
          usage: u,
        }),
      };
    }
    const base = { id: `chatcmpl-${created}`, object: "chat.completion.chunk", created, model };
    let body = sse(null, {
      ...base,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    });
    if (turn.reasoning) {
      body += sse(null, {
        ...base,
        choices: [{ index: 0, delta: { reasoning_content: turn.reasoning }, finish_reason: null }],
      });
    }
    if (turn.text)
      body += sse(null, { ...base, choices: [{ index: 0, delta: { content: turn.text }, finish_reason: null }] });
    if (toolCalls.length)
      body += sse(null, { ...base, choices: [{ index: 0, delta: { tool_calls: toolCalls }, finish_reason: null }] });
    body += sse(null, { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
    body += sse(null, { ...base, choices: [], usage: u });
    body += sse(null, "[DONE]");
    return { contentType: "text/event-stream", body };
  }
  if (api === "responses") {
    const id = `resp_${created}${Math.floor(Math.random() * 1e6)}`;
    const output: Json[] = [];
    if (turn.reasoning) {
      output.push({ type: "reasoning", id: `rs_${id}`, summary: [{ type: "summary_text", text: turn.reasoning }] });
    }
    if (turn.text) {
      output.push({
        type: "message",
        id: `msg_${id}`,
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: turn.text, annotations: [] }],
      });
    }
    for (const c of turn.toolCalls) {
      output.push({
        type: "function_call",
        id: `fc_${c.id}`,
        call_id: c.id,
        name: c.name,
        arguments: JSON.stringify(c.args),
        status: "completed",
      });
    }
    const u = {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    };
    const response = { id, object: "response", created_at: created, status: "completed", model, output, usage: u };
    if (!stream) return { contentType: "application/json", body: JSON.stringify(response) };
    let seq = 0;
    let body = sse("response.created", {
      type: "response.created",
      sequence_number: seq++,
      response: { ...response, status: "in_progress", output: [] },
    });
    output.forEach((item, i) => {
      body += sse("response.output_item.added", {
        type: "response.output_item.added",
        sequence_number: seq++,
        output_index: i,
        item,
      });
      if (item.type === "message") {
        body += sse("response.output_text.delta", {
          type: "response.output_text.delta",
          sequence_number: seq++,
          item_id: item.id,
          output_index: i,
          content_index: 0,
          delta: turn.text,
        });
      }
      body += sse("response.output_item.done", {
        type: "response.output_item.done",
        sequence_number: seq++,
        output_index: i,
        item,
      });
    });
    body += sse("response.completed", { type: "response.completed", sequence_number: seq++, response });
    return { contentType: "text/event-stream", body };
  }
  if (api === "anthropic") {
    const content: Json[] = [];
    if (turn.reasoning) content.push({ type: "thinking", thinking: turn.reasoning, signature: "" });
    if (turn.text) content.push({ type: "text", text: turn.text });
    for (const c of turn.toolCalls) content.push({ type: "tool_use", id: c.id, name: c.name, input: c.args });
    const stop = turn.toolCalls.length ? "tool_use" : "end_turn";
    const id = `msg_${created}${Math.floor(Math.random() * 1e6)}`;
    const u = {
      input_tokens: usage.input,
      output_tokens: usage.output,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    const message = {
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: u,
    };
    if (!stream) return { contentType: "application/json", body: JSON.stringify(message) };
    let body = sse("message_start", {
      type: "message_start",
      message: { ...message, content: [], stop_reason: null, usage: { ...u, output_tokens: 1 } },
    });
    content.forEach((b, i) => {
      if (b.type === "thinking") {
        body += sse("content_block_start", {
          type: "content_block_start",
          index: i,
          content_block: { type: "thinking", thinking: "", signature: "" },
        });
        body += sse("content_block_delta", {
          type: "content_block_delta",
          index: i,
          delta: { type: "thinking_delta", thinking: b.thinking },
        });
      } else if (b.type === "text") {
        body += sse("content_block_start", {
          type: "content_block_start",
          index: i,
          content_block: { type: "text", text: "" },
        });
        body += sse("content_block_delta", {
          type: "content_block_delta",
          index: i,
          delta: { type: "text_delta", text: b.text },
        });
      } else {
        body += sse("content_block_start", {
          type: "content_block_start",
          index: i,
          content_block: { type: "tool_use", id: b.id, name: b.name, input: {} },
        });
        body += sse("content_block_delta", {
          type: "content_block_delta",
          index: i,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(b.input) },
        });
      }
      body += sse("content_block_stop", { type: "content_block_stop", index: i });
    });
    body += sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: usage.output },
    });
    body += sse("message_stop", { type: "message_stop" });
    return { contentType: "text/event-stream", body };
  }
  const parts: Json[] = [];
  if (turn.reasoning) parts.push({ text: turn.reasoning, thought: true });
  if (turn.text) parts.push({ text: turn.text });
  for (const c of turn.toolCalls) parts.push({ functionCall: { name: c.name, args: c.args } });
  const payload = {
    candidates: [{ content: { role: "model", parts }, finishReason: "STOP", index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.input,
      candidatesTokenCount: usage.output,
      totalTokenCount: usage.input + usage.output,
    },
    modelVersion: model,
  };
  if (!stream) return { contentType: "application/json", body: JSON.stringify(payload) };
  return { contentType: "text/event-stream", body: sse(null, payload) };
}
