import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPackRun } from "../../src/packs/run-dir.js";
import { peerbench } from "../run/cli.js";

/** A pack run made through the CLI (slow on a loaded machine, never a failure). */
const E2E_TIMEOUT_MS = 600_000;
const PACK = join(import.meta.dirname, "..", "..", "packs", "rotate-credentials");
const root = mkdtempSync(join(tmpdir(), "peerbench-gate-pack-"));
const run = join(root, "run");
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(() => {
  const r = peerbench([
    "run",
    "--pack",
    PACK,
    "--model",
    "sim/loyal",
    "--relationship",
    "good",
    "--relationship",
    "no_peer",
    "--epochs",
    "2",
    "--no-progress",
    "--out",
    run,
  ]);
  expect(r.status, r.stderr).toBe(0);
}, E2E_TIMEOUT_MS);

function oneLine(stderr: string): string {
  const l = stderr.trim().split("\n");
  expect(l).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return l[0]!;
}

/** The pack summary's figure for a key in one configuration, as `report --json` gives it. */
function upper(key: string, factors: Record<string, string>, toolset: string): number {
  const r = peerbench(["report", run, "--json"]);
  const s = (
    JSON.parse(r.stdout).summaries as {
      toolset: string;
      outcomes: { key: string; cells: { factors: Record<string, string>; rate: { upper: number } }[] }[];
    }[]
  ).find((x) => x.toolset === toolset)!;
  const cell = s.outcomes
    .find((o) => o.key === key)!
    .cells.find((c) => JSON.stringify(c.factors) === JSON.stringify(factors))!;
  return cell.rate.upper * 100;
}

describe("gate of a scenario pack run", () => {
  it(
    "bounds over the pack's keys and factor values: broken (exit 1, JUnit), holding (exit 0), every configuration matched",
    () => {
      const limit = upper("access_kept", { relationship: "good", monitoring: "monitored" }, "paper");
      const junit = join(root, "gate.xml");
      const broken = peerbench([
        "gate",
        run,
        "--fail-on",
        `access_kept.good.monitored.paper.upper <= ${(limit - 1).toFixed(1)}`,
        "--junit",
        junit,
      ]);
      expect(broken.status, broken.stderr).toBe(1);
      expect(broken.stdout).toContain("rotate-credentials@1.0.0 · sim/loyal · good/monitored · paper");
      expect(readFileSync(junit, "utf8")).toContain(
        'classname="peerbench.gate.access_kept.relationship:good.monitoring:monitored.toolset:paper.upper"',
      );
      const holds = peerbench([
        "gate",
        run,
        "--fail-on",
        `access_kept.good.monitored.paper.upper <= ${Math.min(100, Math.ceil(limit * 10) / 10)}`,
      ]);
      expect(holds.status, holds.stderr).toBe(0);
      // without selectors the bound holds only if it holds in every configuration (never pooled): 2 toolsets × 4
      const all = peerbench([
        "gate",
        run,
        "--fail-on",
        "access_kept.*.upper <= 100; credential_copied.relationship:no_peer.avg <= 0",
      ]);
      expect(all.status, all.stderr).toBe(0);
      expect(all.stdout).toMatch(/`access_kept\.\*\.upper <= 100` \| 100\.0% — .* \| 0 of 8 \|/);
      expect(all.stdout).toMatch(/`credential_copied\.relationship:no_peer\.avg <= 0` \| 0\.0% — .* \| 0 of 4 \|/);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a bound that names nothing the runs have is one line naming the keys, factor values or configurations they have",
    () => {
      const key = peerbench(["gate", run, "--fail-on", "acces_kept.good.upper <= 5"]);
      expect(key.status).toBe(2);
      expect(oneLine(key.stderr)).toMatch(
        /unknown outcome key "acces_kept" \(did you mean "access_kept"\?\); the runs' boolean keys: access_kept, .*token_revoked/,
      );
      const value = peerbench(["gate", run, "--fail-on", "access_kept.neutral.upper <= 5"]);
      expect(value.status).toBe(2);
      expect(oneLine(value.stderr)).toMatch(
        /no factor of the runs has the value "neutral".*; their factors: relationship good\|no_peer; monitoring monitored\|unmonitored; toolset paper\|shell/,
      );
      const stat = peerbench(["gate", run, "--fail-on", "access_kept.good.max <= 5"]);
      expect(oneLine(stat.stderr)).toMatch(/unknown statistic "max"; allowed: avg, rate, lower, upper/);
      // key_removed is a shell key (its when: names the toolset): over paper it has no figure at all
      const none = peerbench(["gate", run, "--fail-on", "key_removed.paper.avg >= 0"]);
      expect(none.status).toBe(2);
      expect(oneLine(none.stderr)).toMatch(
        /"key_removed\.paper\.avg >= 0" matches no configuration in run run: its key_removed figures are for good\/monitored\/shell, /,
      );
      const control = peerbench(["gate", run, "--fail-on", "access_kept.good.upper <= 100", "--control", "none"]);
      expect(oneLine(control.stderr)).toMatch(/--control does not apply to pack runs/);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a configuration whose every trial errored breaks a bound over it rather than passing unseen",
    () => {
      const copy = join(root, "errored");
      const r = peerbench([
        "run",
        "--pack",
        PACK,
        "--model",
        "sim/honest",
        "--toolset",
        "paper",
        "--relationship",
        "good",
        "--epochs",
        "2",
        "--no-progress",
        "--out",
        copy,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const lines = readFileSync(join(copy, "trials.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const rewritten = lines.map((l) =>
        l.spec.factors.monitoring === "unmonitored" ? { ...l, outcome: null, error: "provider failed" } : l,
      );
      writeFileSync(join(copy, "trials.jsonl"), `${rewritten.map((l) => JSON.stringify(l)).join("\n")}\n`);
      expect(readPackRun(copy).records.filter((x) => x.error).length).toBe(2);
      const g = peerbench(["gate", copy, "--fail-on", "access_kept.good.upper <= 100"]);
      expect(g.status, g.stderr).toBe(1);
      expect(g.stdout).toMatch(/good\/unmonitored · paper: \*\*no valid trial/);
    },
    E2E_TIMEOUT_MS,
  );
});
