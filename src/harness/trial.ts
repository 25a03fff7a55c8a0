import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { emptyUsage, initialPaths, interruptedError, type TrialOptions, type TrialRun } from "../agent/trial.js";
import { detect } from "../detectors/index.js";
import type { ModelSession, ToolDefinition } from "../models/model.js";
import { redact } from "../models/providers/redact.js";
import { ProviderModel } from "../models/providers/sdk-model.js";
import { buildScenario, type Scenario } from "../scenarios/index.js";
import { trialId } from "../scenarios/spec.js";
import type { Event } from "../world/events.js";
import { HOME, WORKSTATION } from "../world/paths.js";
import type { WorldSnapshot } from "../world/world.js";
import { agentctlScript, hasAgentctl } from "./agentctl.js";
import { agentAdapter } from "./agents/index.js";
import { buildHarnessEvents } from "./events.js";
import { type Exchange, Gateway, type GatewayMode } from "./gateway.js";
import { Lab, type WeightsLayout } from "./lab.js";
import { requestTools } from "./wire.js";

/** Where the pinned products are installed (`npm --prefix harness install`); PEERBENCH_HARNESS_DIR overrides. */
export function productsDir(): string {
  if (process.env.PEERBENCH_HARNESS_DIR) return resolve(process.env.PEERBENCH_HARNESS_DIR);
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../harness");
}

/** Whether a product is installed; the reason when it is not. */
export function productInstalled(agent: string): { ok: true } | { ok: false; reason: string } {
  const a = agentAdapter(agent);
  const bin = join(productsDir(), "node_modules", ".bin", a.bin);
  if (!existsSync(bin)) {
    return {
      ok: false,
      reason: `${a.packageName} is not installed in ${productsDir()}: run npm --prefix harness install`,
    };
  }
  return { ok: true };
}

/** The systems agentctl manages: the critic and the actor (and the peer, when there is one), as in the shell toolset. */
function agentSystems(scenario: Scenario): string[] {
  const ids = [scenario.criticName, scenario.groundTruth.actorSystemId];
  if (scenario.peerName) ids.push(scenario.peerName);
  return [...new Set(ids)];
}

/** Host name and port under which the workstation reaches the model gateway. */
export const GATEWAY_HOST = "llm-proxy.internal";
export const GATEWAY_PORT = 8080;
const TOOLS_TARGET = "/opt/tools/node_modules";

/**
 * How the gateway answers: `forward`/`replay`/`scripted` as in gateway.ts, or `{kind: "model"}`: the trial's
 * peerbench `model` answers every main-loop call (simulated personas, replays, any provider, with any product).
 */
export type HarnessGateway = Exclude<GatewayMode, { kind: "model" }> | { kind: "model" };

export interface HarnessTrialOptions extends TrialOptions {
  agent: string;
  gateway: HarnessGateway;
  /** Where the product's own event stream, its stderr and the gateway record are kept (e.g. the run's transcripts). */
  artifactsDir?: string;
  /** Wall-clock limit for the product's run (default 10 minutes). */
  timeoutMs?: number;
  /** Said in the trial's first note: e.g. where forward mode sends the calls. */
  gatewayNote?: string;
  weights?: WeightsLayout;
}

/** A failed exchange in one line: status, request and what the gateway answered (the upstream's error text). */
function gatewayFailure(x: Exchange): string {
  let detail = x.response.trim();
  try {
    const body = JSON.parse(detail) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof body.error === "string" ? body.error : (body.error?.message ?? body.message);
    if (typeof message === "string") detail = message;
  } catch {
    // not JSON: the raw text
  }
  detail = detail.replace(/\s+/g, " ").slice(0, 300);
  return redact(
    `the gateway answered ${x.status} to ${x.method} ${x.path.split("?")[0]}${detail ? `: ${detail}` : ""}`,
  );
}

/** When the product never reached the gateway at all. */
function gatewayUnreached(gateway: Gateway): string {
  return gateway.exchanges.length === 0 ? "; it never reached the gateway" : "";
}

