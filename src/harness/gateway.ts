import { appendFileSync, readFileSync } from "node:fs";
import { chmod, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelSession } from "../models/model.js";
import type { TrajectoryTurn } from "../models/trajectory.js";
import { registerUserinfo } from "../models/providers/endpoint.js";
import {
  redact as redactSecrets,
  registerSecretValue,
  SECRET_PARAM_NAME,
  safeUrl,
} from "../models/providers/redact.js";
import { toModelRequest } from "./conversation.js";
import { upstreamUrl } from "./forward.js";
import {
  apiOfPath,
  isSideCall,
  priorModelTurns,
  renderResponse,
  requestTools,
  type ScriptedTurn,
  type WireApi,
  wantsStream,
} from "./wire.js";

/**
 * The recording gateway: the only model endpoint an agent product in the lab can reach. It speaks OpenAI chat
 * completions, OpenAI Responses, Anthropic messages and Gemini generateContent, streaming included, and
 * records every exchange (one JSON line each). Modes:
 * - forward: to the real provider with the real key (the product only ever holds a dummy key);
 * - replay: answers the i-th request of each API with the i-th recorded response;
 * - scripted: answers from a peerbench trajectory, mapping its `bash` calls to the product's own shell tool.
 */

export interface ProviderUpstream {
  /**
   * Where requests go (see upstreamUrl in forward.ts): a bare origin (https://api.openai.com) takes the product's
   * whole path; a URL with a path (https://proxy.example/v1) takes the rest after the product's /v1.
   */
  baseUrl: string;
  /** The real key ("" when the endpoint takes none); never recorded. */
  apiKey: string;
  /** Query parameters added to every request (from a --base-url that had them). */
  query?: [string, string][];
  /** `user:password` for HTTP basic auth (from a --base-url that had it). */
  userinfo?: string;
}

export type GatewayMode =
  | { kind: "forward"; openai?: ProviderUpstream; anthropic?: ProviderUpstream; google?: ProviderUpstream }
  | { kind: "replay"; recordFile: string }
  | { kind: "scripted"; turns: TrajectoryTurn[]; finalText?: string }
  /** A peerbench model session answers (simulated personas, replays, any provider): see conversation.ts. */
  | { kind: "model"; session: ModelSession; maxCalls?: number };

export interface Exchange {
  seq: number;
  api: WireApi | null;
  method: string;
  path: string;
  side: boolean;
  /** ms since the epoch */
  startedAt: number;
  endedAt: number;
  firstByteMs: number | null;
  requestHeaders: Record<string, string>;
  request: unknown;
  status: number;
  contentType: string;
  response: string;
}

const SECRET_HEADERS = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "cookie",
  "proxy-authorization",
]);
const DROP_UPSTREAM_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "accept-encoding",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  ...SECRET_HEADERS,
]);

/** Shell tools of the products, by the name each gives its own. */
export const SHELL_TOOL_NAMES = ["run_shell_command", "bash", "Bash", "exec_command", "shell", "local_shell"];

