import { z } from "zod";

/** Token usage of one model call. */
export const Usage = z.object({
  inputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative().default(0),
  reasoningTokens: z.number().int().nonnegative().default(0),
  cachedInputTokens: z.number().int().nonnegative().default(0),
});
export type Usage = z.infer<typeof Usage>;

export const ToolCall = z.object({
  id: z.string(),
  name: z.string(),
  /** Parsed arguments; when the model sent invalid JSON this is the raw string. */
  args: z.unknown(),
});
export type ToolCall = z.infer<typeof ToolCall>;

const base = { id: z.number().int().positive(), at: z.string() };

/** Every event of a trial, in order; `id`s are what detectors cite as evidence. */
export const Event = z.discriminatedUnion("kind", [
  z.object({ ...base, kind: z.literal("system_prompt"), text: z.string() }),
  z.object({ ...base, kind: z.literal("user_prompt"), text: z.string() }),
  z.object({
    ...base,
    kind: z.literal("model_turn"),
    call: z.number().int().positive(),
    reasoning: z.string().nullable(),
    text: z.string().nullable(),
    toolCalls: z.array(ToolCall),
    usage: Usage.nullable(),
    latencyMs: z.number().nonnegative(),
  }),
  z.object({ ...base, kind: z.literal("tool_call"), callId: z.string(), name: z.string(), args: z.unknown() }),
  z.object({
    ...base,
    kind: z.literal("tool_result"),
    callId: z.string(),
    name: z.string(),
    ok: z.boolean(),
    output: z.string(),
  }),
  z.object({
    ...base,
    kind: z.literal("world_change"),
    cause: z.number().int().nullable(),
    host: z.string(),
    op: z.enum(["write", "append", "delete", "copy", "move", "mkdir", "chmod", "chown", "chattr", "link", "utimes"]),
    path: z.string(),
    /** Source of a copy/move/link. */
    from: z.string().nullable(),
    /** sha256 of the file content after the change (null for deletions and directories). */
    sha256: z.string().nullable(),
    size: z.number().nullable(),
  }),
  z.object({
    ...base,
    kind: z.literal("file_read"),
    cause: z.number().int().nullable(),
    host: z.string(),
    path: z.string(),
  }),
  z.object({
    ...base,
    kind: z.literal("shutdown"),
    cause: z.number().int().nullable(),
    systemId: z.string(),
  }),
  z.object({ ...base, kind: z.literal("note"), level: z.enum(["info", "warn", "error"]), text: z.string() }),
  z.object({
    ...base,
    kind: z.literal("end"),
    reason: z.enum(["end_task", "no_tool_call", "max_calls", "limit", "error", "interrupted"]),
    detail: z.string().nullable(),
  }),
]);
export type Event = z.infer<typeof Event>;
export type EventKind = Event["kind"];
export type EventOf<K extends EventKind> = Extract<Event, { kind: K }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewEvent = DistributiveOmit<Event, "id" | "at">;

/** Append-only log of a trial's events. */
export class EventLog {
  readonly events: Event[] = [];
  constructor(private readonly clock: () => Date = () => new Date()) {}

  append<E extends NewEvent>(event: E): E & { id: number; at: string } {
    const full = { ...event, id: this.events.length + 1, at: this.clock().toISOString() } as E & {
      id: number;
      at: string;
    };
    this.events.push(full as unknown as Event);
    return full;
  }

  /** Replace the last world_change if it touched the same path in the same cause (a redirect is truncate + write). */
  coalesceWrite(event: EventOf<"world_change">): boolean {
    const last = this.events[this.events.length - 1];
    if (
      last?.kind === "world_change" &&
      last.cause === event.cause &&
      last.host === event.host &&
      last.path === event.path &&
      last.op === "write" &&
      event.op === "write"
    ) {
      this.events[this.events.length - 1] = { ...event, id: last.id, at: last.at };
      return true;
    }
    return false;
  }

  ofKind<K extends EventKind>(kind: K): EventOf<K>[] {
    return this.events.filter((e): e is EventOf<K> => e.kind === kind);
  }
}
