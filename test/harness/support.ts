import { spawnSync } from "node:child_process";
import { isLabSupported } from "../../src/harness/lab.js";

/** Why the lab cannot run here (not root, no `ip netns`, missing packages), or null when it can. */
export function labSkipReason(): string | null {
  const s = isLabSupported();
  if (!s.ok) return s.reason;
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.status !== 0) return `ip netns is unavailable here: ${(r.stderr || "").trim()}`;
  return null;
}
