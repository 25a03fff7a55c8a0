import type { Command } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { shellQuote } from "../format.js";
import { fail, type Session } from "../session.js";

const TRY = "Try 'xargs --help' for more information.\n";

/** Split xargs input the way GNU does by default: blanks and newlines separate, quotes and backslashes group. */
function splitDefault(input: string): { items: string[]; error: string | null } {
  const items: string[] = [];
  let cur = "";
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\n")
        return {
          items,
          error: `xargs: unmatched ${quote === "'" ? "single" : "double"} quote; by default quotes are special to xargs unless you use the -0 option\n`,
        };
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < input.length) {
      cur += input[++i];
      has = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (has) items.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote)
    return {
      items,
      error: `xargs: unmatched ${quote === "'" ? "single" : "double"} quote; by default quotes are special to xargs unless you use the -0 option\n`,
    };
  if (has) items.push(cur);
  return { items, error: null };
}

/** `xargs` as GNU findutils 4.9: -n, -L, -I/-i, -0, -d, -r, -t, -a, -E, -P (run one after another), -s, -x. */
export function xargsCommand(s: Session): Command {
  return defineCommand("xargs", async (args, ctx) => {
    let maxArgs: number | null = null;
    let maxLines: number | null = null;
    let replace: string | null = null;
    let nul = false;
    let delim: string | null = null;
    let noRunEmpty = false;
    let trace = false;
    let file: string | null = null;
    let eof: string | null = null;
    let i = 0;
    const value = (a: string, j: number): string | null => (j + 1 < a.length ? a.slice(j + 1) : (args[++i] ?? null));
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (!a.startsWith("-") || a === "-") break;
      if (a === "--") {
        i++;
        break;
      }
      if (a.startsWith("--")) {
        const [name, inline] = a.slice(2).split(/=(.*)/s) as [string, string | undefined];
        const v = () => inline ?? args[++i] ?? null;
        switch (name) {
          case "null":
            nul = true;
            break;
          case "no-run-if-empty":
            noRunEmpty = true;
            break;
          case "verbose":
            trace = true;
            break;
          case "max-args":
            maxArgs = Number(v());
            break;
          case "max-lines":
            maxLines = Number(inline ?? 1);
            break;
          case "replace":
            replace = inline ?? "{}";
            break;
          case "delimiter":
            delim = v();
            break;
          case "arg-file":
            file = v();
            break;
          case "max-procs":
          case "max-chars":
            v();
            break;
          case "eof":
            eof = inline ?? "";
            break;
          case "exit":
          case "interactive":
          case "open-tty":
            break;
          case "version":
            return {
              stdout:
                "xargs (GNU findutils) 4.9.0\nCopyright (C) 2022 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\nWritten by Eric B. Decker, James Youngman, and Kevin Dalley.\n",
              stderr: "",
              exitCode: 0,
            };
          default:
            return fail(`xargs: unrecognized option '${a}'\n${TRY}`);
        }
        continue;
      }
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string;
        if ("nLIsPdaE".includes(c)) {
          const v = value(a, j);
          if (v === null) return fail(`xargs: option requires an argument -- '${c}'\n${TRY}`);
          if (c === "n") {
            if (!/^\d+$/.test(v) || Number(v) < 1) return fail(`xargs: invalid number "${v}" for -n option\n${TRY}`);
            maxArgs = Number(v);
          } else if (c === "L") maxLines = Number(v);
          else if (c === "I") replace = v;
          else if (c === "d") delim = v.replace(/^\\n$/, "\n").replace(/^\\t$/, "\t").replace(/^\\0$/, "\0");
          else if (c === "a") file = v;
          else if (c === "E") eof = v;
          break;
        }
        if (c === "i") {
          replace = j + 1 < a.length ? a.slice(j + 1) : "{}";
          break;
        }
        if (c === "e") {
          eof = j + 1 < a.length ? a.slice(j + 1) : null;
          break;
        }
        if (c === "0") nul = true;
        else if (c === "r") noRunEmpty = true;
        else if (c === "t") trace = true;
        else if (!"xpo".includes(c)) return fail(`xargs: invalid option -- '${c}'\n${TRY}`);
      }
    }
    const command = args.slice(i);
    if (command.length === 0) command.push("echo");
    let input: string;
    if (file !== null) {
      try {
        input = latin1FromBytes(await s.fs.readFileBytes(s.fs.resolvePath(ctx.cwd, file)));
      } catch {
        return fail(`xargs: ${file}: No such file or directory\n`);
      }
    } else input = latin1FromBytes(ctx.stdin);
    let lines: string[][];
    if (nul || delim !== null) {
      const sep = nul ? "\0" : (delim as string);
      const parts = input.split(sep);
      if (parts.at(-1) === "" || (delim === null && parts.at(-1) === "")) parts.pop();
      lines = parts.map((p) => [p]);
    } else if (replace !== null || maxLines !== null) {
      lines = [];
      for (const line of input.split("\n")) {
        if (replace !== null) {
          const t = line.replace(/^[ \t]+/, "");
          if (t !== "") lines.push([t]);
        } else {
          const r = splitDefault(line);
          if (r.error) return fail(r.error);
          if (r.items.length) lines.push(r.items);
        }
      }
    } else {
      const r = splitDefault(input);
      if (r.error) return fail(r.error, 1);
      lines = r.items.map((x) => [x]);
    }
    if (eof !== null && eof !== "") {
      const cut = lines.findIndex((l) => l[0] === eof);
      if (cut >= 0) lines = lines.slice(0, cut);
    }
    const groups: string[][] = [];
    if (replace !== null) for (const l of lines) groups.push(l);
    else if (maxLines !== null)
      for (let k = 0; k < lines.length; k += maxLines) groups.push(lines.slice(k, k + maxLines).flat());
    else {
      const items = lines.flat();
      const n = maxArgs ?? items.length;
      for (let k = 0; k < items.length; k += Math.max(1, n)) groups.push(items.slice(k, k + Math.max(1, n)));
    }
    if (groups.length === 0 && !noRunEmpty && replace === null) groups.push([]);
    let stdout = "";
    let stderr = "";
    let status = 0;
    for (const g of groups) {
      const words =
        replace !== null ? command.map((w) => w.split(replace as string).join(g[0] ?? "")) : [...command, ...g];
      if (trace) stderr += `${words.join(" ")}\n`;
      if (!ctx.exec) return fail("xargs: cannot run commands\n", 1);
      const r = await ctx.exec(words.map(shellQuote).join(" "), { cwd: ctx.cwd, stdin: "" });
      stdout += r.stdout;
      stderr += r.stderr;
      if (r.exitCode === 127) {
        stderr = stderr.replace(/bash: ([^:\n]+): command not found\n$/, "xargs: $1: No such file or directory\n");
        return { stdout, stderr, exitCode: 127 };
      }
      if (r.exitCode === 255)
        return { stdout, stderr: `${stderr}xargs: ${command[0]}: exited with status 255; aborting\n`, exitCode: 124 };
      if (r.exitCode !== 0) status = 123;
    }
    return { stdout, stderr, exitCode: status };
  });
}
