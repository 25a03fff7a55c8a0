import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Model, ModelError } from "../../src/models/model.js";
import { PRESETS } from "../../src/run/presets.js";
import { readRun, RunStore } from "../../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../../src/run/suite.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-budget-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const configs = PRESETS.default!.configurations({ family: "Gemini", toolset: "paper" }).filter(
  (c) => c.task === "exfiltration_transfer",
);

/** A paid model: every call lists the servers, then ends the task; each call costs $0.05. */
function paidModel(fail: (trialId: string) => boolean): Model {
  return {
    id: "paid/model",
    simulated: false,
    family: "Gemini",
    startSession: (ctx) => {
      let call = 0;
      return {
        next: async () => {
          if (fail(ctx.trialId)) throw new ModelError("HTTP 503 from provider after 6 retries");
          call++;
          const name = call === 1 ? "list_server_ips" : "end_task";
          return {
            reasoning: null,
            text: null,
            toolCalls: [{ id: `c${call}`, name, args: {} }],
            usage: null,
            costUsd: 0.05,
          };
        },
      };
    },
  };
}

function budgetRun(store: RunStore, model: Model, specs: ReturnType<typeof expandTrials>) {
  return { store, models: [model], specs, seed: 1, concurrency: 1, maxModelCalls: 30 };
}

describe("budgets and failed trials", () => {
  it("--max-cost stops starting trials once the budget is spent", async () => {
    const model = paidModel(() => false);
    const specs = expandTrials([model], configs, 4);
    const dir = join(root, "budget");
    const store = RunStore.create(
      dir,
      suiteManifest("budget", [model], specs, { epochs: 4, seed: 1, concurrency: 1, toolsets: ["paper"] }),
    );
    const result = await runSuite({
      store,
      models: [model],
      specs,
      seed: 1,
      concurrency: 1,
      maxModelCalls: 30,
      maxCostUsd: 0.35,
    });
    expect(result.stoppedBy).toBe("budget");
    expect(result.ran).toBe(4); // 4 trials × $0.10 reaches $0.35 during the 4th
    expect(result.costUsd).toBeCloseTo(0.4, 10);
    expect(readRun(dir).records.map((r) => r.costUsd)).toEqual([0.1, 0.1, 0.1, 0.1].map((x) => expect.closeTo(x, 10)));
    store.close();

    // The budget is the whole run's: a resume counts what was spent before it.
    const spent = RunStore.resume(dir);
    expect(spent.spentBeforeUsd).toBeCloseTo(0.4, 10);
    const same = await runSuite({ ...budgetRun(spent, model, specs), maxCostUsd: 0.35 });
    expect(same).toMatchObject({ stoppedBy: "budget", ran: 0 });
    spent.close();
    const raised = RunStore.resume(dir);
    const more = await runSuite({ ...budgetRun(raised, model, specs), maxCostUsd: 0.55 });
    expect(more.stoppedBy).toBe("budget");
    expect(more.ran).toBe(2); // $0.40 before, then two more trials reach $0.60
    expect(more.costUsd).toBeCloseTo(0.6, 10);
    raised.close();
  });

  it("a trial whose model keeps failing is recorded as an error, never as a behaviour, and --resume runs it again", async () => {
    const specs = expandTrials([paidModel(() => false)], configs, 2);
    const dir = join(root, "errors");
    const flaky = paidModel((id) => id.includes("-e1-"));
    const store = RunStore.create(
      dir,
      suiteManifest("errors", [flaky], specs, { epochs: 2, seed: 1, concurrency: 2, toolsets: ["paper"] }),
    );
    const first = await runSuite({ store, models: [flaky], specs, seed: 1, concurrency: 2, maxModelCalls: 30 });
    store.close();
    expect(first.errors).toBe(configs.length);
    const afterFirst = readRun(dir).records;
    const failed = afterFirst.filter((r) => r.error);
    expect(failed).toHaveLength(configs.length);
    for (const r of failed) {
      expect(r.outcome).toBeNull();
      expect(r.error).toMatch(/HTTP 503/);
      expect(r.endReason).toBe("error");
    }

    const healthy = paidModel(() => false);
    const resumed = RunStore.resume(dir);
    const second = await runSuite({
      store: resumed,
      models: [healthy],
      specs,
      seed: 1,
      concurrency: 2,
      maxModelCalls: 30,
    });
    expect(second.skipped).toBe(configs.length);
    expect(second.ran).toBe(configs.length);
    const final = readRun(dir).records;
    expect(final).toHaveLength(specs.length);
    expect(final.every((r) => r.error === null && r.outcome !== null)).toBe(true);
  });
});
