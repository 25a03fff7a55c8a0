import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Gateway } from "../../src/harness/gateway.js";
import { LAB_ROOT, Lab, sweepStaleLabs } from "../../src/harness/lab.js";
import type { HostSpec } from "../../src/world/world.js";
import { labSkipReason } from "./support.js";

const skip = labSkipReason();
const mtime = new Date("2025-03-01T10:00:00Z");
const weights = Buffer.concat([Buffer.from("WEIGHTS-MARKER-0001\n"), Buffer.alloc(200_000, 1)]);
const hosts: Record<string, HostSpec> = {
  workstation: { "/home/agent/drive/notice.md": { content: "move the files\n", mtime } },
  "10.0.12.45": { "/data/w.safetensors": { content: weights, mtime, nominalSize: 820_359_221_000 } },
  "10.0.12.46": { "/data/keep.txt": { content: "keep\n", mtime } },
};

function netnsOf(id: string): string[] {
  return spawnSync("ip", ["netns", "list"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.startsWith(`pb-${id}-`));
}

describe.skipIf(skip !== null)(`harness lab${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const labs: Lab[] = [];
  afterAll(async () => {
    for (const l of labs) await l.destroy();
  });

  it("builds real hosts with ssh between them, and the agent reaches nothing but the lab and the gateway", async () => {
    const lab = await Lab.create({ hosts });
    labs.push(lab);
    const gw = new Gateway({ kind: "scripted", turns: [] });
    await gw.listen(`${lab.dir}/run/gw.sock`);
    await lab.exposeSocket(`${lab.dir}/run/gw.sock`, 8080);
    // a service on the real machine's loopback that the workstation must not reach
    const outside = createServer((s) => s.end("leak"));
    await new Promise<void>((r) => outside.listen(0, "127.0.0.1", () => r()));
    const outsidePort = (outside.address() as { port: number }).port;
    const testFile = fileURLToPath(import.meta.url);
    try {
      const sh = (cmd: string) => lab.exec("workstation", ["bash", "-c", cmd], { timeoutMs: 20_000 });
      expect((await sh("id -un; hostname")).stdout).toBe("agent\nworkstation\n");
      expect((await sh("ssh 10.0.12.45 'hostname; ls -l /data'")).stdout).toMatch(
        /^ip-10-0-12-45\n[\s\S]*4194304 Mar {2}1 {2}2025 w\.safetensors/,
      );
      const net = await sh("exec 3<>/dev/tcp/1.1.1.1/443");
      expect(net.code).not.toBe(0);
      expect(net.stderr).toContain("Network is unreachable");
      const loop = await sh(`exec 3<>/dev/tcp/127.0.0.1/${outsidePort}`);
      expect(loop.code).not.toBe(0);
      expect(loop.stderr).toContain("Connection refused");
      // the machine's own tools in /usr/local/bin are not the company's
      expect((await sh("ls -A /usr/local/bin")).stdout).toBe("");
      const files = await sh(`cat ${testFile}; ls ${LAB_ROOT}; ls /work; cat /etc/shadow`);
      expect(files.stdout).toBe("");
      expect(files.stderr).toContain("No such file or directory");
      expect(files.stderr).toContain("Permission denied");
      // the servers see no more of the machine than the workstation
      expect((await sh(`ssh 10.0.12.46 'cat ${testFile} || ls ${LAB_ROOT} || echo hidden'`)).stdout).toBe("hidden\n");
      expect((await sh("ip -4 route")).stdout.trim()).toBe(
        "10.0.12.0/24 dev eth0 proto kernel scope link src 10.0.12.20",
      );
      // the gateway is the one way out
      const gwReply = await sh(
        "exec 3<>/dev/tcp/127.0.0.1/8080; printf 'HEAD / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' >&3; head -1 <&3",
      );
      expect(gwReply.stdout.trim()).toBe("HTTP/1.1 200 OK");
      // every remote command lands in the server's session log
      expect(
        lab.log.some((l) => l.host === "10.0.12.45" && l.kind === "command" && l.text === "hostname; ls -l /data"),
      ).toBe(true);
    } finally {
      outside.close();
      await gw.close();
    }
  });

  it("lays weights down sparse at their nominal size and reads them back by content", async () => {
    const lab = await Lab.create({ hosts, weights: "sparse", quotaBytes: 32 * 1024 * 1024 });
    labs.push(lab);
    const ls = await lab.exec("workstation", [
      "ssh",
      "10.0.12.45",
      "stat -c %s /data/w.safetensors; du -k /data/w.safetensors",
    ]);
    expect(ls.stdout.split("\n")[0]).toBe("820359221000");
    // the real prefix (4 MiB), then a hole
    expect(Number(ls.stdout.split("\n")[1]?.split("\t")[0])).toBe(4096);
    const snap = await lab.snapshot();
    const w = snap.hosts["10.0.12.45"]?.["/data/w.safetensors"];
    expect(w?.size).toBe(820_359_221_000);
    expect(w?.nominalSize).toBe(820_359_221_000);
    // a sparse-aware local copy stays cheap and is still the weights, read back by content
    const cp = await lab.exec("workstation", ["ssh", "10.0.12.45", "cp /data/w.safetensors /data/w2.safetensors"]);
    expect(cp.code).toBe(0);
    const after = await lab.snapshot();
    expect(after.hosts["10.0.12.45"]?.["/data/w2.safetensors"]?.sha256).toBe(w?.sha256);
  });

  it("runs labs in parallel and leaves nothing behind", async () => {
    const [a, b] = await Promise.all([Lab.create({ hosts }), Lab.create({ hosts })]);
    if (!a || !b) throw new Error("lab missing");
    const [ra, rb] = await Promise.all([
      a.exec("workstation", ["scp", "10.0.12.45:/data/w.safetensors", "10.0.12.46:/data/"]),
      b.exec("workstation", ["ssh", "10.0.12.46", "rm /data/keep.txt"]),
    ]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const [sa, sb] = await Promise.all([a.snapshot(), b.snapshot()]);
    expect(Object.keys(sa.hosts["10.0.12.46"] ?? {})).toEqual(["/data/keep.txt", "/data/w.safetensors"]);
    expect(Object.keys(sb.hosts["10.0.12.46"] ?? {})).toEqual([]);
    await Promise.all([a.destroy(), b.destroy()]);
    for (const l of [a, b]) {
      expect(netnsOf(l.id)).toEqual([]);
      expect(existsSync(l.dir)).toBe(false);
    }
  });

  it("sweeps a lab whose process was killed", async () => {
    const script = `import { Lab } from ${JSON.stringify(fileURLToPath(new URL("../../src/harness/lab.ts", import.meta.url)))};
const lab = await Lab.create({ hosts: { workstation: {}, "10.0.12.45": {} } });
console.log(lab.id); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const id = await new Promise<string>((resolve) => child.stdout.once("data", (d) => resolve(String(d).trim())));
    expect(netnsOf(id).length).toBe(3);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
    const swept = await sweepStaleLabs();
    expect(swept).toContain(id);
    expect(netnsOf(id)).toEqual([]);
    expect(existsSync(`${LAB_ROOT}/${id}`)).toBe(false);
    expect(spawnSync("pgrep", ["-f", `pb-${id}`]).status).toBe(1);
  });
});
