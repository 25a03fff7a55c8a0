import { closeSync, openSync, writeSync } from "node:fs";
import * as zlib from "node:zlib";

/**
 * A zip archive written entry by entry to a file (PKWARE APPNOTE 6.3): each entry deflated in memory with its
 * CRC-32 and sizes in the local header (no data descriptors, the most widely read layout), then the central
 * directory. ZIP64 records are added only when they are needed: more than 65,534 entries, or an archive past 4 GiB.
 * Names are UTF-8 (general purpose flag bit 11). One entry is held in memory at a time.
 */
export class ZipWriter {
  private readonly fd: number;
  private offset = 0;
  private readonly central: Buffer[] = [];
  private entries = 0;
  private closed = false;
  private readonly dosTime: number;
  private readonly dosDate: number;

  /** `modified` is the time every entry carries (the run's creation time keeps exports reproducible). */
  constructor(path: string, modified: Date = new Date()) {
    this.fd = openSync(path, "w");
    const d =
      Number.isNaN(modified.getTime()) || modified.getUTCFullYear() < 1980 ? new Date(Date.UTC(1980, 0, 1)) : modified;
    this.dosTime = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
    this.dosDate = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  }

  add(name: string, content: string | Buffer): void {
    if (this.closed) throw new Error("zip archive already closed");
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const compressed = zlib.deflateRawSync(data, { level: 6 });
    if (data.length >= 0xffffffff || compressed.length >= 0xffffffff) {
      throw new Error(`zip entry ${name} is larger than 4 GiB`);
    }
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(this.dosTime, 10);
    local.writeUInt16LE(this.dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const at = this.offset;
    this.write(local);
    this.write(nameBytes);
    this.write(compressed);

    const far = at >= 0xffffffff;
    const extra = far ? Buffer.alloc(12) : Buffer.alloc(0);
    if (far) {
      extra.writeUInt16LE(0x0001, 0); // ZIP64 extended information
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(at), 4);
    }
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE((3 << 8) | 45, 4); // made by: Unix, 4.5
    entry.writeUInt16LE(far ? 45 : 20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt16LE(this.dosTime, 12);
    entry.writeUInt16LE(this.dosDate, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(compressed.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt16LE(extra.length, 30);
    entry.writeUInt16LE(0, 32); // comment
    entry.writeUInt16LE(0, 34); // disk
    entry.writeUInt16LE(0, 36); // internal attributes
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    entry.writeUInt32LE(far ? 0xffffffff : at, 42);
    this.central.push(entry, nameBytes, extra);
    this.entries++;
  }

  /** Write the central directory and close the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      const start = this.offset;
      for (const part of this.central) this.write(part);
      const size = this.offset - start;
      const zip64 = this.entries >= 0xffff || start >= 0xffffffff || size >= 0xffffffff;
      if (zip64) {
        const record = Buffer.alloc(56);
        record.writeUInt32LE(0x06064b50, 0);
        record.writeBigUInt64LE(44n, 4); // size of the rest of the record
        record.writeUInt16LE((3 << 8) | 45, 12);
        record.writeUInt16LE(45, 14);
        record.writeUInt32LE(0, 16);
        record.writeUInt32LE(0, 20);
        record.writeBigUInt64LE(BigInt(this.entries), 24);
        record.writeBigUInt64LE(BigInt(this.entries), 32);
        record.writeBigUInt64LE(BigInt(size), 40);
        record.writeBigUInt64LE(BigInt(start), 48);
        const recordAt = this.offset;
        this.write(record);
        const locator = Buffer.alloc(20);
        locator.writeUInt32LE(0x07064b50, 0);
        locator.writeUInt32LE(0, 4);
        locator.writeBigUInt64LE(BigInt(recordAt), 8);
        locator.writeUInt32LE(1, 16);
        this.write(locator);
      }
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(0, 4);
      end.writeUInt16LE(0, 6);
      end.writeUInt16LE(zip64 ? 0xffff : this.entries, 8);
      end.writeUInt16LE(zip64 ? 0xffff : this.entries, 10);
      end.writeUInt32LE(zip64 ? 0xffffffff : size, 12);
      end.writeUInt32LE(zip64 ? 0xffffffff : start, 16);
      end.writeUInt16LE(0, 20);
      this.write(end);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Close the file without finishing the archive (after a failure; the caller removes it). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private write(buf: Buffer): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    this.offset += buf.length;
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** zlib's own CRC-32 where Node has it (20.15 and later), else the table below. */
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (ISO 3309, the zip and gzip checksum). */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : tableCrc32(data);
}

export function tableCrc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
