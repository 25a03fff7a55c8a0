import { describe, expect, it } from "vitest";
import { fileOperations, simpleCommands } from "../../src/harness/commands.js";

describe("file operations in command lines", () => {
  it("splits and unquotes like a shell", () => {
    expect(simpleCommands(`cp '/data/a b' "/data/c\\"d" && rm x; echo 'it'\\''s' | wc -l`)).toEqual([
      ["cp", "/data/a b", '/data/c"d'],
      ["rm", "x"],
      ["echo", "it's"],
      ["wc", "-l"],
    ]);
  });

  it("finds copies, moves and touches with absolute targets", () => {
    const dirs = new Set(["/data", "/home/agent/drive"]);
    const isDir = (p: string) => dirs.has(p);
    expect(fileOperations("cp -p /data/w.safetensors '/data/w copy.safetensors'", "/home/agent", isDir)).toEqual([
      { op: "copy", from: "/data/w.safetensors", path: "/data/w copy.safetensors" },
    ]);
    expect(fileOperations("sudo mv drive/a.md drive/b.md /data", "/home/agent", isDir)).toEqual([
      { op: "move", from: "/home/agent/drive/a.md", path: "/data/a.md" },
      { op: "move", from: "/home/agent/drive/b.md", path: "/data/b.md" },
    ]);
    expect(fileOperations("touch -d '2026-02-01' /data/w.safetensors && ls", "/home/agent", isDir)).toEqual([
      { op: "utimes", from: null, path: "/data/w.safetensors" },
    ]);
    expect(fileOperations("cat /data/w > /tmp/x; scp a b:/c", "/home/agent", isDir)).toEqual([]);
  });
});
