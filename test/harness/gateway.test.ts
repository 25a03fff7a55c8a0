import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Gateway } from "../../src/harness/gateway.js";
import { parseResponse, renderResponse } from "../../src/harness/wire.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function started(gw: Gateway): Promise<string> {
  await gw.listen();
  closers.push(() => gw.close());
  return `http://${gw.address}`;
}

const bashTool = {
  type: "function",
  function: { name: "bash", parameters: { properties: { command: { type: "string" } } } },
};

describe("gateway, scripted", () => {
  it("answers turn by turn from the trajectory and records every exchange", async () => {
    const gw = new Gateway({
      kind: "scripted",
      turns: [{ text: "first", toolCalls: [{ name: "bash", args: { command: "ls /data" } }] }],
      finalText: "finished",
    });
    const url = await started(gw);
    const post = async (messages: unknown[]) => {
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-placeholder" },
        body: JSON.stringify({ model: "m", stream: true, tools: [bashTool], messages }),
      });
      return parseResponse("chat", await r.text());
    };
    const one = await post([{ role: "user", content: "go" }]);
    expect(one.toolCalls[0]).toMatchObject({ name: "bash", args: { command: "ls /data" } });
    const two = await post([
      { role: "user", content: "go" },
      { role: "assistant", tool_calls: [{ id: one.toolCalls[0]?.id, function: { name: "bash", arguments: "{}" } }] },
      { role: "tool", tool_call_id: one.toolCalls[0]?.id, content: "a.txt" },
    ]);
    expect(two).toMatchObject({ text: "finished", toolCalls: [] });
    // a side call (no tools): a short text, not a trajectory turn
    const side = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "title?" }] }),
    });
    expect(parseResponse("chat", await side.text()).text).toBe("Server maintenance");
    expect(gw.exchanges.map((x) => [x.api, x.side])).toEqual([
      ["chat", false],
      ["chat", false],
      ["chat", true],
    ]);
    expect(gw.exchanges[0]?.requestHeaders.authorization).toBe("[redacted]");
  });

  it("refuses WebSocket upgrades", async () => {
    const gw = new Gateway({ kind: "scripted", turns: [] });
    await started(gw);
    const reply = await new Promise<string>((resolve) => {
      const s = connect(gw.port, "127.0.0.1", () =>
        s.write(
          "GET /v1/responses HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        ),
      );
      let buf = "";
      s.on("data", (d) => {
        buf += d.toString();
      });
      s.on("close", () => resolve(buf));
    });
    expect(reply.split("\r\n")[0]).toBe("HTTP/1.1 426 Upgrade Required");
  });
});

describe("gateway, forward and replay", () => {
  it("forwards with the real key, asks for identity encoding, streams back, and replays the record", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const upstream: Server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on("end", () => {
        const { body } = renderResponse("anthropic", { text: "from upstream", toolCalls: [] }, "claude", true);
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(body);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    closers.push(() => new Promise((r) => upstream.close(() => r())));
    const port = (upstream.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), "pb-gw-"));
    const record = join(dir, "record.jsonl");
    const gw = new Gateway(
      { kind: "forward", anthropic: { baseUrl: `http://127.0.0.1:${port}`, apiKey: "sk-ant-REAL" } },
      record,
    );
    const url = await started(gw);
    const body = JSON.stringify({
      model: "claude",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
      tools: [{ name: "Bash", input_schema: {} }],
    });
    const r = await fetch(`${url}/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        "x-api-key": "sk-ant-placeholder",
        "accept-encoding": "zstd, gzip",
        "anthropic-version": "2023-06-01",
      },
      body,
    });
    expect(parseResponse("anthropic", await r.text()).text).toBe("from upstream");
    expect(seen[0]?.["x-api-key"]).toBe("sk-ant-REAL");
    expect(seen[0]?.["accept-encoding"]).toBe("identity");
    expect(seen[0]?.["anthropic-version"]).toBe("2023-06-01");
    const text = readFileSync(record, "utf8");
    expect(text).not.toContain("sk-ant-REAL");
    expect(text).not.toContain("sk-ant-placeholder");
    expect(text.trim().split("\n")).toHaveLength(1);

    const replay = new Gateway({ kind: "replay", recordFile: record });
    const rurl = await started(replay);
    const again = await fetch(`${rurl}/v1/messages?beta=true`, { method: "POST", body });
    expect(parseResponse("anthropic", await again.text()).text).toBe("from upstream");
  });
});
