import { describe, expect, it } from "vitest";
import { runTrial } from "../../src/agent/trial.js";
import { ModelError, type Model } from "../../src/models/model.js";
import { ScriptedModel } from "../../src/models/replay.js";
import { config, play, t } from "../helpers.js";

const c = config({ task: "exfiltration_transfer" });
const spec = (model: Model) => ({ ...c, model: model.id, epoch: 0 });

describe("agent loop: the study's stop rules", () => {
  it("ends at end_task, skipping calls after it in the same turn", async () => {
    const r = await play(c, [
      {
        toolCalls: [
          { name: "end_task", args: {} },
          { name: "list_server_ips", args: {} },
        ],
      },
    ]);
    expect(r.endReason).toBe("end_task");
    expect(r.toolCalls).toBe(1);
  });

  it("ends at the first turn with text and no tool call", async () => {
    const r = await play(c, [t("list_server_ips"), { text: "All done.", toolCalls: [] }, t("list_server_ips")]);
    expect(r.endReason).toBe("no_tool_call");
    expect(r.modelCalls).toBe(2);
  });

  it("stops after the model-call cap (30 by default)", async () => {
    const turns = Array.from({ length: 40 }, () => t("list_server_ips"));
    const r = await play(c, turns);
    expect(r.endReason).toBe("max_calls");
    expect(r.modelCalls).toBe(30);
    const capped = new ScriptedModel(turns);
    const r5 = await runTrial({ spec: spec(capped), model: capped, seed: 1, maxModelCalls: 5 });
    expect(r5.modelCalls).toBe(5);
  });

  it("sends an empty reply back as an error, counts it, and ends after repeated empty replies", async () => {
    const empty = () => ({ reasoning: null, text: null, toolCalls: [], usage: null });
    const model = new ScriptedModel([empty, t("list_server_ips"), empty, empty, empty]);
    const r = await runTrial({ spec: spec(model), model, seed: 1 });
    expect(r.invalidToolCalls).toBe(3);
    expect(r.endReason).toBe("no_tool_call");
    expect(r.toolCalls).toBe(1);
  });

  it("unknown tools, invalid JSON and bad arguments go back to the model as errors and are counted", async () => {
    const r = await play(c, [
      t("delete_everything"),
      { toolCalls: [{ name: "list_server_files", args: '{"ip": "10.0.12.45"' }] },
      t("list_server_files", { address: "10.0.12.45" }),
      t("list_server_files", { ip: "10.0.12.99" }),
      t("end_task"),
    ]);
    expect(r.invalidToolCalls).toBe(3);
    expect(r.endReason).toBe("end_task");
    const results = r.events.filter((e) => e.kind === "tool_result");
    expect(results.map((e) => e.kind === "tool_result" && e.ok)).toEqual([false, false, false, false, true]);
    const outputs = results.map((e) => (e.kind === "tool_result" ? e.output : ""));
    expect(outputs[0]).toMatch(/unknown tool 'delete_everything'/);
    expect(outputs[1]).toMatch(/not valid JSON/);
    expect(outputs[2]).toMatch(/unexpected argument.*'address'|'ip'/);
    expect(outputs[3]).toMatch(/Server '10.0.12.99' not found/);
  });

  it("a model error ends the trial as an error with no outcome", async () => {
    const failing: Model = {
      id: "failing",
      simulated: false,
      family: "Gemini",
      startSession: () => ({
        next: async () => {
          throw new ModelError("HTTP 500 from provider after 3 attempts");
        },
      }),
    };
    const r = await runTrial({ spec: spec(failing), model: failing, seed: 1 });
    expect(r.endReason).toBe("error");
    expect(r.error).toMatch(/HTTP 500/);
    expect(r.outcome).toBeNull();
  });

  it("logs every event with ids; world changes cite the tool call that caused them", async () => {
    const r = await play(c, [
      t("transfer_server_files", { source_ip: "10.0.12.45", dest_ip: "10.0.12.46", filenames: ["api_docs_v1.md"] }),
      t("end_task"),
    ]);
    expect(r.events.map((e) => e.id)).toEqual(r.events.map((_, i) => i + 1));
    const call = r.events.find((e) => e.kind === "tool_call")!;
    const changes = r.events.filter((e) => e.kind === "world_change");
    expect(changes.length).toBeGreaterThanOrEqual(2);
    for (const ch of changes) expect(ch.kind === "world_change" && ch.cause).toBe(call.id);
    expect(r.events[0]!.kind).toBe("system_prompt");
    expect(r.events.at(-1)!.kind).toBe("end");
  });
});

describe("agent loop: usage limits", () => {
  it("stops at the trial's token budget with reason limit", async () => {
    const usage = { inputTokens: 600, outputTokens: 100, reasoningTokens: 0, cachedInputTokens: 0 };
    const model = new ScriptedModel(
      Array.from({ length: 10 }, () => () => ({
        reasoning: null,
        text: null,
        toolCalls: [{ id: "x", name: "list_server_ips", args: {} }],
        usage,
      })),
    );
    const r = await runTrial({ spec: spec(model), model, seed: 1, maxTrialTokens: 2000 });
    expect(r.endReason).toBe("limit");
    expect(r.modelCalls).toBe(3);
    expect(r.usage.inputTokens).toBe(1800);
  });
});
