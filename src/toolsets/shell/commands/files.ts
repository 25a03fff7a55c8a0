import type { Command, CommandContext } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { errorCode, errorText, type FileInfo, type HostFs } from "../host-fs.js";
import { fail, getopt, ok, type Session } from "../session.js";
import { COREUTILS_VERSION, modeOf } from "./listing.js";

/** GNU's quoteaf() under a UTF-8 locale: 'name', or "name" when it holds a single quote. */
export function qa(name: string): string {
  if (!name.includes("'")) return `'${name}'`;
  if (!/["$`\\]/.test(name)) return `"${name}"`;
  return `'${name.replace(/'/g, "'\\''")}'`;
}
/** GNU's quote(): ‘name’. */
export function qu(name: string): string {
  return `‘${name}’`;
}

const TRY = (cmd: string) => `Try '${cmd} --help' for more information.\n`;

function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}
function baseName(p: string): string {
  const t = p.replace(/\/+$/, "");
  return t.slice(t.lastIndexOf("/") + 1) || "/";
}
function shownJoin(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

async function infoOrNull(fs: HostFs, path: string, follow: boolean): Promise<FileInfo | null> {
  try {
    return await fs.info(path, follow);
  } catch {
    return null;
  }
}

/** Answer to an -i prompt, read from stdin (no terminal: an empty stdin means no). */
function answers(ctx: CommandContext): () => boolean {
  const lines = latin1FromBytes(ctx.stdin).split("\n");
  let n = 0;
  return () => /^[yY]/.test(lines[n++] ?? "");
}

function describeKind(i: FileInfo): string {
  if (i.kind === "dir") return "directory";
  if (i.kind === "link") return "symbolic link";
  if (i.kind === "char") return "character special file";
  if (i.kind === "block") return "block special file";
  if (i.kind === "socket") return "socket";
  return i.size === 0 ? "regular empty file" : "regular file";
}

// --- rm, rmdir, mkdir

/** `rm` as GNU coreutils 9.1: per-entry errors, -r/-f/-d/-i/-v, the '/' and '.' safeguards. */
export function rmCommand(s: Session): Command {
  return defineCommand("rm", async (args, ctx) => {
    const o = getopt(args, {
      short: "fiIrRdv",
      long: {
        force: { key: "f" },
        interactive: { key: "i", optional: true },
        recursive: { key: "r" },
        dir: { key: "d" },
        verbose: { key: "v" },
        "one-file-system": { key: "x" },
        "no-preserve-root": { key: "npr" },
        "preserve-root": { key: "pr", optional: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`rm: ${o.error}\n${TRY("rm")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("rm"));
    const f = o.flags;
    const force = f.has("f") && !f.has("i");
    const recursive = f.has("r") || f.has("R");
    if (o.operands.length === 0) return force ? ok() : fail(`rm: missing operand\n${TRY("rm")}`);
    const ask = answers(ctx);
    const fs = s.fs;
    let stdout = "";
    let stderr = "";
    let failed = false;
    const remove = async (path: string, shown: string, info: FileInfo): Promise<boolean> => {
      if (info.kind === "dir") {
        if (!recursive && !f.has("d")) {
          stderr += `rm: cannot remove ${qa(shown)}: Is a directory\n`;
          return false;
        }
        if (recursive) {
          let names: string[];
          try {
            names = await fs.readdir(path);
          } catch (e) {
            // an unreadable directory can still go if it is empty; GNU tries the removal and reports it
            names = [];
            try {
              await fs.rm(path);
              if (f.has("v")) stdout += `removed directory ${qa(shown)}\n`;
              return true;
            } catch {
              stderr += `rm: cannot remove ${qa(shown)}: ${errorText(e)}\n`;
              return false;
            }
          }
          if (f.has("i")) {
            stderr += `rm: descend into directory ${qa(shown)}? `;
            if (!ask()) return false;
          }
          let all = true;
          for (const name of names) {
            const child = joinPath(path, name);
            const childShown = shownJoin(shown, name);
            const ci = await infoOrNull(fs, child, false);
            if (!ci) continue;
            if (!(await remove(child, childShown, ci))) all = false;
          }
          if (!all) return false;
        }
      }
      if (f.has("i")) {
        stderr += `rm: remove ${describeKind(info)} ${qa(shown)}? `;
        if (!ask()) return true;
      }
      try {
        await fs.rm(path);
        if (f.has("v")) stdout += info.kind === "dir" ? `removed directory ${qa(shown)}\n` : `removed ${qa(shown)}\n`;
        return true;
      } catch (e) {
        stderr += `rm: cannot remove ${qa(shown)}: ${errorText(e)}\n`;
        return false;
      }
    };
    for (const op of o.operands) {
      const bare = op.replace(/\/+$/, "");
      if (bare === "." || bare === ".." || bare.endsWith("/.") || bare.endsWith("/..")) {
        stderr += `rm: refusing to remove '.' or '..' directory: skipping ${qa(op)}\n`;
        failed = true;
        continue;
      }
      const path = fs.resolvePath(ctx.cwd, op);
      if (path === "/" && recursive && !f.has("npr")) {
        stderr +=
          "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n";
        failed = true;
        continue;
      }
      let info: FileInfo;
      try {
        info = await fs.info(path, false);
      } catch (e) {
        if (force && errorCode(e) === "ENOENT") continue;
        stderr += `rm: cannot remove ${qa(op)}: ${errorText(e)}\n`;
        failed = true;
        continue;
      }
      if (!(await remove(path, op, info))) failed = true;
    }
    return { stdout, stderr, exitCode: failed || stderr.includes("rm: cannot") ? 1 : 0 };
  });
}

export function rmdirCommand(s: Session): Command {
  return defineCommand("rmdir", async (args, ctx) => {
    const o = getopt(args, {
      short: "pv",
      long: {
        parents: { key: "p" },
        verbose: { key: "v" },
        "ignore-fail-on-non-empty": { key: "ignore" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`rmdir: ${o.error}\n${TRY("rmdir")}`);
    if (o.operands.length === 0) return fail(`rmdir: missing operand\n${TRY("rmdir")}`);
    let stdout = "";
    let stderr = "";
    for (const op of o.operands) {
      const chain = [op];
      if (o.flags.has("p")) {
        let cur = op.replace(/\/+$/, "");
        while (cur.includes("/")) {
          cur = cur.slice(0, cur.lastIndexOf("/"));
          if (cur) chain.push(cur);
        }
      }
      for (const d of chain) {
        const path = s.fs.resolvePath(ctx.cwd, d);
        try {
          const info = await s.fs.info(path, false);
          if (info.kind !== "dir") {
            stderr += `rmdir: failed to remove ${qa(d)}: Not a directory\n`;
            break;
          }
          await s.fs.rm(path);
          if (o.flags.has("v")) stdout += `rmdir: removing directory, ${qa(d)}\n`;
        } catch (e) {
          if (o.flags.has("ignore") && errorCode(e) === "ENOTEMPTY") break;
          stderr += `rmdir: failed to remove ${qa(d)}: ${errorText(e)}\n`;
          break;
        }
      }
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

/** Parse an octal or symbolic mode (chmod's grammar) into a function of the current mode. */
export function parseMode(spec: string, isDir: boolean, umask = 0o022): ((mode: number) => number) | null {
  if (/^[0-7]{1,4}$/.test(spec)) {
    const v = Number.parseInt(spec, 8);
    // like GNU, a directory keeps its set-user/group-ID bits unless the mode names them (5 digits or =)
    return (m) => (isDir && spec.length < 4 ? (v & 0o777) | (m & 0o6000) : v);
  }
  const clauses = spec.split(",");
  const steps: ((m: number) => number)[] = [];
  for (const clause of clauses) {
    const m = clause.match(/^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/);
    if (!m) return null;
    const who = m[1] ?? "";
    const masks =
      who === ""
        ? 0o7777
        : [...who].reduce((acc, w) => acc | ({ u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 }[w] ?? 0), 0);
    for (const op of (m[2] as string).match(/[-+=](?:[rwxXst]*|[ugo])/g) ?? []) {
      const action = op[0];
      const perms = op.slice(1);
      steps.push((cur) => {
        let bits = 0;
        if (/^[ugo]$/.test(perms)) {
          const src = { u: (cur >> 6) & 7, g: (cur >> 3) & 7, o: cur & 7 }[perms as "u" | "g" | "o"];
          bits = (src << 6) | (src << 3) | src;
        } else {
          for (const p of perms) {
            if (p === "r") bits |= 0o444;
            if (p === "w") bits |= 0o222;
            if (p === "x") bits |= 0o111;
            if (p === "X" && (isDir || cur & 0o111)) bits |= 0o111;
            if (p === "s") bits |= 0o6000;
            if (p === "t") bits |= 0o1000;
          }
        }
        let mask = masks;
        if (who === "") mask &= ~umask | 0o7000;
        bits &= mask;
        if (action === "+") return cur | bits;
        if (action === "-") return cur & ~bits;
        const clear = who === "" ? 0o7777 & ~(isDir ? 0o6000 : 0) : masks & ~(isDir ? 0o6000 : 0);
        return (cur & ~clear) | bits;
      });
    }
  }
  return (cur) => steps.reduce((m, step) => step(m), cur);
}

export function mkdirCommand(s: Session): Command {
  return defineCommand("mkdir", async (args, ctx) => {
    const o = getopt(args, {
      short: "pvZ",
      shortWithValue: "m",
      long: {
        parents: { key: "p" },
        verbose: { key: "v" },
        mode: { key: "m", value: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`mkdir: ${o.error}\n${TRY("mkdir")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("mkdir"));
    if (o.operands.length === 0) return fail(`mkdir: missing operand\n${TRY("mkdir")}`);
    const modeSpec = o.values.get("m")?.at(-1);
    const mode = modeSpec !== undefined ? parseMode(modeSpec, true) : null;
    if (modeSpec !== undefined && !mode) return fail(`mkdir: invalid mode ${qu(modeSpec)}\n`);
    let stdout = "";
    let stderr = "";
    const fs = s.fs;
    for (const op of o.operands) {
      const path = fs.resolvePath(ctx.cwd, op);
      const targets: [string, string][] = [];
      if (o.flags.has("p")) {
        const parts = op.replace(/\/+$/, "").split("/");
        let shown = "";
        for (const part of parts) {
          shown = shown === "" ? (part === "" ? "/" : part) : shown === "/" ? `/${part}` : `${shown}/${part}`;
          if (part === "" || part === ".") continue;
          targets.push([fs.resolvePath(ctx.cwd, shown), shown]);
        }
      } else targets.push([path, op]);
      for (const [p, shown] of targets) {
        const existing = await infoOrNull(fs, p, true);
        if (existing && o.flags.has("p")) {
          if (existing.kind !== "dir") {
            stderr += `mkdir: cannot create directory ${qu(shown)}: Not a directory\n`;
            break;
          }
          continue;
        }
        try {
          await fs.mkdir(p);
          if (mode) await fs.chmod(p, mode(0o755) & 0o7777);
          if (o.flags.has("v")) stdout += `mkdir: created directory ${qa(shown)}\n`;
        } catch (e) {
          stderr += `mkdir: cannot create directory ${qu(shown)}: ${errorText(e)}\n`;
          break;
        }
      }
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

// --- cp, mv, ln, install

interface CopyOptions {
  recursive: boolean;
  preserveTimes: boolean;
  preserveMode: boolean;
  preserveOwner: boolean;
  noClobber: boolean;
  update: boolean;
  verbose: boolean;
  interactive: boolean;
  link: "hard" | "soft" | null;
  dereference: boolean;
}

/** `cp` as GNU's: -r/-R/-a/-p/--preserve, -n, -u, -v, -i, -l, -s, -t, -T, the usual messages. */
export function cpCommand(s: Session): Command {
  return defineCommand("cp", async (args, ctx) => {
    const o = getopt(args, {
      short: "aRrpfinuvlsLPHdTbxZ",
      shortWithValue: "tS",
      long: {
        archive: { key: "a" },
        recursive: { key: "r" },
        force: { key: "f" },
        interactive: { key: "i" },
        "no-clobber": { key: "n" },
        update: { key: "u", optional: true },
        verbose: { key: "v" },
        link: { key: "l" },
        "symbolic-link": { key: "s" },
        dereference: { key: "L" },
        "no-dereference": { key: "P" },
        preserve: { key: "preserve", optional: true },
        "no-preserve": { key: "no-preserve", value: true },
        "target-directory": { key: "t", value: true },
        "no-target-directory": { key: "T" },
        parents: { key: "parents" },
        backup: { key: "b", optional: true },
        sparse: { key: "sparse", value: true },
        reflink: { key: "reflink", optional: true },
        "remove-destination": { key: "remove-destination" },
        "strip-trailing-slashes": { key: "strip" },
        "one-file-system": { key: "x" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`cp: ${o.error}\n${TRY("cp")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("cp"));
    const f = o.flags;
    const preserveList = o.values.get("preserve")?.at(-1) ?? (f.has("preserve") ? "mode,ownership,timestamps" : "");
    const all = f.has("a") || preserveList.includes("all");
    const opts: CopyOptions = {
      recursive: f.has("r") || f.has("R") || f.has("a"),
      preserveTimes: all || f.has("p") || preserveList.includes("timestamps"),
      preserveMode: all || f.has("p") || preserveList.includes("mode"),
      preserveOwner: all || f.has("p") || preserveList.includes("ownership"),
      noClobber: f.has("n"),
      update: f.has("u"),
      verbose: f.has("v"),
      interactive: f.has("i"),
      link: f.has("l") ? "hard" : f.has("s") ? "soft" : null,
      dereference: f.has("L") || (!f.has("a") && !f.has("P") && !f.has("d")),
    };
    return copyOrMove(s, ctx, "cp", o.operands, o.values.get("t")?.at(-1), f.has("T"), opts);
  });
}

export function mvCommand(s: Session): Command {
  return defineCommand("mv", async (args, ctx) => {
    const o = getopt(args, {
      short: "finuvTbZ",
      shortWithValue: "tS",
      long: {
        force: { key: "f" },
        interactive: { key: "i" },
        "no-clobber": { key: "n" },
        update: { key: "u", optional: true },
        verbose: { key: "v" },
        "target-directory": { key: "t", value: true },
        "no-target-directory": { key: "T" },
        backup: { key: "b", optional: true },
        "strip-trailing-slashes": { key: "strip" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`mv: ${o.error}\n${TRY("mv")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("mv"));
    const f = o.flags;
    const opts: CopyOptions = {
      recursive: true,
      preserveTimes: true,
      preserveMode: true,
      preserveOwner: true,
      noClobber: f.has("n"),
      update: f.has("u"),
      verbose: f.has("v"),
      interactive: f.has("i") && !f.has("f"),
      link: null,
      dereference: false,
    };
    return copyOrMove(s, ctx, "mv", o.operands, o.values.get("t")?.at(-1), f.has("T"), opts);
  });
}

async function copyOrMove(
  s: Session,
  ctx: CommandContext,
  cmd: "cp" | "mv",
  operands: string[],
  targetDir: string | undefined,
  noTargetDir: boolean,
  o: CopyOptions,
) {
  const fs = s.fs;
  const ops = [...operands];
  if (targetDir === undefined) {
    if (ops.length === 0) return fail(`${cmd}: missing file operand\n${TRY(cmd)}`);
    if (ops.length === 1)
      return fail(`${cmd}: missing destination file operand after ${qa(ops[0] as string)}\n${TRY(cmd)}`);
  } else if (ops.length === 0) return fail(`${cmd}: missing file operand\n${TRY(cmd)}`);
  const dest = targetDir ?? (ops.pop() as string);
  const destPath = fs.resolvePath(ctx.cwd, dest);
  const destInfo = await infoOrNull(fs, destPath, true);
  const intoDir = !noTargetDir && (targetDir !== undefined || destInfo?.kind === "dir");
  if (targetDir !== undefined && destInfo?.kind !== "dir") {
    return fail(
      destInfo
        ? `${cmd}: target ${qa(dest)} is not a directory\n`
        : `${cmd}: target directory ${qa(dest)}: No such file or directory\n`,
    );
  }
  if (ops.length > 1 && !intoDir) {
    if (!destInfo) return fail(`${cmd}: target ${qa(dest)}: No such file or directory\n`);
    return fail(`${cmd}: target ${qa(dest)} is not a directory\n`);
  }
  const ask = answers(ctx);
  let stdout = "";
  let stderr = "";
  const now = s.world.now();
  const copyOne = async (src: string, srcShown: string, to: string, toShown: string, top: boolean): Promise<void> => {
    let info: FileInfo;
    try {
      info = await fs.info(src, o.dereference || top);
    } catch (e) {
      stderr += `${cmd}: cannot stat ${qa(srcShown)}: ${errorText(e)}\n`;
      return;
    }
    const there = await infoOrNull(fs, to, false);
    if (there && there.path === info.path) {
      stderr += `${cmd}: ${qa(srcShown)} and ${qa(toShown)} are the same file\n`;
      return;
    }
    if (info.kind === "dir" && (to === info.path || to.startsWith(`${info.path}/`))) {
      stderr += `${cmd}: cannot ${cmd === "cp" ? "copy" : "move"} a directory, ${qa(srcShown)}, into itself, ${qa(toShown)}\n`;
      return;
    }
    if (there) {
      if (o.noClobber) return;
      if (o.update && there.mtime.getTime() >= info.mtime.getTime()) return;
      if (o.interactive) {
        stderr += `${cmd}: overwrite ${qa(toShown)}? `;
        if (!ask()) return;
      }
    }
    if (cmd === "mv") {
      if (there?.kind === "dir" && info.kind === "dir") {
        const names = await fs.readdir(to).catch(() => ["?"]);
        if (names.length > 0) {
          stderr += `mv: cannot move ${qa(srcShown)} to ${qa(toShown)}: Directory not empty\n`;
          return;
        }
      }
      if (there && there.kind === "dir" && info.kind !== "dir") {
        stderr += `mv: cannot overwrite directory ${qa(toShown)} with non-directory\n`;
        return;
      }
      if (there && there.kind !== "dir" && info.kind === "dir") {
        stderr += `mv: cannot overwrite non-directory ${qa(toShown)} with directory ${qa(srcShown)}\n`;
        return;
      }
      try {
        if (there?.kind === "dir") await fs.rm(to);
        await fs.mv(src, to);
        if (o.verbose) stdout += `renamed ${qa(srcShown)} -> ${qa(toShown)}\n`;
      } catch (e) {
        stderr += `mv: cannot move ${qa(srcShown)} to ${qa(toShown)}: ${errorText(e)}\n`;
      }
      return;
    }
    if (info.kind === "dir") {
      if (!o.recursive) {
        stderr += `cp: -r not specified; omitting directory ${qa(srcShown)}\n`;
        return;
      }
      let names: string[];
      try {
        names = await fs.readdir(src);
      } catch (e) {
        stderr += `cp: cannot access ${qa(srcShown)}: ${errorText(e)}\n`;
        return;
      }
      if (!there) {
        try {
          await fs.mkdir(to);
          if (o.verbose) stdout += `${qa(srcShown)} -> ${qa(toShown)}\n`;
        } catch (e) {
          stderr += `cp: cannot create directory ${qa(toShown)}: ${errorText(e)}\n`;
          return;
        }
      } else if (there.kind !== "dir") {
        stderr += `cp: cannot overwrite non-directory ${qa(toShown)} with directory ${qa(srcShown)}\n`;
        return;
      }
      for (const name of names)
        await copyOne(
          joinPath(src, name),
          shownJoin(srcShown, name),
          joinPath(to, name),
          shownJoin(toShown, name),
          false,
        );
      await finish(to, info);
      return;
    }
    try {
      if (o.link === "soft") await fs.symlink(srcShown.startsWith("/") ? srcShown : src, to);
      else if (o.link === "hard") await fs.link(src, to);
      else if (info.kind === "link" && !o.dereference) await fs.symlink(info.target ?? "", to);
      else await fs.cp(src, to);
    } catch (e) {
      const code = errorCode(e);
      const msg = (e as { path?: string }).path;
      if (code === "EACCES" && msg === info.path && !(await fs.access(src, 4)))
        stderr += `cp: cannot open ${qa(srcShown)} for reading: Permission denied\n`;
      else if (code === "ENOSPC") stderr += `cp: error writing ${qa(toShown)}: No space left on device\n`;
      else if (o.link === "hard")
        stderr += `cp: cannot create hard link ${qa(toShown)} to ${qa(srcShown)}: ${errorText(e)}\n`;
      else if (o.link === "soft")
        stderr += `cp: cannot create symbolic link ${qa(toShown)} to ${qa(srcShown)}: ${errorText(e)}\n`;
      else stderr += `cp: cannot create regular file ${qa(toShown)}: ${errorText(e)}\n`;
      return;
    }
    if (o.verbose) stdout += `${qa(srcShown)} -> ${qa(toShown)}\n`;
    if (!there) await finish(to, info);
    else if (o.preserveTimes) await fs.setTimes(to, info.mtime).catch(() => {});
  };
  const finish = async (to: string, info: FileInfo) => {
    // a copy gets the source's mode (less the umask), its owner only with -p as root, its time only with -p
    const mode = o.preserveMode ? info.mode & 0o7777 : info.mode & 0o777 & ~0o022;
    await fs.chmod(to, mode).catch(() => {});
    if (o.preserveOwner && s.user === "root") await fs.chown(to, info.owner, info.group).catch(() => {});
    else if (o.preserveOwner) await fs.chown(to, null, info.group).catch(() => {});
    if (o.preserveTimes) await fs.setTimes(to, info.mtime).catch(() => {});
    else if (info.kind === "dir") await fs.setTimes(to, now).catch(() => {});
  };
  for (const op of ops) {
    const src = fs.resolvePath(ctx.cwd, op);
    const to = intoDir ? joinPath(destPath, baseName(op)) : destPath;
    const toShown = intoDir ? shownJoin(dest, baseName(op)) : dest;
    await copyOne(src, op, to, toShown, true);
  }
  return { stdout, stderr, exitCode: stderr.includes(`${cmd}: `) ? 1 : 0 };
}

export function lnCommand(s: Session): Command {
  return defineCommand("ln", async (args, ctx) => {
    const o = getopt(args, {
      short: "sfnvrTLPbi",
      shortWithValue: "tS",
      long: {
        symbolic: { key: "s" },
        force: { key: "f" },
        "no-dereference": { key: "n" },
        verbose: { key: "v" },
        relative: { key: "r" },
        "target-directory": { key: "t", value: true },
        "no-target-directory": { key: "T" },
        interactive: { key: "i" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`ln: ${o.error}\n${TRY("ln")}`);
    if (o.operands.length === 0) return fail(`ln: missing file operand\n${TRY("ln")}`);
    const fs = s.fs;
    const soft = o.flags.has("s");
    const kind = soft ? "symbolic link" : "hard link";
    const ops = [...o.operands];
    let dest = o.values.get("t")?.at(-1);
    if (dest === undefined) dest = ops.length === 1 ? "." : (ops.pop() as string);
    const destPath = fs.resolvePath(ctx.cwd, dest);
    const destInfo = await infoOrNull(fs, destPath, !o.flags.has("n"));
    const intoDir = !o.flags.has("T") && destInfo?.kind === "dir";
    if (ops.length > 1 && !intoDir) return fail(`ln: target ${qa(dest)} is not a directory\n`);
    let stdout = "";
    let stderr = "";
    for (const op of ops) {
      const to = intoDir ? joinPath(destPath, baseName(op)) : destPath;
      const toShown = intoDir ? shownJoin(dest, baseName(op)) : dest;
      const src = fs.resolvePath(ctx.cwd, op);
      if (!soft && !(await infoOrNull(fs, src, false))) {
        stderr += `ln: failed to access ${qa(op)}: No such file or directory\n`;
        continue;
      }
      try {
        if (o.flags.has("f") && (await infoOrNull(fs, to, false))) await fs.rm(to);
        if (soft) await fs.symlink(op, to);
        else await fs.link(src, to);
        if (o.flags.has("v")) stdout += `${qa(toShown)} ${soft ? "->" : "=>"} ${qa(op)}\n`;
      } catch (e) {
        const link = ops.length === 1 && dest === "." ? "" : "";
        stderr +=
          soft || errorCode(e) === "EEXIST"
            ? `ln: failed to create ${kind} ${qa(toShown)}${link}: ${errorText(e)}\n`
            : `ln: failed to create hard link ${qa(toShown)} => ${qa(op)}: ${errorText(e)}\n`;
      }
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

export function installCommand(s: Session): Command {
  return defineCommand("install", async (args, ctx) => {
    const o = getopt(args, {
      short: "dDvpCcsb",
      shortWithValue: "mogtS",
      long: {
        directory: { key: "d" },
        mode: { key: "m", value: true },
        owner: { key: "o", value: true },
        group: { key: "g", value: true },
        verbose: { key: "v" },
        "preserve-timestamps": { key: "p" },
        "target-directory": { key: "t", value: true },
        "no-target-directory": { key: "T" },
        compare: { key: "C" },
        strip: { key: "s" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`install: ${o.error}\n${TRY("install")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("install"));
    const fs = s.fs;
    const modeSpec = o.values.get("m")?.at(-1) ?? "755";
    const modeFn = parseMode(modeSpec, false, 0);
    if (!modeFn) return fail(`install: invalid mode ${qu(modeSpec)}\n`);
    const owner = o.values.get("o")?.at(-1) ?? null;
    const group = o.values.get("g")?.at(-1) ?? null;
    const accounts = s.machines.accountsOf(s.host);
    if (owner !== null && !accounts.user(owner)) return fail(`install: invalid user ${qu(owner)}\n`);
    if (group !== null && !accounts.group(group)) return fail(`install: invalid group ${qu(group)}\n`);
    let stdout = "";
    let stderr = "";
    const setAttrs = async (p: string, shown: string) => {
      try {
        await fs.chmod(p, modeFn(0) & 0o7777);
        if (owner !== null || group !== null) await fs.chown(p, owner, group);
      } catch (e) {
        stderr += `install: cannot change ${owner !== null ? "ownership" : "permissions"} of ${qa(shown)}: ${errorText(e)}\n`;
      }
    };
    if (o.flags.has("d")) {
      if (o.operands.length === 0) return fail(`install: missing file operand\n${TRY("install")}`);
      for (const op of o.operands) {
        const p = fs.resolvePath(ctx.cwd, op);
        try {
          await fs.mkdir(p, { recursive: true });
          if (o.flags.has("v")) stdout += `install: creating directory ${qa(op)}\n`;
          await setAttrs(p, op);
        } catch (e) {
          stderr += `install: cannot create directory ${qa(op)}: ${errorText(e)}\n`;
        }
      }
      return { stdout, stderr, exitCode: stderr ? 1 : 0 };
    }
    const ops = [...o.operands];
    if (ops.length === 0) return fail(`install: missing file operand\n${TRY("install")}`);
    let dest = o.values.get("t")?.at(-1);
    if (dest === undefined) {
      if (ops.length === 1)
        return fail(`install: missing destination file operand after ${qa(ops[0] as string)}\n${TRY("install")}`);
      dest = ops.pop() as string;
    }
    const destPath = fs.resolvePath(ctx.cwd, dest);
    if (o.flags.has("D"))
      await fs
        .mkdir(ops.length > 1 ? destPath : destPath.slice(0, destPath.lastIndexOf("/")) || "/", { recursive: true })
        .catch(() => {});
    const intoDir = (await infoOrNull(fs, destPath, true))?.kind === "dir";
    if (ops.length > 1 && !intoDir) return fail(`install: target ${qa(dest)} is not a directory\n`);
    for (const op of ops) {
      const src = fs.resolvePath(ctx.cwd, op);
      const info = await infoOrNull(fs, src, true);
      if (!info) {
        stderr += `install: cannot stat ${qa(op)}: No such file or directory\n`;
        continue;
      }
      if (info.kind === "dir") {
        stderr += `install: omitting directory ${qa(op)}\n`;
        continue;
      }
      const to = intoDir ? joinPath(destPath, baseName(op)) : destPath;
      const toShown = intoDir ? shownJoin(dest, baseName(op)) : dest;
      try {
        if (await infoOrNull(fs, to, false)) await fs.rm(to);
        await fs.cp(src, to);
      } catch (e) {
        stderr += `install: cannot create regular file ${qa(toShown)}: ${errorText(e)}\n`;
        continue;
      }
      if (o.flags.has("v")) stdout += `${qa(op)} -> ${qa(toShown)}\n`;
      await setAttrs(to, toShown);
      if (o.flags.has("p")) await fs.setTimes(to, info.mtime).catch(() => {});
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

// --- chmod, chown, chgrp, chattr, lsattr

async function walkTree(
  fs: HostFs,
  path: string,
  shown: string,
  visit: (p: string, shown: string) => Promise<void>,
  errors: (msg: string) => void,
  cmd: string,
) {
  await visit(path, shown);
  const info = await infoOrNull(fs, path, false);
  if (info?.kind !== "dir") return;
  let names: string[];
  try {
    names = await fs.readdir(path);
  } catch (e) {
    errors(`${cmd}: cannot read directory ${qa(shown)}: ${errorText(e)}\n`);
    return;
  }
  for (const n of names) await walkTree(fs, joinPath(path, n), shownJoin(shown, n), visit, errors, cmd);
}

export function chmodCommand(s: Session): Command {
  return defineCommand("chmod", async (args, ctx) => {
    // a mode like -w or -x looks like an option: GNU accepts it as the mode
    const words = [...args];
    let modeWord: string | undefined;
    const idx = words.findIndex((w) => /^[-+=][rwxXst]+$/.test(w) || /^[ugoa]*[-+=]/.test(w));
    if (idx >= 0 && !words.slice(0, idx).some((w) => !w.startsWith("-"))) modeWord = words.splice(idx, 1)[0];
    const o = getopt(words, {
      short: "RvcfH",
      long: {
        recursive: { key: "R" },
        verbose: { key: "v" },
        changes: { key: "c" },
        silent: { key: "f" },
        quiet: { key: "f" },
        reference: { key: "reference", value: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`chmod: ${o.error}\n${TRY("chmod")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("chmod"));
    const ops = [...o.operands];
    const fs = s.fs;
    const ref = o.values.get("reference")?.at(-1);
    let spec: string | undefined = modeWord;
    if (ref === undefined && spec === undefined) spec = ops.shift();
    if (spec === undefined) return fail(`chmod: missing operand\n${TRY("chmod")}`);
    if (ops.length === 0) return fail(`chmod: missing operand after ${qu(spec)}\n${TRY("chmod")}`);
    let refMode: number | null = null;
    if (ref !== undefined) {
      const r = await infoOrNull(fs, fs.resolvePath(ctx.cwd, ref), true);
      if (!r) return fail(`chmod: failed to get attributes of ${qa(ref)}: No such file or directory\n`);
      refMode = r.mode & 0o7777;
    } else if (!parseMode(spec, false)) return fail(`chmod: invalid mode: ${qu(spec)}\n${TRY("chmod")}`);
    let stdout = "";
    let stderr = "";
    const apply = async (p: string, shown: string) => {
      let info: FileInfo;
      try {
        info = await fs.info(p, true);
      } catch (e) {
        stderr += `chmod: cannot access ${qa(shown)}: ${errorText(e)}\n`;
        return;
      }
      if (info.kind === "link") return;
      const next =
        refMode ?? (parseMode(spec as string, info.kind === "dir") as (m: number) => number)(info.mode & 0o7777);
      try {
        await fs.chmod(p, next);
        const changed = next !== (info.mode & 0o7777);
        const from = `${(info.mode & 0o7777).toString(8).padStart(4, "0")} (${modeOf(info).slice(1)})`;
        const to = `${next.toString(8).padStart(4, "0")} (${modeOf({ kind: info.kind, mode: next }).slice(1)})`;
        if (o.flags.has("v") || (o.flags.has("c") && changed))
          stdout += changed
            ? `mode of ${qa(shown)} changed from ${from} to ${to}\n`
            : `mode of ${qa(shown)} retained as ${from}\n`;
      } catch (e) {
        if (!o.flags.has("f")) stderr += `chmod: changing permissions of ${qa(shown)}: ${errorText(e)}\n`;
      }
    };
    for (const op of ops) {
      const p = fs.resolvePath(ctx.cwd, op);
      if (o.flags.has("R")) await walkTree(fs, p, op, apply, (m) => (stderr += m), "chmod");
      else await apply(p, op);
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

function chownFamily(s: Session, name: "chown" | "chgrp"): Command {
  return defineCommand(name, async (args, ctx) => {
    const o = getopt(args, {
      short: "RvcfhHLP",
      long: {
        recursive: { key: "R" },
        verbose: { key: "v" },
        changes: { key: "c" },
        silent: { key: "f" },
        quiet: { key: "f" },
        "no-dereference": { key: "h" },
        dereference: { key: "deref" },
        reference: { key: "reference", value: true },
        from: { key: "from", value: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`${name}: ${o.error}\n${TRY(name)}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION(name));
    const fs = s.fs;
    const accounts = s.machines.accountsOf(s.host);
    const ops = [...o.operands];
    let owner: string | null = null;
    let group: string | null = null;
    const ref = o.values.get("reference")?.at(-1);
    if (ref !== undefined) {
      const r = await infoOrNull(fs, fs.resolvePath(ctx.cwd, ref), true);
      if (!r) return fail(`${name}: failed to get attributes of ${qa(ref)}: No such file or directory\n`);
      owner = name === "chown" ? r.owner : null;
      group = r.group;
    } else {
      const spec = ops.shift();
      if (spec === undefined) return fail(`${name}: missing operand\n${TRY(name)}`);
      if (ops.length === 0) return fail(`${name}: missing operand after ${qu(spec)}\n${TRY(name)}`);
      if (name === "chgrp") {
        const g = /^\d+$/.test(spec) ? accounts.groupById(Number(spec)) : accounts.group(spec);
        if (!g) return fail(`chgrp: invalid group: ${qu(spec)}\n`);
        group = g.name;
      } else {
        const m = spec.match(/^([^:.]*)(?:[:.](.*))?$/s) as RegExpMatchArray;
        const u = m[1] ?? "";
        const g = m[2];
        if (u !== "") {
          const acc = /^\d+$/.test(u) ? accounts.userById(Number(u)) : accounts.user(u);
          if (!acc) return fail(`chown: invalid user: ${qu(spec)}\n`);
          owner = acc.name;
          if (g === "") group = accounts.groupById(acc.gid)?.name ?? null;
        }
        if (g !== undefined && g !== "") {
          const grp = /^\d+$/.test(g) ? accounts.groupById(Number(g)) : accounts.group(g);
          if (!grp) return fail(`chown: invalid group: ${qu(spec)}\n`);
          group = grp.name;
        }
      }
    }
    let stdout = "";
    let stderr = "";
    const apply = async (p: string, shown: string) => {
      let info: FileInfo;
      try {
        info = await fs.info(p, !o.flags.has("h"));
      } catch (e) {
        stderr += `${name}: cannot access ${qa(shown)}: ${errorText(e)}\n`;
        return;
      }
      try {
        await fs.chown(p, owner, group, !o.flags.has("h"));
        const changed = (owner !== null && owner !== info.owner) || (group !== null && group !== info.group);
        if (o.flags.has("v") || (o.flags.has("c") && changed)) {
          if (name === "chgrp" || owner === null)
            stdout += changed
              ? `changed group of ${qa(shown)} from ${info.group} to ${group}\n`
              : `group of ${qa(shown)} retained as ${info.group}\n`;
          else
            stdout += changed
              ? `changed ownership of ${qa(shown)} from ${info.owner}:${info.group} to ${owner}:${group ?? info.group}\n`
              : `ownership of ${qa(shown)} retained as ${info.owner}:${info.group}\n`;
        }
      } catch (e) {
        if (o.flags.has("f")) return;
        const what = name === "chgrp" || owner === null ? "group" : "ownership";
        stderr += `${name}: changing ${what} of ${qa(shown)}: ${errorText(e)}\n`;
      }
    };
    for (const op of ops) {
      const p = fs.resolvePath(ctx.cwd, op);
      if (o.flags.has("R")) await walkTree(fs, p, op, apply, (m) => (stderr += m), name);
      else await apply(p, op);
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

export function chownCommand(s: Session): Command {
  return chownFamily(s, "chown");
}
export function chgrpCommand(s: Session): Command {
  return chownFamily(s, "chgrp");
}

/** e2fsprogs' flag letters, in lsattr's order (Debian 12, e2fsprogs 1.47). */
const ATTR_ORDER = "suSDiadAcEjItTeCxFNPVm";

function attrString(info: FileInfo): string {
  let out = "";
  for (const c of ATTR_ORDER) {
    const on =
      (c === "a" && info.appendOnly) ||
      (c === "i" && info.immutable) ||
      (c === "e" && (info.kind === "file" || info.kind === "dir"));
    out += on ? c : "-";
  }
  return out;
}

function ext4(info: FileInfo): boolean {
  return !/^\/(proc|sys|dev|run)(\/|$)/.test(info.path) && (info.kind === "file" || info.kind === "dir");
}

export function lsattrCommand(s: Session): Command {
  return defineCommand("lsattr", async (args, ctx) => {
    const flags = args.filter((a) => a.startsWith("-") && a.length > 1).join("");
    const ops = args.filter((a) => !a.startsWith("-") || a === "-");
    for (const c of flags.replace(/-/g, ""))
      if (!"RVadlpv".includes(c))
        return fail(`lsattr: invalid option -- '${c}'\nUsage: lsattr [-RVadlpv] [files...]\n`);
    if (flags.includes("V")) return ok("lsattr 1.47.0 (5-Feb-2023)\n");
    const fs = s.fs;
    const dirOnly = flags.includes("d");
    const all = flags.includes("a");
    let stdout = "";
    let stderr = "";
    const line = async (p: string, shown: string) => {
      let info: FileInfo;
      try {
        info = await fs.info(p, false);
      } catch (e) {
        stderr += `lsattr: ${errorText(e)} While trying to stat ${shown}\n`;
        return;
      }
      if (info.kind === "link" || info.kind === "socket") return;
      if (!ext4(info)) {
        stderr += `lsattr: Inappropriate ioctl for device While reading flags on ${shown}\n`;
        return;
      }
      if (!(await fs.access(p, 4)) && info.kind !== "dir") {
        stderr += `lsattr: Permission denied While reading flags on ${shown}\n`;
        return;
      }
      stdout += `${attrString(info)} ${shown}\n`;
    };
    for (const op of ops.length ? ops : ["."]) {
      const p = fs.resolvePath(ctx.cwd, op);
      const info = await infoOrNull(fs, p, false);
      if (info?.kind === "dir" && !dirOnly) {
        let names: string[];
        try {
          names = await fs.readdir(p);
        } catch (e) {
          stderr += `lsattr: ${errorText(e)} While reading flags on ${op}\n`;
          continue;
        }
        for (const n of names) if (all || !n.startsWith(".")) await line(joinPath(p, n), shownJoin(op, n));
      } else await line(p, op);
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

export function chattrCommand(s: Session): Command {
  return defineCommand("chattr", async (args, ctx) => {
    const changes: { sign: string; letters: string }[] = [];
    const files: string[] = [];
    let recursive = false;
    for (const a of args) {
      if (/^[-+=][a-zA-Z]+$/.test(a) && (files.length === 0 || changes.length === 0)) {
        if (a === "-R") recursive = true;
        else if (a === "-V" || a === "-f") continue;
        else changes.push({ sign: a[0] as string, letters: a.slice(1) });
      } else files.push(a);
    }
    const usage = "Usage: chattr [-pRVf] [-+=aAcCdDeijPsStTuFx] [-v version] files...\n";
    if (changes.length === 0 || files.length === 0) return fail(usage);
    for (const c of changes)
      for (const l of c.letters)
        if (!"aAcCdDeijPsStTuFxm".includes(l)) return fail(`chattr: bad attribute: ${l}\n${usage}`);
    const fs = s.fs;
    let stderr = "";
    const apply = async (p: string, shown: string) => {
      const info = await infoOrNull(fs, p, true);
      if (!info) {
        stderr += `chattr: No such file or directory while trying to stat ${shown}\n`;
        return;
      }
      if (!ext4(info)) {
        stderr += `chattr: Inappropriate ioctl for device while reading flags on ${shown}\n`;
        return;
      }
      let appendOnly = info.appendOnly;
      let immutable = info.immutable;
      for (const c of changes) {
        if (c.sign === "=") {
          appendOnly = c.letters.includes("a");
          immutable = c.letters.includes("i");
        } else {
          if (c.letters.includes("a")) appendOnly = c.sign === "+";
          if (c.letters.includes("i")) immutable = c.sign === "+";
        }
      }
      try {
        await fs.setAttributes(p, { appendOnly, immutable });
      } catch (e) {
        stderr += `chattr: ${errorText(e)} while setting flags on ${shown}\n`;
      }
    };
    for (const f of files) {
      const p = fs.resolvePath(ctx.cwd, f);
      if (recursive) await walkTree(fs, p, f, apply, (m) => (stderr += m), "chattr");
      else await apply(p, f);
    }
    return { stdout: "", stderr, exitCode: stderr ? 1 : 0 };
  });
}

// --- realpath, readlink, tee

export function realpathCommand(s: Session): Command {
  return defineCommand("realpath", async (args, ctx) => {
    const o = getopt(args, {
      short: "emLPqsz",
      long: {
        "canonicalize-existing": { key: "e" },
        "canonicalize-missing": { key: "m" },
        logical: { key: "L" },
        physical: { key: "P" },
        quiet: { key: "q" },
        strip: { key: "s" },
        "no-symlinks": { key: "s" },
        zero: { key: "z" },
        "relative-to": { key: "relative-to", value: true },
        "relative-base": { key: "relative-base", value: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`realpath: ${o.error}\n${TRY("realpath")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("realpath"));
    if (o.operands.length === 0) return fail(`realpath: missing operand\n${TRY("realpath")}`);
    const fs = s.fs;
    const rel = o.values.get("relative-to")?.at(-1);
    const relBase = rel !== undefined ? await canonical(fs, fs.resolvePath(ctx.cwd, rel), "m") : null;
    let stdout = "";
    let stderr = "";
    const mode = o.flags.has("e") ? "e" : o.flags.has("m") ? "m" : "";
    for (const op of o.operands) {
      const p = fs.resolvePath(ctx.cwd, op);
      const out = o.flags.has("s") ? p : await canonical(fs, p, mode);
      if (out === null) {
        if (!o.flags.has("q")) stderr += `realpath: ${op}: No such file or directory\n`;
        continue;
      }
      stdout += `${relBase ? relative(relBase, out) : out}${o.flags.has("z") ? "\0" : "\n"}`;
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

/** Canonical form of `p`: "e" all must exist, "m" none need, "" all but the last must. Null when it cannot be. */
async function canonical(fs: HostFs, p: string, mode: "e" | "m" | ""): Promise<string | null> {
  try {
    return await fs.realpath(p);
  } catch {
    if (mode === "e") return null;
    const parent = p.slice(0, p.lastIndexOf("/")) || "/";
    const name = p.slice(p.lastIndexOf("/") + 1);
    if (mode === "m") {
      if (p === "/") return "/";
      const up = await canonical(fs, parent, "m");
      return up === null ? null : up === "/" ? `/${name}` : `${up}/${name}`;
    }
    try {
      const up = await fs.realpath(parent);
      return up === "/" ? `/${name}` : `${up}/${name}`;
    } catch {
      return null;
    }
  }
}

function relative(from: string, to: string): string {
  const a = from.split("/").filter(Boolean);
  const b = to.split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const out = [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
  return out || ".";
}

export function readlinkCommand(s: Session): Command {
  return defineCommand("readlink", async (args, ctx) => {
    const o = getopt(args, {
      short: "femnqsvz",
      long: {
        canonicalize: { key: "f" },
        "canonicalize-existing": { key: "e" },
        "canonicalize-missing": { key: "m" },
        "no-newline": { key: "n" },
        quiet: { key: "q" },
        silent: { key: "s" },
        verbose: { key: "v" },
        zero: { key: "z" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`readlink: ${o.error}\n${TRY("readlink")}`);
    if (o.operands.length === 0) return fail(`readlink: missing operand\n${TRY("readlink")}`);
    const fs = s.fs;
    let stdout = "";
    let stderr = "";
    let failed = false;
    const end = o.flags.has("z") ? "\0" : o.flags.has("n") && o.operands.length === 1 ? "" : "\n";
    for (const op of o.operands) {
      const p = fs.resolvePath(ctx.cwd, op);
      const f = o.flags;
      if (f.has("f") || f.has("e") || f.has("m")) {
        const out = await canonical(fs, p, f.has("e") ? "e" : f.has("m") ? "m" : "");
        if (out === null) {
          failed = true;
          if (f.has("v")) stderr += `readlink: ${op}: No such file or directory\n`;
          continue;
        }
        stdout += out + end;
        continue;
      }
      try {
        stdout += (await fs.readlink(p)) + end;
      } catch (e) {
        failed = true;
        if (f.has("v")) stderr += `readlink: ${op}: ${errorCode(e) === "EINVAL" ? "Invalid argument" : errorText(e)}\n`;
      }
    }
    return { stdout, stderr, exitCode: failed ? 1 : 0 };
  });
}

export function teeCommand(s: Session): Command {
  return defineCommand("tee", async (args, ctx) => {
    const o = getopt(args, {
      short: "aip",
      long: {
        append: { key: "a" },
        "ignore-interrupts": { key: "i" },
        "output-error": { key: "p", optional: true },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`tee: ${o.error}\n${TRY("tee")}`);
    if (o.flags.has("version")) return ok(COREUTILS_VERSION("tee"));
    const data = latin1FromBytes(ctx.stdin);
    let stderr = "";
    for (const op of o.operands) {
      const p = s.fs.resolvePath(ctx.cwd, op);
      try {
        if (o.flags.has("a")) await s.fs.appendFile(p, data, "binary");
        else await s.fs.writeFile(p, data, "binary");
      } catch (e) {
        stderr += `tee: ${op}: ${errorText(e)}\n`;
      }
    }
    return { stdout: data, stdoutKind: "bytes", stdoutEncoding: "binary", stderr, exitCode: stderr ? 1 : 0 };
  });
}
