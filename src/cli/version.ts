import { readFileSync } from "node:fs";

/** The package's version, from its package.json (read when asked, so `--version` always says what is installed). */
export function peerbenchVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
