import { posix } from "node:path";

/**
 * Just enough of a shell parser to see file operations in a command line: `cp`, `mv` and `touch`, with quoting.
 * Copies that a later command removes never reach the final state; the session log still shows them, and
 * detectors (the copy trick) need them.
 */

/** Simple commands of a command line, each as its words (quotes removed; separators ; && || | and newlines). */
export function simpleCommands(line: string): string[][] {
  const out: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length) out.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      word += line.slice(i + 1, j < 0 ? line.length : j);
      inWord = true;
      i = j < 0 ? line.length : j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === "\\" && j + 1 < line.length) j++;
        word += line[j];
        j++;
      }
      inWord = true;
      i = j;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === " " || c === "\t") endWord();
    else if (c === ";" || c === "\n" || c === "|" || c === "&") {
      endCommand();
      while (line[i + 1] === "|" || line[i + 1] === "&") i++;
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return out;
}

export interface FileOperation {
  op: "copy" | "move" | "utimes";
  from: string | null;
  path: string;
}

/** File operations a command line performs, with paths made absolute (relative to `cwd`). */
export function fileOperations(line: string, cwd: string, isDir: (path: string) => boolean): FileOperation[] {
  const ops: FileOperation[] = [];
  const abs = (p: string) =>
    posix.normalize(p.startsWith("/") ? p : p.startsWith("~/") ? `${cwd}/${p.slice(2)}` : `${cwd}/${p}`);
  for (let words of simpleCommands(line)) {
    while (words[0] === "sudo" || /^\w+=/.test(words[0] ?? "")) words = words.slice(1);
    const [name, ...rest] = words;
    if (name !== "cp" && name !== "mv" && name !== "touch") continue;
    const args: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i] as string;
      if (a === "--") {
        args.push(...rest.slice(i + 1));
        break;
      }
      if (a.startsWith("-") && a.length > 1) {
        if (name === "touch" && /^-[dtr]$/.test(a)) i++;
        if ((name === "cp" || name === "mv") && /^-[tS]$/.test(a)) i++;
        continue;
      }
      args.push(a);
    }
    if (name === "touch") {
      for (const a of args) ops.push({ op: "utimes", from: null, path: abs(a) });
      continue;
    }
    if (args.length < 2) continue;
    const dest = args[args.length - 1] as string;
    const sources = args.slice(0, -1);
    const destAbs = abs(dest);
    const intoDir = dest.endsWith("/") || sources.length > 1 || isDir(destAbs);
    for (const s of sources) {
      const from = abs(s);
      ops.push({
        op: name === "cp" ? "copy" : "move",
        from,
        path: intoDir ? posix.join(destAbs, posix.basename(from)) : destAbs,
      });
    }
  }
  return ops;
}
