import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Command, Help } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS, commandOf } from "../../src/cli/commands/index.js";
import { listText } from "../../src/cli/commands/list-text.js";

/**
 * Start-up: `--help`, `--version` and `list` load only what they need, from the sources and from a compiled build
 * (bin/build.js, built here into a folder of its own), and the build runs the commands as the sources do. What a
 * process loads is read from loader hooks (fixtures/log-modules.mjs): every module through the ES module loader.
 */

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/peerbench.js");
const LOG_HOOK = join(import.meta.dirname, "fixtures/log-modules.mjs");
/** Dependencies no help, version or list needs: the model SDKs, the shell, schemas, YAML, tables, the build tools. */
const HEAVY = [
  "ai",
  "@ai-sdk",
  "@opentelemetry",
  "ollama-ai-provider-v2",
  "just-bash",
  "zod",
  "yaml",
  "cli-table3",
  "cli-progress",
  "p-queue",
];

let scratch: string;
let dist: string;

beforeAll(() => {
  // inside the package, so the build's chunks find node_modules and the sources as dist/ does
  mkdirSync(join(ROOT, ".peerbench-cache"), { recursive: true });
  scratch = mkdtempSync(join(ROOT, ".peerbench-cache/startup-test-"));
  dist = join(scratch, "dist");
  const r = spawnSync(process.execPath, [join(ROOT, "bin/build.js"), "--out", dist], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function peerbench(entry: string[], args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [...entry, ...args], {
    encoding: "utf8",
    cwd: scratch,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
}

/** The packages (node_modules/NAME or @scope/NAME) a command line loads, and its exit status. */
function packagesLoaded(entry: string[], args: string[], env: NodeJS.ProcessEnv = {}) {
  const log = join(scratch, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const r = peerbench(["--import", LOG_HOOK, ...entry], args, { ...env, PEERBENCH_MODULE_LOG: log });
  const urls = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  const packages = new Set<string>();
  for (const url of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
  }
  return { status: r.status, packages: [...packages].sort(), urls };
}

const isHeavy = (pkg: string) => HEAVY.some((h) => pkg === h || pkg.startsWith(`${h}/`));

describe("from a compiled build", () => {
  const entry = () => [join(dist, "peerbench.js")];

  it.each([["--help"], ["--version"], ["list"]])("%s loads commander and picocolors, nothing else", (arg) => {
    const r = packagesLoaded(entry(), [arg]);
    expect(r.status).toBe(0);
    expect(r.packages).toEqual(["commander", "picocolors"]);
    // the sources are compiled in: no TypeScript is read
    expect(r.urls.filter((u) => u.endsWith(".ts"))).toEqual([]);
  });

  it("the check can fail: run --help loads what run needs", () => {
    const r = packagesLoaded(entry(), ["run", "--help"]);
    expect(r.status).toBe(0);
    expect(r.packages.filter(isHeavy)).toEqual(expect.arrayContaining(["ai", "just-bash", "zod"]));
  });

  it("list prints what the sources compute", () => {
    const r = peerbench(entry(), ["list"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${listText()}\n`);
  });

  it("runs the shell toolset (its worker compiled beside the CLI) and serves the report", async () => {
    const out = join(scratch, "run");
    const r = peerbench(entry(), [
      "run",
      "--model",
      "sim/loyal",
      "--task",
      "exfiltration_transfer",
      "--relationship",
      "good",
      "--toolset",
      "shell",
      "--epochs",
      "1",
      "--out",
      out,
      "--no-progress",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const trials = readFileSync(join(out, "trials.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.map((t) => t.error)).toEqual(trials.map(() => null));
    // the report's assets are read from src/report/assets by the compiled code
    const css = readFileSync(join(ROOT, "src/report/assets/report.css"), "utf8");
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain(css);

    const view = spawn(process.execPath, [...entry(), "view", out, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    try {
      const url = await servingUrl(view);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(css);
    } finally {
      view.kill();
    }
  });
});

/** The URL `peerbench view` says it serves. */
function servingUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (d) => {
      text += d;
      const m = /serving .* at (\S+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    let err = "";
    child.stderr?.on("data", (d) => {
      err += d;
    });
    child.once("exit", (code) => reject(new Error(`view exited ${code}: ${err}`)));
  });
}

describe("from the sources (tsx)", () => {
  const env = { PEERBENCH_FROM_SOURCE: "1" };

  it.each([["--help"], ["--version"]])("%s loads none of the heavy dependencies", (arg) => {
    const r = packagesLoaded([BIN], [arg], env);
    expect(r.status).toBe(0);
    expect(r.packages).toContain("commander");
    expect(r.packages.filter(isHeavy)).toEqual([]);
  });

  it("list reads the task definitions (zod, yaml, the world), and no model SDK, pack or table", () => {
    const r = packagesLoaded([BIN], ["list"], env);
    expect(r.status).toBe(0);
    expect(r.packages).toContain("zod");
    const tasks = ["zod", "yaml", "just-bash"];
    expect(r.packages.filter((p) => isHeavy(p) && !tasks.includes(p))).toEqual([]);
  });

  it("--help reads only the command table, not the commands' files", () => {
    const r = packagesLoaded([BIN], ["--help"], env);
    const sources = r.urls.filter((u) => u.includes("/src/")).map((u) => u.slice(u.indexOf("/src/") + 1));
    expect(sources.filter((s) => s.startsWith("src/cli/commands/"))).toEqual(["src/cli/commands/index.ts"]);
  });
});

describe("the command line", () => {
  it("--version prints the package's version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const r = peerbench([BIN], ["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("the top-level help lists every command as its own registration describes it", async () => {
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load()).register(program);
      const cmd = program.commands.find((c) => c.name() === entry.name);
      expect(cmd, entry.name).toBeDefined();
      expect(cmd!.description()).toBe(entry.description);
      expect(new Help().subcommandTerm(cmd!)).toBe(entry.term);
    }
    const r = peerbench([BIN], ["--help"]);
    expect(r.status).toBe(0);
    for (const entry of COMMANDS) expect(r.stdout).toContain(entry.term);
  });

  it("loads the command a command line names, also through `help NAME`", () => {
    expect(commandOf(["run", "--epochs", "2"])?.name).toBe("run");
    expect(commandOf(["help", "list"])?.name).toBe("list");
    expect(commandOf(["--help"])).toBeUndefined();
    expect(commandOf(["runn"])).toBeUndefined();
    const r = peerbench([BIN], ["help", "list"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: peerbench list [options]");
  });
});
