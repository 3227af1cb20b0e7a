// Reads one file out of a ZIP archive, with Node's zlib and the format's
// two directories (PKWARE APPNOTE 4.3): the end record says where the
// central directory is; its entry for the name says where the file's
// local header is and how it is stored. Enough for the small archives the
// server writes (stored or deflated, no ZIP64, no encryption).
import { inflateRawSync } from 'node:zlib';

const END = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The names the central directory lists, in order. */
export function zipNames(zip: Buffer): string[] {
  return entries(zip).map((e) => e.name);
}

/** The bytes of `name`, or null when the archive has no such file. */
export function zipFile(zip: Buffer, name: string): Buffer | null {
  const e = entries(zip).find((x) => x.name === name);
  if (!e) return null;
  if (zip.readUInt32LE(e.local) !== LOCAL) throw new Error(`no local header for ${name}`);
  const start = e.local + 30 + zip.readUInt16LE(e.local + 26) + zip.readUInt16LE(e.local + 28);
  const data = zip.subarray(start, start + e.size);
  if (e.method === 0) return Buffer.from(data);
  if (e.method === 8) return inflateRawSync(data);
  throw new Error(`${name} is stored with method ${e.method}`);
}

function entries(zip: Buffer) {
  // The end record is last, after an optional comment of up to 64 KiB.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a ZIP archive (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out: { name: string; method: number; size: number; local: number }[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error('damaged central directory');
    const nameLength = zip.readUInt16LE(at + 28);
    out.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      size: zip.readUInt32LE(at + 20),
      local: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}
