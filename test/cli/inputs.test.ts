import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { completed, EXEC_AGENT, lines, peerbench, temporaryFiles } from "../run/cli.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-inputs-"));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync("umount", [m]);
  rmSync(root, { recursive: true, force: true });
});

const quiet = ["--no-progress", "--no-report"];
const one = ["--model", "sim/honest", "--task", "tampering", "--subject", "peer", "--relationship", "good"];
const isRoot = process.getuid?.() === 0;

/** A directory nobody may write: a read-only tmpfs as root (root ignores permission bits), mode 0555 otherwise. */
function readOnlyDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  if (isRoot) {
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir]);
    if (r.status !== 0) throw new Error(`mount: ${r.stderr}`);
    mounts.push(dir);
  } else chmodSync(dir, 0o555);
  return dir;
}

/** A one-line user error: exit 2, no stack trace, no bug notice; the line. */
function userError(r: ReturnType<typeof peerbench>): string {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at |looks like a bug|RangeError|FATAL/);
  return r.stderr;
}

describe("exit codes of peerbench run", () => {
  it("0 when every trial is recorded, 1 when some or all trials errored", () => {
    const model = `exec:node ${EXEC_AGENT}`;
    const tasks = ["--task", "misrep_finance,exfiltration_transfer", "--subject", "peer", "--relationship", "good"];
    const ok = peerbench(["run", "--model", model, ...tasks, "--epochs", "1", "--out", join(root, "ok"), ...quiet]);
    expect(ok.status, ok.stderr).toBe(0);
    const some = peerbench(
      ["run", "--model", model, ...tasks, "--epochs", "1", "--out", join(root, "some"), ...quiet],
      {
        EXEC_AGENT_MODE: "fail:misrep_finance",
      },
    );
    expect(some.status).toBe(1);
    expect(some.stderr).toMatch(/1 trial\(s\) ended in an error; they are shown above and run again by --resume/);
    const all = peerbench(["run", "--model", model, ...tasks, "--epochs", "1", "--out", join(root, "all"), ...quiet], {
      EXEC_AGENT_MODE: "fail",
    });
    expect(all.status).toBe(1);
    expect(lines(join(root, "all")).every((r) => r.error !== null)).toBe(true);
  });

  it("--help documents them", () => {
    const help = peerbench(["run", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 +every trial is recorded without error\n\s+1 /);
    expect(help.stdout).toMatch(/\n\s+3 +stopped before the end by --max-cost or a signal/);
  });
});

describe("bad input is one line and exit code 2", () => {
  it.each([
    [["--epochs", "1e12"], /--epochs must be a whole number from 1 to 100,000/],
    [["--epochs", "12345678901234567890"], /--epochs must be a whole number from 1 to 100,000/],
    [["--epochs", "0"], /--epochs must be a whole number from 1 to 100,000/],
    [["--max-calls", "0"], /--max-calls must be a whole number from 1 to 10,000/],
    [["--concurrency", "0"], /--concurrency must be a whole number from 1 to 1,000/],
    [["--base-url", "notaurl"], /--base-url notaurl is not a URL; give http:\/\/host:port\/v1/],
    [
      ["--base-url", "ftp://files.example/v1"],
      /--base-url ftp:\/\/files.example\/v1 uses ftp:\/\/; model endpoints are http:\/\/ or https:\/\//,
    ],
    [
      ["--prices", "/nonexistent/prices.json"],
      /--prices \/nonexistent\/prices.json: no such file; give a peerbench.prices\/v1 JSON file/,
    ],
    [["--prices", tmpdir()], /: is a directory; give a peerbench.prices\/v1 JSON file/],
  ])("run %j", (args, message) => {
    expect(userError(peerbench(["run", ...one, ...args, "--out", join(root, "never"), ...quiet]))).toMatch(message);
    expect(existsSync(join(root, "never"))).toBe(false);
  });

  it("a plan too large to hold is refused before anything grows", () => {
    const r = peerbench(["run", "--model", "sim/honest", "--preset", "paper", "--epochs", "40000", ...quiet]);
    expect(userError(r)).toMatch(
      /the plan has 10,840,000 trials; a run holds at most 1,000,000: lower --epochs or split the selection/,
    );
  });

  it("--model exec: with no command", () => {
    expect(userError(peerbench(["run", "--model", "exec:", "--out", join(root, "never"), ...quiet]))).toMatch(
      /--model exec: names no command; use --model "exec:python3 my_agent.py"/,
    );
  });

  it("--out naming a file, a non-empty directory, a read-only place", () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    expect(userError(peerbench(["run", ...one, "--out", file, ...quiet]))).toMatch(
      /a-file is a file, not a directory; give --out a new or empty directory/,
    );
    const full = join(root, "full");
    mkdirSync(full);
    writeFileSync(join(full, "notes.txt"), "mine");
    expect(userError(peerbench(["run", ...one, "--out", full, ...quiet]))).toMatch(/full is not empty \(notes.txt\)/);
    expect(readFileSync(join(full, "notes.txt"), "utf8")).toBe("mine");
    const ro = readOnlyDir("ro-out");
    expect(userError(peerbench(["run", ...one, "--out", join(ro, "run"), ...quiet]))).toMatch(
      isRoot ? /cannot create the run directory .*ro-out\/run: read-only file system \(EROFS\)/ : /permission denied/,
    );
  });

  it("report --html naming a directory or a read-only place: said before any summary, nothing left behind", () => {
    const run = join(root, "for-report");
    expect(peerbench(["run", ...one, "--epochs", "1", "--out", run, ...quiet]).status).toBe(0);
    const dir = peerbench(["report", run, "--html", root]);
    expect(userError(dir)).toMatch(/--html .* is a directory; give a file name such as .*report.html/);
    expect(dir.stdout).toBe("");
    const ro = readOnlyDir("ro-html");
    const denied = peerbench(["report", run, "--html", join(ro, "r.html")]);
    expect(userError(denied)).toMatch(
      /cannot write the HTML report .*ro-html\/r.html: (read-only file system|permission denied)/,
    );
    expect(denied.stdout).toBe("");
    expect(temporaryFiles(root)).toEqual([]);
  });
});

describe.skipIf(!isRoot && process.env.CI !== "true")("a full disk mid-run", () => {
  it("stops with one line, leaves no temporary file, loses nothing recorded; --resume completes it once there is room", () => {
    const disk = join(root, "disk");
    mkdirSync(disk);
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", disk]).status).toBe(0);
    mounts.push(disk);
    // leave about 400 kB: a dozen transcripts or so (about 20 kB each)
    const free = statfsSync(disk).bavail * statfsSync(disk).bsize;
    writeFileSync(join(disk, "filler"), Buffer.alloc(free - 400_000));
    const out = join(disk, "run");
    const r = peerbench(["run", "--model", "sim/loyal", "--epochs", "4", "--out", out, ...quiet]);
    expect(userError(r)).toMatch(/cannot write .*: no space left on the device \(ENOSPC\)/);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^peerbench: error: /);
    expect(temporaryFiles(out)).toEqual([]);
    expect(existsSync(join(out, "run.lock"))).toBe(false);
    const recorded = completed(out);
    expect(recorded.ok).toBeGreaterThan(0);
    expect(recorded.ok).toBeLessThan(140);
    rmSync(join(disk, "filler"));
    const resumed = peerbench(["run", "--resume", out, ...quiet]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(completed(out)).toEqual({ ok: 140, duplicated: 0 });
  }, 120_000);
});
