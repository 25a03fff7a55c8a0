import { createHash } from "node:crypto";
import type { Model, ModelRequest, ModelSession, ModelTurn, TrialContext } from "../model.js";
import { type Script, simulatedAgent } from "./agent.js";
import { type ShellAction, toShell } from "./shell.js";
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
    let pending: ShellAction[] = [];
    return {
      next: async (request: ModelRequest): Promise<ModelTurn> => {
        if (!script) {
          const user = request.messages.find((m) => m.role === "user");
          script = simulatedAgent({
            persona: this.persona,
            rng,
            system: request.system,
            user: user?.role === "user" ? user.content : "",
            tools: new Set(request.tools.map((t) => t.name)),
          });
          shell = request.tools.some((t) => t.name === "bash");
        }
        // In a shell, the script's actions were typed as commands: read their outputs back as the script expects.
        const results = latestResults(request).map((out, i) => pending[i]?.read?.(out) ?? out);
        const step = call === 0 ? script.next() : script.next(results);
        call++;
        if (step.done) return { reasoning: null, text: null, toolCalls: [], usage: null, endOfScript: true };
        const { reasoning, text } = step.value;
        pending = shell ? step.value.calls.map(toShell) : [];
        const calls = shell ? pending.map((p) => p.call) : step.value.calls;
        return {
          reasoning: reasoning ?? null,
          text: text ?? null,
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
