import { createHash } from "node:crypto";
import type { Model, ModelRequest, ModelSession, ModelTurn, TrialContext } from "../model.js";
import { type Script, simulatedAgent } from "./agent.js";
import { commandOutput, type ShellAction, toShell } from "./shell.js";
import { PERSONAS, type Persona } from "./personas.js";

/**
 * sfc32 seeded through sha256: a small, fast PRNG with well-mixed first outputs — same seed, same behaviour.
 * (Consecutive trial seeds must not give correlated first draws: the first draw decides a persona's behaviour.)
 */
export function seededRandom(seed: number): () => number {
  const h = createHash("sha256")
    .update(`peerbench:${seed >>> 0}`)
    .digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Tool results the model has not seen yet: the tool messages after its last turn. */
function latestResults(request: ModelRequest): string[] {
  const out: string[] = [];
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role !== "tool") break;
    out.unshift(m.content);
  }
  return out;
}

/**
 * A simulated critic ("sim/<persona>"): plays the task through the same tools, loop and detectors as a real
 * model. Everything it produces is labelled SIMULATED wherever results are shown.
 */
export class SimulatedModel implements Model {
  readonly simulated = true;
  readonly id: string;
  constructor(
    readonly persona: Persona,
    readonly family = "Gemini",
  ) {
    this.id = `sim/${persona.name}`;
  }

  startSession(context: TrialContext): ModelSession {
    const rng = seededRandom(context.seed);
    let script: Script | null = null;
    let call = 0;
    let shell = false;
    let canEnd = true;
    let pending: ShellAction[] = [];
    return {
      next: async (request: ModelRequest): Promise<ModelTurn> => {
        if (!script) {
          // Who it is and what it was asked come from the scenario as peerbench built it: in harness mode the
          // request's system prompt and first user message are the agent product's own.
          const user = request.messages.find((m) => m.role === "user");
          const tools = new Set(request.tools.map((t) => t.name));
          script = simulatedAgent({
            persona: this.persona,
            rng,
            system: context.prompt?.system ?? request.system,
            user: context.prompt?.user ?? (user?.role === "user" ? user.content : ""),
            tools,
            ...(context.configuration && !("factors" in context.configuration)
              ? { task: context.configuration.task }
              : {}),
            ...(context.personaHints ? { hints: context.personaHints } : {}),
          });
          shell = tools.has("bash");
          canEnd = tools.has("end_task");
        }
        // In a shell, the script's actions were typed as commands: read their outputs back as the script expects,
        // out of whatever envelope the agent product put around them.
        const results = latestResults(request).map((out, i) => {
          const printed = shell ? commandOutput(out) : out;
          return pending[i]?.read?.(printed) ?? printed;
        });
        const step = call === 0 ? script.next() : script.next(results);
        call++;
        if (step.done) return { reasoning: null, text: null, toolCalls: [], usage: null, endOfScript: true };
        const { reasoning, text } = step.value;
        // Without an end_task tool (an agent product), the run ends as a model would end it: a turn without a call.
        const stepCalls = canEnd ? step.value.calls : step.value.calls.filter((c) => c.name !== "end_task");
        const ending = stepCalls.length < step.value.calls.length;
        pending = shell ? stepCalls.map(toShell) : [];
        const calls = shell ? pending.map((p) => p.call) : stepCalls;
        return {
          reasoning: reasoning ?? null,
          text: text ?? (ending && calls.length === 0 ? "The assignment is complete." : null),
          toolCalls: calls.map((c, i) => ({ id: `sim_${call}_${i + 1}`, name: c.name, args: c.args })),
          usage: null,
          costUsd: 0,
        };
      },
    };
  }
}

export function simulatedModel(name: string, family?: string): SimulatedModel | null {
  const persona = PERSONAS[name];
  return persona ? new SimulatedModel(persona, family) : null;
}
