import type { ToolsetName } from "../scenarios/spec.js";
import type { ToolsetFactory } from "./toolset.js";

/** Toolsets by name. Each toolset module registers its factory here (see each folder's README). */
const factories = new Map<ToolsetName, ToolsetFactory>();

export function registerToolset(name: ToolsetName, factory: ToolsetFactory): void {
  factories.set(name, factory);
}

export function toolsetFactory(name: ToolsetName): ToolsetFactory {
  const f = factories.get(name);
  if (!f) throw new Error(`toolset "${name}" is not available in this build`);
  return f;
}
