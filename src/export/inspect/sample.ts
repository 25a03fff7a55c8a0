import type { ReviewedRecord } from "../../analysis/reviewed.js";
import { configurationLabel, type TrialSpec } from "../../scenarios/spec.js";
import type { Event } from "../../world/events.js";
import { type ExportRecord, type ExportRun, type StoredTranscript, seedOf } from "../run.js";
import { inspectUsage, messageId, stableUuid, transcriptEvents, transcriptMessages } from "./transcript.js";
import type { InspectError, InspectMessage, InspectScore, Json } from "./types.js";

/**
 * The sample id of a trial: its configuration (without model and epoch), so the epochs of one configuration are one
 * sample's epochs, as Inspect counts them. Letters, digits and `._@-` only: it names a file in the archive.
 */
export function sampleId(run: Pick<ExportRun, "layout">, r: ExportRecord): string {
  return run.layout
    .sampleLabel(r)
    .replaceAll("/", "-")
    .replace(/[^A-Za-z0-9._@-]/g, "_");
}

/** A study trial's configuration label (its agent too, in harness mode). */
export function studySampleLabel(r: ExportRecord): string {
  const spec = r.spec as TrialSpec;
  return configurationLabel(spec) + (spec.agent ? `/${spec.agent}` : "");
}

/** Inspect's epochs count from 1; peerbench's from 0 (kept in the sample's metadata as `epoch`). */
export function inspectEpoch(r: ExportRecord): number {
  return r.spec.epoch + 1;
}

/** The factors of a trial and its record's scalars: the sample's metadata (scalars only, as Inspect summarises). */
export function sampleMetadata(run: ExportRun, r: ExportRecord): Record<string, Json> {
  return {
    ...run.layout.metadata(run, r),
    seed: seedOf(run, r),
    end_reason: r.endReason,
    model_calls: r.modelCalls,
    tool_calls: r.toolCalls,
    invalid_tool_calls: r.invalidToolCalls,
    cost_usd: r.costUsd,
  };
}

/** The metadata naming a study trial and its configuration. */
export function studyMetadata(run: ExportRun, r: ExportRecord): Record<string, Json> {
  const s = r.spec as TrialSpec;
  return {
    trial_id: r.id,
    run_id: run.manifest.id,
    model: s.model,
    simulated: r.simulated,
    task: s.task,
    subject: s.subject,
    relationship: s.relationship,
    instantiation: s.instantiation,
    toolset: s.toolset,
    agent: s.agent ?? null,
    family: s.family,
    dataset: s.dataset,
    threshold: s.threshold,
    monitoring: s.monitoring,
    control: s.control ?? null,
    epoch: s.epoch,
  };
}

/**
 * The message an event belongs to: a model turn and a tool result are messages themselves, a tool call belongs to
 * the turn that made it, a world change or a file read to the tool call that caused it. Null for the others.
 */
export function messageOfEvent(events: ReadonlyMap<number, Event>, id: number, depth = 0): string | null {
  const e = events.get(id);
  if (!e || depth > 4) return null;
  if (e.kind === "model_turn" || e.kind === "tool_result" || e.kind === "system_prompt" || e.kind === "user_prompt") {
    return messageId(e.id);
  }
  if (e.kind === "tool_call") {
    let turn: Event | undefined;
    for (const x of events.values()) {
      if (x.id > e.id) break;
      if (x.kind === "model_turn" && x.toolCalls.some((c) => c.id === e.callId)) turn = x;
    }
    return turn ? messageId(turn.id) : null;
  }
  if ((e.kind === "world_change" || e.kind === "file_read" || e.kind === "shutdown") && e.cause !== null) {
    return messageOfEvent(events, e.cause, depth + 1);
  }
  return null;
}

function describe(events: ReadonlyMap<number, Event>, id: number): string {
  const e = events.get(id);
  if (!e) return `event ${id}`;
  const message = messageOfEvent(events, id);
  const at = `event ${id}${message ? ` (message ${message})` : ""}`;
  switch (e.kind) {
    case "tool_call": {
      const args = JSON.stringify(e.args);
      return `${at}: ${e.name}(${args.length > 200 ? `${args.slice(0, 200)}…` : args})`;
    }
    case "world_change":
      return `${at}: ${e.op} ${e.host}:${e.path}${e.from ? ` from ${e.from}` : ""}`;
    case "file_read":
      return `${at}: read ${e.host}:${e.path}`;
    case "shutdown":
      return `${at}: shutdown of ${e.systemId}`;
    case "model_turn":
      return `${at}: model turn ${e.call}`;
    case "tool_result":
      return `${at}: result of ${e.name}`;
    default:
      return `${at}: ${e.kind}`;
  }
}

/**
 * One Inspect score per outcome key with a value (a key that does not apply to the task is null and left out): the
 * value as recorded (true/false, a number, a grade), the detector's evidence as explanation (the events it rests
 * on, with the messages they belong to) and metadata; a key set by hand carries the review as an edit in its history.
 */
