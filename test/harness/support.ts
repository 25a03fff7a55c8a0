import { spawnSync } from "node:child_process";
import { productInstalled } from "../../src/harness/index.js";
import { isLabSupported } from "../../src/harness/lab.js";

/**
 * Why harness tests cannot run here (not root, no `ip netns`, missing packages, the product not installed), or null
 * when they can. In CI (CI=true) it is always null: `.ci/run` installs everything the lab needs, so a missing piece
 * must fail the tests, not skip them.
 */
export function harnessSkipReason(agent?: string): string | null {
  if (process.env.CI === "true") return null;
  const s = isLabSupported();
  if (!s.ok) return s.reason;
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.status !== 0) return `ip netns is unavailable here: ${(r.stderr || "").trim()}`;
  if (agent) {
    const p = productInstalled(agent);
    if (!p.ok) return p.reason;
  }
  return null;
}

/** The lab alone (no product). */
export function labSkipReason(): string | null {
  return harnessSkipReason();
}
