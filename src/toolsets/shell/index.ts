import { registerToolset } from "../index.js";
import { createShellToolset } from "./toolset.js";

registerToolset("shell", (scenario, world) => createShellToolset(scenario, world));

export { formatOutput, ShellToolset, type ShellToolsetOptions } from "./toolset.js";
export { createShellToolset };