export function sampleScores(r: ExportRecord, t: StoredTranscript | null): Record<string, InspectScore> | null {
  if (!r.outcome) return null;
  const events = new Map((t?.events ?? []).map((e) => [e.id, e]));
  const outcome = r.outcome as Record<string, unknown>;
  const scores: Record<string, InspectScore> = {};
  for (const [key, value] of Object.entries(outcome)) {
    if (key === "evidence" || value === null || value === undefined) continue;
    if (typeof value !== "boolean" && typeof value !== "number" && typeof value !== "string") continue;
    const evidence = r.outcome.evidence[key] ?? [];
    const review = r.review?.keys[key as keyof NonNullable<ReviewedRecord["review"]>["keys"]];
    const detectorValue = (r.review?.detector as Record<string, unknown> | undefined)?.[key];
    scores[key] = {
      value,
      answer: null,
      explanation: evidence.length ? `evidence: ${evidence.map((id) => describe(events, id)).join("; ")}` : null,
      metadata: {
        evidence: evidence,
        evidence_messages: [
          ...new Set(evidence.map((id) => messageOfEvent(events, id)).filter((m): m is string => m !== null)),
        ],
        ...(review
          ? { detector_value: (detectorValue ?? null) as Json, reviewed_by: review.by, reviewed_at: review.at }
          : {}),
      },
      history: review
        ? [
            {
              value: review.value as string | number | boolean,
              answer: "UNCHANGED",
              explanation: review.note,
              metadata: "UNCHANGED",
              provenance: {
                timestamp: review.at,
                author: review.by,
                reason: review.note,
                metadata: { detector_value: (detectorValue ?? null) as Json },
              },
            },
          ]
        : [],
    };
  }
  return scores;
}

function completedAt(r: ExportRecord): string {
  const start = Date.parse(r.startedAt);
  return Number.isNaN(start) ? r.startedAt : new Date(start + r.durationMs).toISOString();
}

function emptyOutput(model: string): Record<string, Json> {
  return { model, choices: [], completion: "", usage: null, time: null, metadata: null, error: null };
}

export interface ExportedSample {
  sample: Record<string, Json>;
  summary: Record<string, Json>;
}

const SUMMARY_INPUT_CHARS = 1000;

/** A trial as an Inspect EvalSample (and the summary the log lists it by). */
export function inspectSample(run: ExportRun, r: ExportRecord, t: StoredTranscript | null): ExportedSample {
  const model = r.spec.model;
  const messages: InspectMessage[] = t ? transcriptMessages(t, model) : [];
  const events = t ? transcriptEvents(t, model, messages) : [];
  const lastAssistant = [...messages].reverse().find((m) => m.role === "assistant");
  const input = t?.user ?? (messages.find((m) => m.role === "user")?.content as string | undefined) ?? "";
  const scores = sampleScores(r, t);
  const error: InspectError | null = r.error ? { message: r.error, traceback: "", traceback_ansi: "" } : null;
  const usage = r.modelCalls > 0 ? { [model]: inspectUsage(r.usage, r.costUsd) } : {};
  const latency = (t?.events ?? []).reduce((s, e) => s + (e.kind === "model_turn" ? e.latencyMs : 0), 0);
  const limit = r.endReason === "max_calls" ? { type: "custom", limit: run.manifest.settings.maxModelCalls } : null;
  const id = sampleId(run, r);
  const epoch = inspectEpoch(r);
  const metadata = sampleMetadata(run, r);
  const common = {
    id,
    epoch,
    choices: null,
    target: "",
    metadata,
    model_usage: usage as unknown as Json,
    role_usage: {},
    started_at: r.startedAt,
    completed_at: completedAt(r),
    total_time: r.durationMs / 1000,
    working_time: latency ? latency / 1000 : null,
    uuid: stableUuid(`${run.manifest.id}/${r.id}`),
  };
  const sample: Record<string, Json> = {
    ...common,
    input,
    sandbox: null,
    files: null,
    setup: null,
    messages: messages as unknown as Json,
    output: lastAssistant
      ? {
          ...emptyOutput(model),
          choices: [
            {
              message: lastAssistant as unknown as Json,
              stop_reason: lastAssistant.role === "assistant" && lastAssistant.tool_calls ? "tool_calls" : "stop",
              logprobs: null,
            },
          ],
          completion:
            typeof lastAssistant.content === "string"
              ? lastAssistant.content
              : ((lastAssistant.content.find((c) => c.type === "text") as { text: string } | undefined)?.text ?? ""),
        }
      : emptyOutput(model),
    scores: scores as unknown as Json,
    metadata: { ...metadata, ground_truth: (t?.groundTruth ?? null) as Json, transcript: r.transcript },
    store: {},
    events,
    timelines: null,
    invalidation: null,
    error: error as unknown as Json,
    error_retries: null,
    attachments: {},
    events_data: null,
    limit,
  };
  const summary: Record<string, Json> = {
    ...common,
    input: input.length > SUMMARY_INPUT_CHARS ? `${input.slice(0, SUMMARY_INPUT_CHARS)}…` : input,
    // summaries carry score values only, as Inspect writes them
    scores: scores
      ? Object.fromEntries(
          Object.entries(scores).map(([k, s]) => [
            k,
            { value: s.value, answer: null, explanation: null, metadata: null, history: [] },
          ]),
        )
      : null,
    error: r.error,
    limit: limit ? "custom" : null,
    retries: null,
    completed: true,
    message_count: messages.length,
  };
  return { sample, summary };
}
