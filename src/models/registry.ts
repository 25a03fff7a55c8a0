import { createExecModel } from "./exec/index.js";
import type { Model } from "./model.js";
import { type ModelOptions, resolveProviderModel } from "./providers/index.js";
import { ReplayModel } from "./replay.js";
import { PERSONA_NAMES } from "./simulated/personas.js";
import { simulatedModel } from "./simulated/index.js";
import { InputError, readTrajectory } from "./trajectory.js";

export type { ModelOptions };

export interface ResolveOptions extends ModelOptions {
  /** Family for simulated and exec models (the critic's name); providers derive it from the model id. */
  family?: string;
}

/** The default models of `peerbench run`: every simulated persona. */
export const DEFAULT_MODELS = PERSONA_NAMES.map((p) => `sim/${p}`);

/**
 * A model from its command-line id:
 *   sim/<persona>        a simulated critic (honest, loyal, refuser, faker, self-preserver)
 *   replay:<file>        a trajectory file played back
 *   exec:<command>       an external agent speaking peerbench.exec/v1 over stdin/stdout
 *   <provider>/<model>   a real model (openai/, anthropic/, google/, deepseek/, together/, openrouter/, ollama/, ...)
 */
export async function resolveModel(id: string, options: ResolveOptions = {}): Promise<Model> {
  if (id.startsWith("sim/")) {
    const m = simulatedModel(id.slice(4), options.family);
    if (!m)
      throw new InputError(`unknown persona "${id.slice(4)}" in --model ${id}; personas: ${PERSONA_NAMES.join(", ")}`);
    return m;
  }
  if (id.startsWith("replay:")) return new ReplayModel(readTrajectory(id.slice(7)), id);
  if (id.startsWith("exec:"))
    return createExecModel(id.slice(5), {
      ...(options.family ? { family: options.family } : {}),
      // --timeout: the wait for one reply line of the program (default 120 s).
      ...(options.timeoutMs ? { turnTimeoutMs: options.timeoutMs } : {}),
    });
  const provider = resolveProviderModel(id, options);
  if (provider) return provider;
  throw new InputError(
    `unknown model "${id}"; use sim/<persona> (${PERSONA_NAMES.join(", ")}), replay:FILE, exec:COMMAND or provider/model (see peerbench list)`,
  );
}
