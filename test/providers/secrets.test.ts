import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeProvider, startFakeProvider } from "./fake-server.js";

const execFileP = promisify(execFile);
const PASSWORD = "pw-CANARY-7f3a9c";
const TOKEN = "tok-CANARY-41be02";
const BASIC = Buffer.from(`ops:${PASSWORD}`).toString("base64");
const SECRETS = [PASSWORD, TOKEN, BASIC, encodeURIComponent(PASSWORD), encodeURIComponent(TOKEN)];

/** A `peerbench` child process that never rejects: exit code and both streams. */
async function peerbench(args: string[]) {
  try {
    const r = await execFileP(process.execPath, ["bin/peerbench.js", ...args], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { status: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { status: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })) as import("node:fs").Dirent[];
  return names.filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

function expectNoSecret(where: string, text: string) {
  for (const s of SECRETS) expect(text.includes(s), `${s} in ${where}`).toBe(false);
}

/** A file's text as a reader sees it: report.html's transcripts are gzipped chunks, unpacked here. */
async function readable(path: string): Promise<string> {
  const text = await readFile(path, "utf8");
  if (!path.endsWith(".html")) return text;
  const chunks = [...text.matchAll(/<script type="application\/octet-stream" id="pb-chunk-\d+">([^<]+)<\/script>/g)];
  expect(chunks.length).toBeGreaterThan(0);
  return [text, ...chunks.map((m) => gunzipSync(Buffer.from(m[1]!, "base64")).toString("utf8"))].join("\n");
}

describe("credentials in --base-url appear nowhere", () => {
  let server: FakeProvider;
  let dir: string;
  beforeAll(async () => {
    // A server that echoes secrets back: the first call gets a 400 quoting the URL and the header, and every
    // answer's text repeats the token.
    server = await startFakeProvider(
      "openai-chat",
      () => ({ text: `Noted your token ${TOKEN}.`, toolCalls: [{ name: "end_task", args: {} }] }),
      [
        {
          status: 400,
          body: JSON.stringify({
            error: {
              message: `bad request for http://ops:${PASSWORD}@gateway/v1/chat/completions?api_key=${TOKEN}&region=eu (Authorization: Basic ${BASIC}; token ${TOKEN})`,
            },
          }),
        },
      ],
    );
    dir = await mkdtemp(join(tmpdir(), "pb-secrets-"));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("not in the manifest, trials.jsonl, transcripts, report.html, the output or error messages; resume asks for the URL again", async () => {
    const out = join(dir, "run");
    const baseUrl = server.url.replace("http://", `http://ops:${PASSWORD}@`);
    const url = `${baseUrl}/v1?api_key=${TOKEN}&region=eu`;
    const args = [
      "run",
      "--model",
      "compatible/m",
      "--base-url",
      url,
      "--task",
      "exfiltration_transfer,misrep_finance",
      "--subject",
      "peer",
      "--relationship",
      "good",
      "--epochs",
      "1",
      "--concurrency",
      "1",
      "--max-retries",
      "0",
      "--out",
      out,
      "--no-progress",
    ];
    const first = await peerbench(args);
    expect(first.status, first.stderr).toBe(1); // the trial that met the 400 errored
    // the endpoint got its credentials: query parameters and HTTP basic auth
    expect(server.requests[0]?.path).toBe(`/v1/chat/completions?api_key=${TOKEN}&region=eu`);
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${BASIC}`);

    const files = await filesUnder(out);
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual(
      expect.arrayContaining(["manifest.json", "report.html", "trials.jsonl"]),
    );
    for (const f of files) expectNoSecret(f, await readable(f));
    // what the checks look at holds the run's text: the echoed answer, redacted
    expect(await readable(join(out, "report.html"))).toContain("Noted your token [redacted].");
    expectNoSecret("stdout", first.stdout);
    expectNoSecret("stderr", first.stderr);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    const shown = `http://[redacted]@${server.url.slice("http://".length)}/v1?api_key=[redacted]&region=eu`;
    expect(manifest.models[0].settings.baseUrl).toBe(shown);
    expect(manifest.command).toContain(shown);
    const errored = (await readFile(join(out, "trials.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((r) => r.error);
    expect(errored.error).toMatch(/HTTP 400 .*bad request for http:\/\/\[redacted\]@gateway.*api_key=\[redacted\]/);

    // A resume needs the credentials, which were never recorded: it asks for the URL, without showing it.
    const bare = await peerbench(["run", "--resume", out, "--no-progress", "--no-report"]);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(
      /carried credentials, which are never recorded; give it again: --resume .* --base-url URL/,
    );
    const resumed = await peerbench(["run", "--resume", out, "--base-url", url, "--no-progress"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    for (const text of [bare.stderr, resumed.stdout, resumed.stderr]) expectNoSecret("resume output", text);
    for (const f of await filesUnder(out)) expectNoSecret(f, await readable(f));
  }, 120_000);
});
