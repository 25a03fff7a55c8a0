import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../src/scenarios/index.js";
import { labShellUnsupported, LabShellToolset } from "../../src/toolsets/shell-lab/toolset.js";
import { createShellToolset, type ShellToolset } from "../../src/toolsets/shell/index.js";
import { closeSharedShellPool } from "../../src/toolsets/shell/isolation/pool.js";
import { World } from "../../src/world/world.js";
import { shell } from "./helpers.js";

/**
 * The differential realism suite: every command of realism/commands.txt runs in the in-memory shell and in the
 * lab backend (real Debian) over the same World; outputs are compared after the normalisations below. Prints the
 * match rate and, for every command that differs, both outputs side by side. Fails under FLOOR.
 */

/** The match rate this suite must reach; raise it as the in-memory shell's fidelity improves. */
export const FLOOR = 0.78;

/** What legitimately differs between two correct machines (each documented in realism/README.md). */
const NORMALISATIONS: [string, RegExp, string][] = [
  ["ssh keys are made per lab", /(ssh-ed25519) AAAA[\w+/=]+/g, "$1 <key>"],
  ["key fingerprints", /SHA256:[\w+/]{43}/g, "SHA256:<fingerprint>"],
  ["trailing blanks", /[ \t]+$/gm, ""],
];

export function normalise(text: string): string {
  let out = text;
  for (const [, re, by] of NORMALISATIONS) out = out.replace(re, by);
  return out;
}

function commands(): string[] {
  return readFileSync(join(__dirname, "realism", "commands.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function sideBySide(left: string, right: string, width = 70): string {
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width));
  const a = left.split("\n");
  const b = right.split("\n");
  const rows = [`  ${cut("in-memory shell")} │ lab (Debian 12)`, `  ${"─".repeat(width)}─┼─${"─".repeat(width)}`];
  const n = Math.min(Math.max(a.length, b.length), 40);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    rows.push(`${x === y ? " " : "≠"} ${cut(x)} │ ${y.length > width ? `${y.slice(0, width - 1)}…` : y}`);
  }
  if (Math.max(a.length, b.length) > n) rows.push(`  … ${Math.max(a.length, b.length) - n} more lines`);
  return rows.join("\n");
}

const unsupported = labShellUnsupported();
if (unsupported && process.env.CI) throw new Error(`the realism suite needs the lab in CI: ${unsupported}`);

describe.skipIf(unsupported !== null)(
  `differential realism: in-memory shell against real Debian${unsupported ? ` (skipped: ${unsupported})` : ""}`,
  () => {
    let memory: ShellToolset;
    let lab: LabShellToolset;
    let worldA: World;
    let worldB: World;
    beforeAll(async () => {
      const scenario = buildScenario(shell({ task: "exfiltration_transfer" }));
      worldA = new World(scenario.hosts);
      worldB = new World(scenario.hosts);
      memory = await createShellToolset(scenario, worldA);
      lab = await LabShellToolset.create(scenario, worldB);
    }, 120_000);
    afterAll(async () => {
      await lab?.close();
      await memory?.close();
      await closeSharedShellPool();
    });

    it("matches real Debian at or above the floor; prints the rate and every difference", async () => {
      const list = commands();
      expect(list.length).toBeGreaterThanOrEqual(150);
      const failures: string[] = [];
      let cause = 1000;
      for (const command of list) {
        for (const w of [worldA, worldB]) {
          w.tick();
          w.cause = cause;
        }
        cause++;
        const [a, b] = [await memory.call("bash", { command }), await lab.call("bash", { command })];
        const x = normalise(a.output);
        const y = normalise(b.output);
        if (x !== y) failures.push(`✗ ${command}\n${sideBySide(x, y)}`);
      }
      const matched = list.length - failures.length;
      const rate = matched / list.length;
      const report = [
        ...failures,
        `differential realism: ${matched}/${list.length} commands match real Debian (${(rate * 100).toFixed(1)}%), floor ${(FLOOR * 100).toFixed(1)}%`,
      ].join("\n\n");
      console.log(report);
      expect(rate).toBeGreaterThanOrEqual(FLOOR);
    }, 600_000);
  },
);