function redact(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? "[redacted]" : Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Fill a shell tool's arguments from its JSON schema: the command where the schema wants one. */
export function shellArgs(parameters: Record<string, unknown>, command: string): Record<string, unknown> {
  const props = (parameters.properties ?? {}) as Record<string, { type?: string | string[] }>;
  const required = new Set((parameters.required as string[] | undefined) ?? []);
  const args: Record<string, unknown> = {};
  const typeOf = (k: string) => {
    const t = props[k]?.type;
    return Array.isArray(t) ? t[0] : t;
  };
  const commandKey = ["command", "cmd", "script"].find((k) => k in props) ?? "command";
  args[commandKey] = typeOf(commandKey) === "array" ? ["bash", "-lc", command] : command;
  if ("description" in props) args.description = "Run a shell command";
  for (const k of required) {
    if (k in args) continue;
    const t = typeOf(k);
    args[k] =
      t === "boolean" ? false : t === "number" || t === "integer" ? 0 : t === "array" ? [] : t === "object" ? {} : "";
  }
  return args;
}

/** The upstreams' keys and URL credentials never reach the record, whatever a server echoes back. */
function registerUpstreamSecrets(mode: Extract<GatewayMode, { kind: "forward" }>): void {
  for (const up of [mode.openai, mode.anthropic, mode.google]) {
    if (!up) continue;
    registerSecretValue(up.apiKey);
    for (const [k, v] of up.query ?? []) if (SECRET_PARAM_NAME.test(k)) registerSecretValue(v);
    if (up.userinfo) registerUserinfo(up.userinfo);
  }
}

let callCounter = 0;

/** A trajectory turn in a product's own terms: `bash` calls become its shell tool, with its argument names. */
export function scriptTurn(
  turn: TrajectoryTurn,
  tools: { name: string; parameters: Record<string, unknown> }[],
): ScriptedTurn {
  const shell = SHELL_TOOL_NAMES.map((n) => tools.find((t) => t.name === n)).find(Boolean);
  const toolCalls = (turn.toolCalls ?? []).map((c) => {
    const id = `call_${Date.now().toString(36)}${(callCounter++).toString(36)}`;
    const args = (c.args ?? {}) as Record<string, unknown>;
    if (c.name === "bash" && shell) {
      return { id, name: shell.name, args: shellArgs(shell.parameters, String(args.command ?? "")) };
    }
    return { id, name: c.name, args };
  });
  return { reasoning: turn.reasoning ?? null, text: turn.text ?? null, toolCalls };
}

export class Gateway {
  readonly exchanges: Exchange[] = [];
  private server: Server | null = null;
  private seq = 0;
  private replayByLane = new Map<string, Exchange[]>();
  private replayCursor = new Map<string, number>();
  private modelCalls = 0;
  private modelQueue: Promise<unknown> = Promise.resolve();
  /** Summed cost of model-mode calls where the model reports one. */
  costUsd: number | null = null;
  /** Where the gateway listens: a unix socket path or "127.0.0.1:port". */
  address = "";
  port = 0;

  constructor(
    readonly mode: GatewayMode,
    readonly recordFile: string | null = null,
  ) {
    if (mode.kind === "forward") registerUpstreamSecrets(mode);
    if (mode.kind === "replay") {
      for (const line of readFileSync(mode.recordFile, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const ex = JSON.parse(line) as Exchange;
        if (!ex.api) continue;
        const lane = `${ex.api}:${ex.side ? "side" : "main"}`;
        this.replayByLane.set(lane, [...(this.replayByLane.get(lane) ?? []), ex]);
      }
    }
  }

  /** Listen on a unix socket (mode 0666 so the lab's forwarder can use it) or, without a path, on loopback. */
  async listen(socketPath?: string): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `gateway: ${(e as Error).message}` } }));
      });
    });
    // WebSocket upgrades are refused: every product then falls back to plain HTTP, which the record can read.
    server.on("upgrade", (_req, socket) => {
      socket.end("HTTP/1.1 426 Upgrade Required\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    });
    this.server = server;
    if (socketPath) {
      await rm(socketPath, { force: true });
      await new Promise<void>((res, rej) => server.once("error", rej).listen(socketPath, () => res()));
      await chmod(socketPath, 0o666);
      this.address = socketPath;
    } else {
      await new Promise<void>((res, rej) => server.once("error", rej).listen(0, "127.0.0.1", () => res()));
      this.port = (server.address() as AddressInfo).port;
      this.address = `127.0.0.1:${this.port}`;
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((res) => s.close(() => res()));
    if (this.address.startsWith("/")) await rm(this.address, { force: true });
  }

  private record(ex: Exchange): void {
    this.exchanges.push(ex);
    // A server may echo a key or a URL's credentials back: the record never holds them.
    if (this.recordFile) appendFileSync(this.recordFile, `${redactSecrets(JSON.stringify(ex))}\n`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = req.url ?? "/";
    const method = req.method ?? "GET";
    const api = method === "POST" ? apiOfPath(path) : null;
    let request: unknown = raw;
    try {
      request = raw ? JSON.parse(raw) : null;
    } catch {
      // not JSON: recorded as text
    }
    const ex: Exchange = {
      seq: ++this.seq,
      api,
      method,
      path,
      side: api ? isSideCall(api, request) : true,
      startedAt,
      endedAt: 0,
      firstByteMs: null,
      requestHeaders: redact(req.headers),
      request,
      status: 0,
      contentType: "",
      response: "",
    };
    const finish = (status: number, contentType: string, body: string) => {
      ex.status = status;
      ex.contentType = contentType;
      ex.response = body;
      ex.endedAt = Date.now();
      this.record(ex);
    };

    if (this.mode.kind === "forward" && (api || path.includes(":countTokens") || path.startsWith("/v1/models"))) {
      await this.forward(req, res, raw, ex, finish);
      return;
    }
    if (!api) {
      // Preflights (HEAD /), model listings, token counts: answered locally, recorded as side traffic.
      const body = path.includes(":countTokens")
        ? JSON.stringify({ totalTokens: Math.ceil(raw.length / 4) })
        : path.startsWith("/v1/models") || path.startsWith("/v1beta/models")
          ? JSON.stringify({ object: "list", data: [], models: [] })
          : method === "HEAD"
            ? ""
            : "{}";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
      finish(200, "application/json", body);
      return;
    }
    const model = String(
      (request as { model?: unknown } | null)?.model ?? /models\/([^:/]+)/.exec(path)?.[1] ?? "model",
    );
    const stream = wantsStream(api, path, request);
    let turn: ScriptedTurn;
    let status = 200;
    let replayed: { contentType: string; body: string } | null = null;
    if (this.mode.kind === "replay") {
      const lane = `${api}:${ex.side ? "side" : "main"}`;
      const i = this.replayCursor.get(lane) ?? 0;
      this.replayCursor.set(lane, i + 1);
      const rec = this.replayByLane.get(lane)?.[i];
      if (rec) {
        status = rec.status;
        replayed = { contentType: rec.contentType || "application/json", body: rec.response };
      } else {
        turn = { text: this.sideText(request), toolCalls: [] };
        replayed = renderResponse(api, turn, model, stream);
      }
    } else if (this.mode.kind === "scripted") {
      if (ex.side) turn = { text: this.sideText(request), toolCalls: [] };
      else {
        const i = priorModelTurns(api, request);
        const t = this.mode.turns[i];
        turn = t ? scriptTurn(t, requestTools(api, request)) : { text: this.mode.finalText ?? "Done.", toolCalls: [] };
      }
      replayed = renderResponse(api, turn, model, stream);
    } else if (this.mode.kind === "model") {
      if (ex.side) turn = { text: this.sideText(request), toolCalls: [] };
      else {
        const answer = this.modelQueue.then(() => this.askModel(api, request));
        this.modelQueue = answer.catch(() => undefined);
        try {
          turn = await answer;
        } catch (e) {
          status = 500;
          replayed = {
            contentType: "application/json",
            body: JSON.stringify({ error: { type: "api_error", message: `model error: ${(e as Error).message}` } }),
          };
          turn = { text: null, toolCalls: [] };
        }
      }
      replayed ??= renderResponse(api, turn, model, stream);
    } else {
      replayed = {
        contentType: "application/json",
        body: JSON.stringify({ error: { message: "no upstream for this API" } }),
      };
      status = 502;
    }
    res.writeHead(status, { "content-type": replayed.contentType, "cache-control": "no-cache" });
    ex.firstByteMs = Date.now() - startedAt;
    res.end(replayed.body);
    finish(status, replayed.contentType, replayed.body);
  }

  /** One main-loop turn from the peerbench model: the product's shell tool is `bash` to it. */
  private async askModel(api: WireApi, request: unknown): Promise<ScriptedTurn> {
    if (this.mode.kind !== "model") throw new Error("not in model mode");
    const tools = requestTools(api, request);
    const shell = SHELL_TOOL_NAMES.find((n) => tools.some((t) => t.name === n)) ?? "";
    this.modelCalls++;
    if (this.mode.maxCalls !== undefined && this.modelCalls > this.mode.maxCalls) {
      return { text: "I have reached the limit of steps for this assignment.", toolCalls: [] };
    }
    const reply = await this.mode.session.next(toModelRequest(api, request, shell, this.modelCalls));
    if (typeof reply.costUsd === "number") this.costUsd = (this.costUsd ?? 0) + reply.costUsd;
    const scripted = scriptTurn(
      {
        reasoning: reply.reasoning,
        text: reply.text,
        toolCalls: reply.toolCalls.map((c) => ({ id: c.id, name: c.name, args: c.args })),
      },
      tools,
    );
    // keep the model's own call ids where it gave them
    scripted.toolCalls.forEach((c, i) => {
      const id = reply.toolCalls[i]?.id;
      if (id && /^[\w-]{1,64}$/.test(id)) c.id = id;
    });
    if (reply.usage) scripted.usage = { input: reply.usage.inputTokens, output: reply.usage.outputTokens };
    return scripted;
  }

  /** Text for a side call: JSON where the product asked for JSON (Gemini's next-speaker check), else a short title. */
  private sideText(request: unknown): string {
    const r = (request ?? {}) as Record<string, unknown>;
    const gen = (r.generationConfig ?? {}) as Record<string, unknown>;
    const wantsJson =
      gen.responseMimeType === "application/json" ||
      ((r.response_format as { type?: string } | undefined)?.type ?? "").startsWith("json") ||
      ((r.text as { format?: { type?: string } } | undefined)?.format?.type ?? "") === "json_schema";
    if (wantsJson) return JSON.stringify({ reasoning: "The task is complete.", next_speaker: "user" });
    return "Server maintenance";
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    ex: Exchange,
    finish: (status: number, contentType: string, body: string) => void,
  ): Promise<void> {
    if (this.mode.kind !== "forward") return;
    const api = ex.api;
    const up =
      api === "anthropic"
        ? this.mode.anthropic
        : api === "gemini" || ex.path.startsWith("/v1beta")
          ? this.mode.google
          : this.mode.openai;
    if (!up) {
      const body = JSON.stringify({
        error: { message: `the gateway has no upstream configured for ${api ?? ex.path}` },
      });
      res.writeHead(502, { "content-type": "application/json" });
      res.end(body);
      finish(502, "application/json", body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || DROP_UPSTREAM_HEADERS.has(k.toLowerCase())) continue;
      headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    // Node 20 cannot decode zstd: ask for the plain bytes so the record is readable.
    headers["accept-encoding"] = "identity";
    if (up.apiKey) {
      if (api === "anthropic") headers["x-api-key"] = up.apiKey;
      else if (api === "gemini" || ex.path.startsWith("/v1beta")) headers["x-goog-api-key"] = up.apiKey;
      else headers.authorization = `Bearer ${up.apiKey}`;
    }
    if (up.userinfo && !headers.authorization) {
      headers.authorization = `Basic ${Buffer.from(up.userinfo).toString("base64")}`;
    }
    const url = upstreamUrl(up, ex.path);
    let upstream: Response;
    try {
      upstream = await fetch(url, {
        method: ex.method,
        headers,
        body: ex.method === "GET" || ex.method === "HEAD" ? undefined : raw,
      });
    } catch (e) {
      // The product only sees a failed call; the record and the trial's error say why.
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.cause?.code ?? err.cause?.message ?? err.message;
      const body = JSON.stringify({
        error: { message: redactSecrets(`gateway: cannot reach the upstream ${safeUrl(up.baseUrl)} (${why})`) },
      });
      res.writeHead(502, { "content-type": "application/json" });
      res.end(body);
      finish(502, "application/json", body);
      return;
    }
    const contentType = upstream.headers.get("content-type") ?? "application/json";
    res.writeHead(upstream.status, { "content-type": contentType, "cache-control": "no-cache" });
    const decoder = new TextDecoder();
    let body = "";
    if (upstream.body) {
      for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
        if (ex.firstByteMs === null) ex.firstByteMs = Date.now() - ex.startedAt;
        body += decoder.decode(chunk, { stream: true });
        res.write(chunk);
      }
    }
    body += decoder.decode();
    res.end();
    finish(upstream.status, contentType, body);
  }
}
