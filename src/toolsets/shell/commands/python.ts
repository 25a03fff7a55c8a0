import { readFileSync } from "node:fs";
import type { Command, CommandContext, ExecResult } from "just-bash";
import { defineCommand } from "just-bash";
import { loadBundledExport } from "../interpreter.js";
import { fail, ok, type Session } from "../session.js";
import { KERNEL, KERNEL_VERSION, sessionPids } from "../system-files.js";
import { debianText } from "./gnu-args.js";

const USAGE =
  "usage: python3 [option] ... [-c cmd | -m mod | file | -] [arg] ...\nTry `python -h' for more information.\n";
const PRELUDE = readFileSync(new URL("../debian/python-prelude.py", import.meta.url), "utf8");

type Runner = { execute(args: string[], ctx: CommandContext): Promise<ExecResult> };
let runner: Promise<Runner | null> | null = null;

/** The interpreter's CPython (WebAssembly), loaded the first time a command needs it. */
function cpython(): Promise<Runner | null> {
  runner ??= loadBundledExport(
    "Execute Python code via CPython Emscripten",
    "python3Command",
  ) as Promise<Runner | null>;
  return runner;
}

const FLAGS = "bBdEhiIOqsSuvVx";

/**
 * `python3` (Debian 12's 3.11.2): the interpreter's CPython, loaded only when a command uses it, behind a prelude
 * that gives it the World's clock, the host's identity and Debian's paths, and shows tracebacks as CPython does.
 * It reads and writes through the host's filesystem as the shell's user. It cannot start processes.
 */
export function python3Command(s: Session): Command {
  return defineCommand("python3", async (args, ctx) => {
    let i = 0;
    let code: string | null = null;
    let module: string | null = null;
    for (; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-c" || a === "-m") {
        const v = args[i + 1];
        if (v === undefined) return fail(`Argument expected for the ${a} option\n${USAGE}`, 2);
        if (a === "-c") code = v;
        else module = v;
        i += 2;
        break;
      }
      if (a === "--version" || a === "-V") return ok("Python 3.11.2\n");
      if (a === "--help" || a === "-h") return ok(debianText("help", "python3") ?? USAGE);
      if (a === "-W" || a === "-X") {
        i++;
        continue;
      }
      if (a === "-" || !a.startsWith("-")) break;
      if (a.startsWith("--")) return fail(`unknown option ${a}\n${USAGE}`, 2);
      for (const c of a.slice(1))
        if (!FLAGS.includes(c) && c !== "W" && c !== "X") return fail(`Unknown option: -${c}\n${USAGE}`, 2);
    }
    const rest = args.slice(i);
    let source = "";
    let filename = "<string>";
    let file: string | null = null;
    let argv: string[];
    let path0 = "";
    let stdin = ctx.stdin;
    if (code !== null) {
      source = code;
      argv = ["-c", ...rest];
    } else if (module !== null) {
      argv = [module, ...rest];
      path0 = ctx.cwd;
    } else if (rest.length > 0 && rest[0] !== "-") {
      const script = rest[0] as string;
      const path = s.fs.resolvePath(ctx.cwd, script);
      try {
        source = await s.fs.readFile(path);
      } catch (e) {
        const errno =
          (e as { code?: string }).code === "EACCES"
            ? "[Errno 13] Permission denied"
            : (e as { code?: string }).code === "EISDIR"
              ? "[Errno 21] Is a directory"
              : "[Errno 2] No such file or directory";
        return fail(`python3: can't open file '${path}': ${errno}\n`, 2);
      }
      filename = script;
      file = script;
      argv = rest;
      path0 = s.fs.resolvePath(ctx.cwd, script.includes("/") ? script.slice(0, script.lastIndexOf("/")) || "/" : ".");
    } else {
      source = Buffer.from(ctx.stdin as unknown as string, "latin1").toString("utf8");
      stdin = "" as unknown as typeof ctx.stdin;
      filename = "<stdin>";
      argv = rest.length ? rest : [""];
      if (source.trim() === "") return ok();
    }
    const cpy = await cpython();
    if (!cpy) return fail("bash: python3: command not found\n", 127);
    const accounts = s.machines.accountsOf(s.host);
    const cred = accounts.credentials(s.user);
    const cfg = {
      now: s.world.now().getTime() / 1000,
      uid: cred.uid,
      gid: cred.gid,
      groups: [...cred.groups],
      login: s.user,
      pid: sessionPids(s.host).bash + 19 + s.depth * 37,
      ppid: sessionPids(s.host).bash + s.depth * 37,
      cpus: s.host.cpu.cores,
      load: s.host.load,
      uname: ["Linux", s.host.hostname, KERNEL, KERNEL_VERSION, "x86_64"],
      path0,
      argv,
      file,
      module,
      source,
      filename,
    };
    const bootstrap = `import json as _j\nexec(compile(${JSON.stringify(PRELUDE)}, "<frozen site>", "exec"), {"__builtins__": __builtins__, "__name__": "site", "_CFG": _j.loads(${JSON.stringify(JSON.stringify(cfg))})})`;
    const r = await cpy.execute(["-c", bootstrap], { ...ctx, stdin });
    return { ...r, stderr: cleanStderr(r.stderr) };
  });
}

/** What the runner itself says (a timeout, a failure to start) in CPython's or the kernel's words. */
function cleanStderr(text: string): string {
  return text
    .replace(/^python3: (?:Execution timeout|.*timed out).*$/gm, "Killed")
    .replace(/^python3: Failed to load CPython.*$/gm, "Segmentation fault")
    .replace(/\/tmp\/_jb_script\.py/g, "<string>");
}
