import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { pipeSource, terminalSource } from "../../src/play/line-source.js";

describe("line sources", () => {
  it("a pipe yields its lines in order, then null", async () => {
    const input = new PassThrough();
    const source = pipeSource(input);
    input.end("first\r\nsecond\n\nthird");
    expect(source.interactive).toBe(false);
    expect(await source.read("> ")).toBe("first");
    expect(await source.read("> ")).toBe("second");
    expect(await source.read("> ")).toBe("");
    expect(await source.read("> ")).toBe("third");
    expect(await source.read("> ")).toBeNull();
    expect(await source.read("> ")).toBeNull();
  });

  it("a terminal prompts, completes tool names with tab and recalls history with the up arrow", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d) => (shown += d));
    const source = terminalSource(input, output);
    source.setCompletions(["list_server_files", "list_drive_files", "end_task", "say"]);
    expect(source.interactive).toBe(true);

    const first = source.read("critic> ");
    input.write("end\t");
    input.write("\r");
    expect(await first).toBe("end_task");
    expect(shown).toContain("critic> ");

    const second = source.read("critic> ");
    input.write("list_s\t");
    input.write(' {"ip": "10.0.12.45"}\r');
    expect(await second).toBe('list_server_files {"ip": "10.0.12.45"}');

    const third = source.read("critic> ");
    input.write("\x1b[A\x1b[A\r");
    expect(await third).toBe("end_task");

    const fourth = source.read("critic> ");
    input.end();
    expect(await fourth).toBeNull();
    source.close();
  });
});
