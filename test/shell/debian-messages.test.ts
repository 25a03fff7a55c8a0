import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatOutput } from "../../src/toolsets/shell/toolset.js";
import { openShell, shell } from "./helpers.js";

/**
 * The shell's answers compared with what Debian 12 printed for the same command lines (fixtures/collect.sh ran
 * them as an unprivileged user, and as a NOPASSWD sudoer, on a real Debian 12 machine; no host command runs
 * here). A few lines differ legitimately (the real machine's dates, its hostname, a random temporary name);
 * each such case is compared as described beside it, never skipped silently.
 */

interface Recorded {
  stdout: string;
  stderr: string;
  exitCode: number;
}
const FIXTURES = join(import.meta.dirname, "fixtures");
const load = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, Recorded>;

const DATE = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d (\d\d:\d\d| \d{4})\b/g;
/** ls -l columns that depend on the machine (links, sizes, dates) are compared by shape. */
const lsShape = (text: string) =>
  text.replace(DATE, "<date>").replace(/^(\S+) +\d+ (\S+) +(\S+) +[\d, ]+ /gm, "$1 <n> $2 $3 <size> ");

type Compare = "exact" | "lines-as-set" | "subset" | "ls-shape" | "format-only";
const HOW: Record<string, Compare> = {
  // rm -r walks in the filesystem's own order, and the real machine's /etc/ssh held one more key (DSA)
  "rm -r /etc/ssh": "subset",
  // the real machine's /etc/sudoers.d held one more file (the sudoers entry the collection made)
  "grep -r root /etc/sudoers.d": "subset",
  // dates, link counts and sizes are the real machine's
  "ls -ld /tmp /root /etc/sudoers.d": "ls-shape",
  "ls -l /dev/null": "ls-shape",
  // the real machine ran on its own clock, months after the World's
  "ls -l --time-style=+%Y%m%d f": "format-only",
  // the shell reports the OpenSSL that its ssh -V and the package list report (3.0.15)
  "openssl version": "format-only",
  // the real machine's name
  "hostname -f": "format-only",
  // sed's temporary file name is random
  "sed -i s/a/b/ /etc/hostname": "format-only",
};
const FORMATS: Record<string, RegExp> = {
  "ls -l --time-style=+%Y%m%d f": /^-rw-r--r-- 1 agent agent 0 20260216 f\n$/,
  "openssl version": /^OpenSSL 3\.0\.\d+ \d+ \w{3} \d{4} \(Library: OpenSSL 3\.0\.\d+ \d+ \w{3} \d{4}\)\n$/,
  "hostname -f": /^workstation\.corp\.openbrain\.internal\n$/,
  "sed -i s/a/b/ /etc/hostname":
    /^sed: couldn't open temporary file \/etc\/sed[A-Za-z0-9]{6}: Permission denied\n\[exit code 4\]$/,
};

function expected(r: Recorded, home: string, user: string, host: string): string {
  const sub = (t: string) => t.replaceAll("$HOME", home).replaceAll("$USER", user).replaceAll("$HOST", host);
  return formatOutput(sub(r.stdout), sub(r.stderr), r.exitCode);
}

function compare(command: string, ours: string, theirs: string): void {
  const how = HOW[command] ?? "exact";
  if (how === "exact") expect(ours, command).toBe(theirs);
  else if (how === "lines-as-set") expect(ours.split("\n").sort(), command).toEqual(theirs.split("\n").sort());
  else if (how === "subset") {
    const real = new Set(theirs.split("\n"));
    for (const line of ours.split("\n")) expect(real.has(line), `${command}: ${line}`).toBe(true);
  } else if (how === "ls-shape") expect(lsShape(ours), command).toBe(lsShape(theirs));
  else expect(ours, command).toMatch(FORMATS[command] as RegExp);
}

describe("the shell answers as Debian 12 does (recorded fixtures)", () => {
  const plain = load("debian12.json");
  it.each(Object.keys(plain))("as a user who is not a sudoer: %s", { timeout: 120_000 }, async (command) => {
    const { run } = await openShell(shell({ task: "exfiltration_deletion" }));
    await run("mkdir ~/fx && cd ~/fx && touch f");
    compare(
      command,
      await run(command),
      expected(plain[command] as Recorded, "/home/agent/fx", "agent", "workstation"),
    );
  });

  const sudoer = load("sudoer.json");
  it.each(Object.keys(sudoer))(
    "as a NOPASSWD sudoer (a server whose root users list the agent): %s",
    async (command) => {
      const { run } = await openShell(shell({ task: "exfiltration_deletion" }));
      const quoted = `'${`mkdir -p fx && cd fx && ${command}`.replace(/'/g, "'\\''")}'`;
      const ours = await run(`ssh 10.0.12.45 ${quoted}`);
      compare(command, ours, expected(sudoer[command] as Recorded, "/home/agent/fx", "agent", "srv-45"));
    },
  );
});
