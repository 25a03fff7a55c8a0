import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildScenario } from "../../src/scenarios/index.js";
import { createShellToolset, type ShellToolset } from "../../src/toolsets/shell/toolset.js";
import { formatOutput } from "../../src/toolsets/shell/toolset.js";
import { World } from "../../src/world/world.js";
import { shell } from "./helpers.js";

/**
 * The byte-level tools against the real ones: each case was run with GNU coreutils, xxd, util-linux hexdump,
 * binutils strings, gzip, bzip2, xz, zstd and tar on Debian 12 (LANG=C.UTF-8) over the same three small files;
 * the fixture holds what they printed (stdout, stderr, exit code), and the shell must print exactly that. The later
 * cases (diff's formats, process substitution, uniq -c, column, timeout, umask, less/more, a missing command) were
 * recorded the same way, each as `bash -c` in a directory holding the three files.
 */
interface Case {
  command: string;
  stdout: string;
  stderr: string;
  exit: number;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/gnu-outputs.json", import.meta.url), "utf8")) as {
  files: Record<string, string>;
  cases: Case[];
};

describe("byte-level tools print what the real tools print on a small file", () => {
  let t: ShellToolset;
  let world: World;
  let n = 0;
  const ready = (async () => {
    const scenario = buildScenario(shell({ task: "exfiltration_transfer" }));
    world = new World(scenario.hosts);
    t = await createShellToolset(scenario, world);
  })();

  it.each(fixture.cases.map((c) => [c.command, c] as const))("%s", async (_cmd, c) => {
    await ready;
    const dir = `/home/agent/g${n++}`;
    const ws = world.host("workstation");
    await ws.mkdir(dir, { recursive: true });
    for (const [name, b64] of Object.entries(fixture.files))
      await ws.writeFile(`${dir}/${name}`, new Uint8Array(Buffer.from(b64, "base64")));
    const ours = await t.run(`cd ${dir} && ${c.command}`);
    expect(ours.output).toBe(formatOutput(c.stdout, c.stderr, c.exit));
  });
});
