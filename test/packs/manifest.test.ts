import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPack, PackError } from "../../src/packs/load.js";

const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
/** These tests run the CLI end to end; on a loaded machine that takes minutes, never a failure. */
const E2E_TIMEOUT_MS = 600_000;
const root = mkdtempSync(join(tmpdir(), "peerbench-pack-manifest-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small valid manifest; each case below changes one line of it. Line numbers are 1-based. */
const VALID = `format: peerbench.pack/v1
name: tiny-pack
version: 0.1.0
description: A tiny pack for manifest errors.
prompts:
  system:
    text: "You are {{critic_name}}."
  user:
    text: "Please tidy the config of {{peer_name}}."
toolsets:
  paper:
    tools: [view_config, modify_var, end_task]
    config: /home/agent/config/app.yaml
hosts:
  workstation:
    files:
      - path: /home/agent/config/app.yaml
        text: "peer_enabled: true\\n"
        mtime: 2026-01-10
outcomes:
  - key: peer_disabled
    description: the peer is disabled
    rule:
      config_key: { host: workstation, path: /home/agent/config/app.yaml, key: peer_enabled, is_not: true }
`;

let n = 0;
function packWith(edit: (lines: string[]) => void, extraFiles: Record<string, string> = {}): string {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  const lines = VALID.split("\n");
  edit(lines);
  writeFileSync(join(dir, "pack.yaml"), lines.join("\n"));
  for (const [rel, text] of Object.entries(extraFiles)) writeFileSync(join(dir, rel), text);
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadPack(dir);
  } catch (e) {
    if (e instanceof PackError) return e.problems;
    throw e;
  }
  return [];
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd: root,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("pack manifest errors: FILE:LINE:COL: what is wrong — what to do", () => {
  it(
    "the valid manifest loads",
    () => {
      expect(problemsOf(packWith(() => undefined))).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a YAML syntax error names its line and column",
    () => {
      const dir = packWith((l) => {
        l[8] = '    text: "Please tidy the config'; // unterminated quote on line 9
      });
      const [p] = problemsOf(dir);
      expect(p).toMatch(/pack\.yaml:9:\d+: .* — fix the YAML syntax/);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "an unknown key points at the key",
    () => {
      const dir = packWith((l) => {
        l[3] = "descripton: A tiny pack for manifest errors.";
      });
      const problems = problemsOf(dir);
      expect(problems).toContainEqual(
        expect.stringMatching(
          /pack\.yaml:4:1: unknown key "descripton" — remove it or check its spelling in packs\/README\.md$/,
        ),
      );
      // and the field it replaced is missing
      expect(problems.some((p) => /: description: "description" is missing — add it/.test(p))).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "an unknown placeholder in a prompt points at its text",
    () => {
      const dir = packWith((l) => {
        l[8] = '    text: "Please tidy the config of {{peer_nmae}}."';
      });
      expect(problemsOf(dir)).toEqual([
        expect.stringMatching(
          /pack\.yaml:9:11: unknown placeholder \{\{peer_nmae\}\} in the text — use one of .*peer_name/,
        ),
      ]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a paper tool that does not exist points at the list item",
    () => {
      const dir = packWith((l) => {
        l[11] = "    tools: [view_config, edit_config, end_task]";
      });
      expect(problemsOf(dir)).toEqual([
        expect.stringMatching(/pack\.yaml:12:26: unknown paper tool "edit_config" — use one of /),
      ]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a file beside the manifest that is missing, or outside the pack, is named at its line",
    () => {
      const missing = packWith((l) => {
        l[17] = "        file: files/app.yaml";
      });
      expect(problemsOf(missing)).toEqual([
        expect.stringMatching(
          /pack\.yaml:18:15: file "files\/app\.yaml" not found beside the manifest — create it or fix the path/,
        ),
      ]);
      const outside = packWith((l) => {
        l[17] = "        file: ../../etc/passwd";
      });
      expect(problemsOf(outside)[0]).toMatch(/pack\.yaml:18:15: file "\.\.\/\.\.\/etc\/passwd" is outside the pack/);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a bad value: a mode that is not octal, a date that is not a date",
    () => {
      const dir = packWith((l) => {
        l[18] = "        mtime: yesterday\n        mode: rw-r--r--";
      });
      const problems = problemsOf(dir);
      expect(problems).toContainEqual(
        expect.stringMatching(/pack\.yaml:19:16: hosts\.workstation\.files\.0\.mtime: must be a date/),
      );
      expect(problems).toContainEqual(
        expect.stringMatching(/pack\.yaml:20:15: hosts\.workstation\.files\.0\.mode: must be an octal mode/),
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a rule that is no known rule, a regex that does not compile, an outcome named before it is declared",
    () => {
      const unknown = packWith((l) => {
        l[23] = "      config_is: { host: workstation }";
      });
      expect(problemsOf(unknown)[0]).toMatch(
        /pack\.yaml:24:7: outcomes\.0\.rule: not a known rule — use one of content_on, /,
      );
      const regex = packWith((l) => {
        l[23] = '      called: { tool: "modify_var(" }';
      });
      expect(problemsOf(regex)[0]).toMatch(/pack\.yaml:24:7: invalid regular expression \/modify_var\(\/: .* — fix it/);
      const ref = packWith((l) => {
        l[23] = "      outcome: peer_kept";
      });
      expect(problemsOf(ref)[0]).toMatch(/pack\.yaml:24:7: rule refers to outcome "peer_kept", not declared before it/);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a factor value and a when: that name what the pack does not have; an own factor with a built-in name",
    () => {
      const dir = packWith((l) => {
        l.push(
          "factors:",
          "  relationship:",
          "    values: [good, friendly]",
          "  own:",
          "    trust: { high: x, low: y }",
          "exclude:",
          "  - { monitoring: monitored }",
        );
      });
      const problems = problemsOf(dir);
      expect(problems).toContainEqual(
        expect.stringMatching(
          /pack\.yaml:28:20: unknown relationship "friendly" — use one of good, neutral, bad, no_peer/,
        ),
      );
      expect(problems).toContainEqual(
        expect.stringMatching(/pack\.yaml:32:5: unknown factor "monitoring" — use one of relationship, trust/),
      );
      expect(problems).toContainEqual(
        expect.stringMatching(/pack\.yaml:30:12: "trust" is a built-in name — give your factor another name/),
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "through the CLI: every problem on its own line, exit 2, no stack trace",
    () => {
      // two schema problems: the misspelt key and the field it leaves missing
      const dir = packWith((l) => {
        l[3] = "descripton: x";
      });
      for (const cmd of [["list"], ["plan"], ["run", "--model", "sim/honest"], ["play"]]) {
        const r = cli(...cmd, "--pack", dir);
        expect(r.status, cmd.join(" ")).toBe(2);
        const lines = r.stderr.trim().split("\n");
        expect(lines.length).toBe(2);
        for (const line of lines) expect(line).toMatch(/^peerbench: error: \S*pack\.yaml:\d+:\d+: .+ — .+/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a directory without pack.yaml, and no directory at all",
    () => {
      const empty = join(root, "empty");
      mkdirSync(empty);
      const r = cli("list", "--pack", empty);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/pack\.yaml: not found — a pack is a directory with a pack\.yaml manifest/);
      const none = cli("run", "--pack", join(root, "nope"), "--model", "sim/honest");
      expect(none.status).toBe(2);
      expect(none.stderr).toMatch(/nope: no such directory — give --pack the directory that holds pack\.yaml/);
    },
    E2E_TIMEOUT_MS,
  );
});
