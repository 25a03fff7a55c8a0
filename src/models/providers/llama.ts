import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import PQueue from "p-queue";
import {
  type Model,
  ModelError,
  type ModelRequest,
  type ModelSession,
  type ModelTurn,
  type ToolDefinition,
  type TrialContext,
} from "../model.js";
import { familyOf } from "./family.js";
import { splitThinkTags } from "./messages.js";
import type { ResolvedOptions } from "./options.js";

/*
 * node-llama-cpp is an optional install (optional/llama, about 700 MB): it is loaded with a dynamic import, and
 * only the few members used here are typed, so the default install type-checks without it.
 */
interface LlamaFunctionCall {
  functionName: string;
  params: unknown;
}
interface LlamaResponse {
  response: string;
  fullResponse: Array<string | { type: "segment"; segmentType: string; text: string }>;
  functionCalls?: LlamaFunctionCall[];
}
type HistoryItem =
  | { type: "system"; text: string }
  | { type: "user"; text: string }
  | {
      type: "model";
      response: Array<string | { type: "functionCall"; name: string; params: unknown; result: unknown }>;
    };
interface LlamaSequence {
  tokenMeter: { usedInputTokens: number; usedOutputTokens: number };
  clearHistory(): Promise<void>;
}
interface LlamaContext {
  getSequence(): LlamaSequence;
  dispose(): Promise<void>;
}
interface LlamaLoadedModel {
  createContext(o: {
    contextSize?: number | { min?: number; max?: number };
    sequences?: number;
  }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}
interface LlamaChatInstance {
  generateResponse(
    history: HistoryItem[],
    options: {
      functions?: Record<string, { description?: string; params?: unknown }>;
      maxTokens?: number;
      temperature?: number;
      seed?: number;
      signal?: AbortSignal;
      stopOnAbortSignal?: boolean;
    },
  ): Promise<LlamaResponse>;
  readonly chatWrapper: unknown;
  dispose(o?: { disposeSequence?: boolean }): void;
}
interface NodeLlamaCpp {
  getLlama(o: { gpu?: false | "auto"; build?: "never" | "auto"; logLevel?: string }): Promise<{
    loadModel(o: { modelPath: string }): Promise<LlamaLoadedModel>;
  }>;
  LlamaChat: new (o: {
    contextSequence: LlamaSequence;
    autoDisposeSequence?: boolean;
    chatWrapper?: unknown;
  }) => LlamaChatInstance;
}

export const LLAMA_INSTALL_HINT =
  "node-llama-cpp is not installed; run `npm ci --prefix optional/llama` (about 700 MB) or set PEERBENCH_LLAMA_DIR to a folder where it is installed";

let modulePromise: Promise<NodeLlamaCpp | null> | undefined;

/** The optional package: PEERBENCH_LLAMA_DIR, then optional/llama beside the sources, then the normal resolution. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp | null> {
  modulePromise ??= (async () => {
    const here = fileURLToPath(new URL(".", import.meta.url));
    const dirs = [process.env.PEERBENCH_LLAMA_DIR, resolve(here, "../../../optional/llama"), process.cwd()].filter(
      (d): d is string => Boolean(d),
    );
    for (const dir of dirs) {
      const pkg = resolve(dir, "package.json");
      if (!existsSync(pkg)) continue;
      try {
        const entry = createRequire(pkg).resolve("node-llama-cpp");
        return (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
      } catch {
        // not installed there
      }
    }
    return null;
  })();
  return modulePromise;
}

/**
 * JSON Schema → the subset node-llama-cpp turns into a grammar (it rejects keywords it does not know):
 * anyOf/oneOf become oneOf, untyped values become any scalar, unknown keywords are dropped.
 */
export function grammarSchema(schema: unknown): Record<string, unknown> {
  const ANY = { type: ["string", "number", "boolean", "null"] };
  if (typeof schema !== "object" || schema === null) return ANY;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof s.description === "string") out.description = s.description;
  const alternatives = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null) as unknown[] | null;
  if (alternatives) return { ...out, oneOf: alternatives.map(grammarSchema) };
  if (Array.isArray(s.enum)) return { ...out, enum: s.enum };
  if (s.const !== undefined) return { ...out, const: s.const };
  const type = s.type;
  if (type === "object" || (type === undefined && s.properties)) {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    return {
      ...out,
      type: "object",
      properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, grammarSchema(v)])),
      required: Array.isArray(s.required) ? s.required.filter((k) => typeof k === "string" && k in props) : [],
      additionalProperties: false,
    };
  }
  if (type === "array") {
    const arr: Record<string, unknown> = { ...out, type: "array", items: grammarSchema(s.items) };
    if (typeof s.minItems === "number") arr.minItems = s.minItems;
    if (typeof s.maxItems === "number") arr.maxItems = s.maxItems;
    return arr;
  }
  if (type === "string") {
    const str: Record<string, unknown> = { ...out, type: "string" };
    if (typeof s.minLength === "number") str.minLength = s.minLength;
    if (typeof s.maxLength === "number") str.maxLength = s.maxLength;
    return str;
  }
  const scalars = ["string", "number", "integer", "boolean", "null"];
  if (typeof type === "string" && scalars.includes(type)) return { ...out, type };
  if (Array.isArray(type)) {
    const kept = type.filter((t) => scalars.includes(t as string));
    if (kept.length) return { ...out, type: kept };
  }
  return { ...out, ...ANY };
}

