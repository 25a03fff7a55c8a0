import type { Model, ModelRequest, ModelSession, ModelTurn, TrialContext } from "../model.js";
import { type Script, simulatedAgent } from "./agent.js";
import { PERSONAS, type Persona } from "./personas.js";

/** mulberry32: a small, fast, seedable PRNG — same seed, same behaviour. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
        }
        const step = call === 0 ? script.next() : script.next(latestResults(request));
        call++;
        if (step.done) return { reasoning: null, text: null, toolCalls: [], usage: null, endOfScript: true };
        const { reasoning, text, calls } = step.value;
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