/** The model name the product sends: the provider's own id ("google/gemini-2.5-pro" → "gemini-2.5-pro"). */
function productModel(model: string): string {
  const slash = model.indexOf("/");
  const name = slash >= 0 ? model.slice(slash + 1) : model;
  return /^[\w.:-]+$/.test(name) ? name : "default-model";
}

/**
 * One trial in harness mode: the scenario's hosts as a lab, the agent product run unmodified on the workstation
 * against the recording gateway, the final state read back, events rebuilt from the record and the servers'
 * session logs, and the same detectors as every other toolset.
 */
export async function runHarnessTrial(opts: HarnessTrialOptions): Promise<TrialRun> {
  const { spec } = opts;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const id = trialId(spec);
  const scenario = opts.scenario ?? buildScenario(spec);
  const adapter = agentAdapter(opts.agent);
  const maxTurns = opts.maxModelCalls ?? 30;
  let events: Event[] = [];
  let snapshot: WorldSnapshot = { hosts: {} };
  let error: string | null = null;
  let endReason: TrialRun["endReason"] = "no_tool_call";
  let tools: ToolDefinition[] = [];
  let gateway: Gateway | null = null;
  let lab: Lab | null = null;
  let session: ModelSession | null = null;
  try {
    const installed = productInstalled(opts.agent);
    if (!installed.ok) throw new Error(installed.reason);
    if (opts.artifactsDir) await mkdir(opts.artifactsDir, { recursive: true });
    lab = await Lab.create({
      hosts: scenario.hosts,
      workstation: WORKSTATION,
      weights: opts.weights ?? "real",
      tools: [{ source: join(productsDir(), "node_modules"), target: TOOLS_TARGET }],
      workstationHosts: [`127.0.0.1\t${GATEWAY_HOST}`],
      commands: hasAgentctl(spec.task) ? { agentctl: agentctlScript(agentSystems(scenario)) } : undefined,
    });
    const recordFile = opts.artifactsDir ? join(opts.artifactsDir, `${id}.gateway.jsonl`) : null;
    if (recordFile) await writeFile(recordFile, "");
    let mode: GatewayMode;
    if (opts.gateway.kind === "model") {
      session = await opts.model.startSession({
        trialId: id,
        seed: opts.seed,
        signal: opts.signal ?? new AbortController().signal,
        configuration: spec,
        // the product's system prompt is its own: the scenario's prompts say who the critic is and what it was asked
        prompt: { system: scenario.system, user: scenario.user },
      });
      mode = { kind: "model", session, maxCalls: maxTurns };
    } else mode = opts.gateway;
    gateway = new Gateway(mode, recordFile);
    const socket = join(lab.dir, "run", "gateway.sock");
    await gateway.listen(socket);
    await lab.exposeSocket(socket, GATEWAY_PORT);
    const launch = adapter.launch({
      home: HOME,
      gatewayUrl: `http://${GATEWAY_HOST}:${GATEWAY_PORT}`,
      // Forward mode: the upstream needs the provider's own model name; otherwise any plain name will do.
      model:
        opts.gateway.kind === "forward" && opts.model instanceof ProviderModel
          ? opts.model.parsed.model
          : productModel(spec.model),
      system: scenario.system,
      prompt: scenario.user,
      maxTurns,
    });
    for (const [path, content] of Object.entries(launch.files)) await lab.writeFile(WORKSTATION, path, content);

    const result = await lab.exec(WORKSTATION, launch.argv, {
      env: { ...launch.env, PATH: `${TOOLS_TARGET}/.bin:/usr/local/bin:/usr/bin:/bin` },
      cwd: HOME,
      timeoutMs: opts.timeoutMs ?? 600_000,
      signal: opts.signal,
    });
    const endedAt = Date.now();
    // Let the last session-log lines arrive.
    await new Promise((r) => setTimeout(r, 50));
    if (opts.artifactsDir) {
      await writeFile(join(opts.artifactsDir, `${id}.${adapter.name}.jsonl`), redact(result.stdout));
      await writeFile(join(opts.artifactsDir, `${id}.${adapter.name}.stderr.txt`), redact(result.stderr));
    }
    const main = gateway.exchanges.filter((x) => x.api && !x.side);
    const notes: { level: "info" | "warn" | "error"; text: string }[] = [
      {
        level: "info",
        text: `harness: ${adapter.packageName}@${adapter.version}, gateway ${opts.gatewayNote ?? opts.gateway.kind}`,
      },
    ];
    const firstMain = main[0];
    if (firstMain?.api) {
      tools = requestTools(firstMain.api, firstMain.request).map((t) => ({
        name: t.name,
        description: t.description,
        parameters: t.parameters,
      }));
    }
    const tail = (result.stderr || result.stdout).trim().split("\n").slice(-3).join(" / ").slice(0, 500);
    if (result.timedOut) {
      endReason = "limit";
      notes.push({ level: "warn", text: `${adapter.name} stopped after the time limit` });
    } else if (opts.signal?.aborted) {
      endReason = "interrupted";
      error = interruptedError(opts.signal);
    } else if (main.length >= maxTurns) {
      endReason = "max_calls";
    } else if (result.code !== 0) {
      notes.push({ level: "warn", text: `${adapter.name} exited with ${result.code ?? result.signal}: ${tail}` });
    }
    // The product's last model call failed (the upstream's 502, a model error): the run did not end on the agent's
    // decision, so it is an error, with the gateway's answer, not a behaviour.
    const failed = gateway.exchanges.filter((x) => x.api && x.status >= 400);
    const lastMain = main.at(-1);
    if (main.length === 0 && !error) {
      endReason = "error";
      const why = failed[0] ? `; ${gatewayFailure(failed[0])}` : gatewayUnreached(gateway);
      error = `${adapter.name} made no model call (exit ${result.code ?? result.signal})${why}: ${tail}`;
    } else if (lastMain && lastMain.status >= 400 && !error) {
      endReason = "error";
      error = `${adapter.name}'s last model call failed (exit ${result.code ?? result.signal}): ${gatewayFailure(lastMain)}`;
    }
    for (const f of failed.slice(0, 3)) notes.push({ level: "warn", text: gatewayFailure(f) });
    if (error) error = redact(error);

    snapshot = await lab.snapshot();
    events = buildHarnessEvents({
      system: scenario.system,
      user: scenario.user,
      exchanges: gateway.exchanges,
      remoteLog: lab.log,
      initial: scenario.hosts,
      snapshot,
      workstation: WORKSTATION,
      home: HOME,
      endedAt,
      end: { reason: endReason, detail: error },
      notes,
    });
  } catch (e) {
    endReason = opts.signal?.aborted ? "interrupted" : "error";
    error = opts.signal?.aborted ? interruptedError(opts.signal) : (e as Error).message;
    if (events.length === 0) {
      events = [
        { id: 1, at: startedAt, kind: "system_prompt", text: scenario.system },
        { id: 2, at: startedAt, kind: "user_prompt", text: scenario.user },
        { id: 3, at: new Date().toISOString(), kind: "end", reason: "error", detail: error },
      ];
    }
  } finally {
    await session?.close?.().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    await lab?.destroy().catch(() => undefined);
  }

  const outcome =
    error === null
      ? detect({
          config: spec,
          truth: scenario.groundTruth,
          snapshot,
          events,
          initialPaths: initialPaths(scenario),
          initial: scenario.hosts,
        })
      : null;
  const usage = emptyUsage();
  let modelCalls = 0;
  let toolCalls = 0;
  for (const e of events) {
    if (e.kind === "model_turn") {
      modelCalls++;
      if (e.usage) {
        usage.inputTokens += e.usage.inputTokens;
        usage.outputTokens += e.usage.outputTokens;
        usage.reasoningTokens += e.usage.reasoningTokens;
        usage.cachedInputTokens += e.usage.cachedInputTokens;
      }
    } else if (e.kind === "tool_call") toolCalls++;
  }
  return {
    id,
    spec,
    simulated: opts.gateway.kind === "forward" || opts.gateway.kind === "model" ? opts.model.simulated : true,
    scenario,
    tools,
    events,
    snapshot,
    outcome,
    error,
    endReason,
    modelCalls,
    toolCalls,
    invalidToolCalls: 0,
    usage,
    costUsd: gateway?.costUsd ?? null,
    startedAt,
    durationMs: Date.now() - started,
  };
}
