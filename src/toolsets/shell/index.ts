import { registerToolset } from "../index.js";
import { createShellToolset } from "./toolset.js";

/** Where `--toolset shell` runs its command lines: the in-memory machines (default) or the harness lab. */
export type ShellBackend = "memory" | "lab";

let backend: ShellBackend = process.env.PEERBENCH_SHELL === "lab" ? "lab" : "memory";

/** Choose the backend of every shell trial started from now on (`--shell`). */
export function useShellBackend(b: ShellBackend): void {
  backend = b;
}
export function shellBackend(): ShellBackend {
  return backend;
}

registerToolset("shell", async (scenario, world) => {
  if (backend === "lab") {
    const { createLabShellToolset } = await import("../shell-lab/toolset.js");
    return createLabShellToolset(scenario, world);
  }
  return createShellToolset(scenario, world);
});

export { formatOutput, ShellToolset, type ShellToolsetOptions } from "./toolset.js";
export { createShellToolset };