function llamaFunctions(tools: ToolDefinition[]): Record<string, { description?: string; params?: unknown }> {
  const fns: Record<string, { description?: string; params?: unknown }> = {};
  for (const t of tools) {
    const params = grammarSchema(t.parameters) as { properties?: Record<string, unknown> };
    fns[t.name] = {
      description: t.description,
      ...(params.properties && Object.keys(params.properties).length > 0 ? { params } : {}),
    };
  }
  return fns;
}

/** peerbench messages → node-llama-cpp chat history (tool results attach to the calls that caused them). */
export function toLlamaHistory(request: ModelRequest): HistoryItem[] {
  const history: HistoryItem[] = [{ type: "system", text: request.system }];
  const pending = new Map<string, { result: unknown }>();
  for (const m of request.messages) {
    if (m.role === "user") history.push({ type: "user", text: m.content });
    else if (m.role === "assistant") {
      const response: Extract<HistoryItem, { type: "model" }>["response"] = [];
      if (m.text) response.push(m.text);
      for (const c of m.toolCalls) {
        const call = { type: "functionCall" as const, name: c.name, params: c.args, result: "" as unknown };
        pending.set(c.id, call);
        response.push(call);
      }
      history.push({ type: "model", response });
    } else {
      const call = pending.get(m.toolCallId);
      if (call) call.result = m.isError ? `error: ${m.content}` : m.content;
    }
  }
  if (history[history.length - 1]?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

interface Loaded {
  model: LlamaLoadedModel;
  /** The chat template wrapper resolved on the first call (resolving a Jinja template takes seconds). */
  chatWrapper?: unknown;
  context: LlamaContext;
  sequence: LlamaSequence;
  lib: NodeLlamaCpp;
  /** One call at a time on the one sequence, whichever model instance or session asks. */
  queue: PQueue;
}

/** Loaded files by path: loading takes seconds and memory, so every model instance of one file shares it. */
const loadedFiles = new Map<string, Promise<Loaded>>();

/**
 * A local GGUF file run in-process (`llama:/path/model.gguf`). One context serves every session of the model,
 * one call at a time; a local model costs nothing per token.
 */
export class LlamaModel implements Model {
  readonly simulated = false;
  readonly family: string;

  constructor(
    readonly id: string,
    readonly path: string,
    readonly options: ResolvedOptions,
  ) {
    this.family = familyOf(basename(path));
  }

  settings(): Record<string, unknown> {
    return {
      provider: "llama",
      model: basename(this.path),
      api: "node-llama-cpp",
      baseUrl: null,
      temperature: this.options.temperature,
      maxOutputTokens: this.options.maxOutputTokens ?? null,
      reasoningEffort: null,
      thinkingBudget: null,
      apiKeyEnv: null,
    };
  }

  private load(): Promise<Loaded> {
    const key = resolve(this.path);
    let loading = loadedFiles.get(key);
    if (!loading) {
      loading = this.loadFile();
      loadedFiles.set(key, loading);
      loading.catch(() => loadedFiles.delete(key));
    }
    return loading;
  }

  private async loadFile(): Promise<Loaded> {
    if (!existsSync(this.path))
      throw new ModelError(`${this.id}: GGUF file ${this.path} does not exist; give the path of a local .gguf model`);
    const lib = await loadNodeLlamaCpp();
    if (!lib) throw new ModelError(`${this.id}: ${LLAMA_INSTALL_HINT}`);
    try {
      const llama = await lib.getLlama({ gpu: "auto", build: "never", logLevel: "error" });
      const model = await llama.loadModel({ modelPath: this.path });
      // ggml's worker threads spin while they wait for each other: on a busy machine that turns milliseconds
      // into seconds per token, so PEERBENCH_LLAMA_THREADS can pin the count (1 is best on a loaded host).
      const threads = Number(process.env.PEERBENCH_LLAMA_THREADS);
      const context = await model.createContext({
        contextSize: { max: 32_768 },
        sequences: 1,
        ...(Number.isInteger(threads) && threads > 0 ? { threads } : {}),
      });
      return { lib, model, context, sequence: context.getSequence(), queue: new PQueue({ concurrency: 1 }) };
    } catch (e) {
      throw new ModelError(`${this.id}: cannot load ${this.path}: ${(e as Error).message}`);
    }
  }

  startSession(context: TrialContext): ModelSession {
    return { next: (request) => this.generate(request, context) };
  }

  private async generate(request: ModelRequest, context: TrialContext): Promise<ModelTurn> {
    const loaded = await this.load();
    return loaded.queue.add(async () => {
      const { sequence, lib } = loaded;
      const before2 = { in: sequence.tokenMeter.usedInputTokens, out: sequence.tokenMeter.usedOutputTokens };
      const chat = new lib.LlamaChat({
        contextSequence: sequence,
        autoDisposeSequence: false,
        ...(loaded.chatWrapper ? { chatWrapper: loaded.chatWrapper } : {}),
      });
      loaded.chatWrapper ??= chat.chatWrapper;
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const signal = AbortSignal.any([context.signal, timeout]);
      try {
        const functions = request.tools.length ? llamaFunctions(request.tools) : undefined;
        const res = await chat.generateResponse(toLlamaHistory(request), {
          functions,
          maxTokens: this.options.maxOutputTokens ?? 1024,
          temperature: this.options.temperature,
          seed: context.seed,
          signal,
        });
        const thoughts = res.fullResponse
          .filter((p): p is Exclude<typeof p, string> => typeof p !== "string" && p.segmentType === "thought")
          .map((p) => p.text.trim())
          .filter(Boolean);
        const split = splitThinkTags(res.response);
        if (split.reasoning) thoughts.push(split.reasoning);
        const toolCalls = (res.functionCalls ?? []).map((c, i) => ({
          id: `call_${request.call}_${i + 1}`,
          name: c.functionName,
          args: c.params ?? {},
        }));
        return {
          reasoning: thoughts.length ? thoughts.join("\n\n") : null,
          text: split.text || null,
          toolCalls,
          usage: {
            inputTokens: Math.max(0, sequence.tokenMeter.usedInputTokens - before2.in),
            outputTokens: Math.max(0, sequence.tokenMeter.usedOutputTokens - before2.out),
            reasoningTokens: 0,
            cachedInputTokens: 0,
          },
          costUsd: 0,
        } satisfies ModelTurn;
      } catch (e) {
        if (timeout.aborted) throw new ModelError(`${this.id}: no response within ${this.options.timeoutMs} ms`, true);
        if (context.signal.aborted) throw new ModelError(`${this.id}: cancelled`);
        throw new ModelError(`${this.id}: generation failed: ${(e as Error).message}`);
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    }) as Promise<ModelTurn>;
  }
}
