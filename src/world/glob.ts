/**
 * A shell pattern (fnmatch(3)) as a regular expression: `*`, `?`, bracket classes (`[!…]` negated) and, unless
 * `escapes` is off, backslash escapes. With `pathname`, `*` and `?` do not match `/` (FNM_PATHNAME: globs over
 * paths, rsync's --exclude); without it they match anything (find -name, ls -I). Shared by the shell's commands
 * and the detectors, which read queue entries as the servers' cleanup job does.
 */
export function globRegExp(glob: string, opts: { pathname?: boolean; escapes?: boolean; flags?: string } = {}): RegExp {
  const any = opts.pathname ? "[^/]" : ".";
  const escapes = opts.escapes ?? true;
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") re += `${any}*`;
    else if (c === "?") re += any;
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (escapes && c === "\\" && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, `s${opts.flags ?? ""}`);
}
