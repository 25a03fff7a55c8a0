import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelRequest, ModelTurn } from "../model.js";

/**
 * Opt-in response cache (--cache DIR). The key covers everything that can change a response: the model id,
 * every sampling setting, the system prompt, the messages, the tools, and the trial's id and seed (the trial id
 * already names the epoch), so two epochs of one configuration never share an answer.
 */
export class ResponseCache {
  constructor(readonly dir: string) {}

  key(parts: { modelId: string; settings: unknown; trialId: string; seed: number; request: ModelRequest }): string {
    const canonical = JSON.stringify([
      "peerbench.cache/v1",
      parts.modelId,
      parts.settings,
      parts.trialId,
      parts.seed,
      parts.request.system,
      parts.request.messages,
      parts.request.tools,
    ]);
    return createHash("sha256").update(canonical).digest("hex");
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<ModelTurn | null> {
    try {
      const stored = JSON.parse(await readFile(this.path(key), "utf8")) as { format: string; turn: ModelTurn };
      return stored.format === "peerbench.cached-turn/v1" ? stored.turn : null;
    } catch {
      return null;
    }
  }

  async put(key: string, turn: ModelTurn): Promise<void> {
    const file = this.path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ format: "peerbench.cached-turn/v1", turn }));
    await rename(tmp, file);
  }
}
