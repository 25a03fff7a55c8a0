import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Whether an output file the user named can be written, checked before any work: "directory" when the path is a
 * directory, the error that writing would meet (the nearest existing folder, which mkdir would extend, is not a
 * folder or not writable), or null when it can be written.
 */
export function outputFileProblem(file: string): "directory" | NodeJS.ErrnoException | null {
  const target = resolve(file);
  if (existsSync(target) && statSync(target).isDirectory()) return "directory";
  let dir = dirname(target);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}
