import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { crc32, tableCrc32, ZipWriter } from "../../src/export/zip.js";

const root = mkdtempSync(join(tmpdir(), "pb-zip-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ZipWriter", () => {
  it("computes the zip CRC-32 (check value of the standard)", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    const sample = Buffer.from("an 820 GB checkpoint, every byte tool consistent ".repeat(999));
    expect(tableCrc32(sample)).toBe(crc32(sample));
    expect(tableCrc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });

  it("writes an archive another implementation reads back entry for entry (UTF-8 names, empty and large entries)", () => {
    const path = join(root, "a.zip");
    const big = "peer-preservation ".repeat(200_000);
    const zip = new ZipWriter(path, new Date("2026-11-26T22:00:00Z"));
    zip.add("header.json", '{"version":2}');
    zip.add("samples/ünïcode_epoch_1.json", "{}");
    zip.add("empty.txt", "");
    zip.add("big.txt", big);
    zip.close();
    const entries = unzipSync(new Uint8Array(readFileSync(path)));
    expect(Object.keys(entries)).toEqual(["header.json", "samples/ünïcode_epoch_1.json", "empty.txt", "big.txt"]);
    expect(Buffer.from(entries["header.json"]!).toString()).toBe('{"version":2}');
    expect(entries["empty.txt"]!.length).toBe(0);
    expect(Buffer.from(entries["big.txt"]!).toString()).toBe(big);
    expect(readFileSync(path).length).toBeLessThan(big.length / 50); // deflated
  });

  it("adds ZIP64 end records past 65,534 entries, and the archive still reads back whole", () => {
    const path = join(root, "many.zip");
    const zip = new ZipWriter(path);
    const n = 70_000;
    for (let i = 0; i < n; i++) zip.add(`samples/s${i}_epoch_1.json`, `{"i":${i}}`);
    zip.close();
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // ZIP64 end of central directory
    const entries = unzipSync(new Uint8Array(bytes));
    expect(Object.keys(entries).length).toBe(n);
    expect(Buffer.from(entries["samples/s69999_epoch_1.json"]!).toString()).toBe('{"i":69999}');
  });
});
