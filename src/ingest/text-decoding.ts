// Contact files as spreadsheets save them: bytes → text, decided while streaming.
//
// - A byte-order mark decides: UTF-8 (Excel "CSV UTF-8"), UTF-16 LE or BE (Excel "Unicode Text").
// - Without one the file is UTF-8, unless it is not valid UTF-8: when the first byte outside
//   ASCII does not start a valid UTF-8 sequence, everything before it was ASCII (the same in both)
//   and the file is read as Windows-1252 (Excel's plain "CSV" on Windows and Mac). A file whose
//   first non-ASCII character is valid UTF-8 but that later breaks UTF-8 mixes two encodings:
//   no reading of it is right, so it is refused.
// - NUL bytes without a UTF-16 byte-order mark mean UTF-16 without a BOM or a binary file;
//   a workbook (.xlsx is a zip, .xls an OLE file) is recognised by its first bytes.
// Output: text chunks (strings), whatever the encoding; the raw bytes are hashed upstream.
import { isAscii } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { type AppError, badRequest } from '../domain/errors.js';

export type FileEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

const invalidEncoding = (message: string) => badRequest('Invalid file encoding', message);

export const workbookRefused = (): AppError =>
  badRequest('Unsupported file type', 'This is an Excel workbook: save it as CSV');

const nulBytes = () =>
  invalidEncoding(
    'The file contains NUL bytes: it is not CSV text. Save it as CSV UTF-8 ' +
      '(or as UTF-16 "Unicode Text" with its byte-order mark)',
  );

const nulCharacter = () =>
  invalidEncoding('The file contains a NUL character, which no contact field may hold');

const MAGIC: ReadonlyArray<[bytes: number[], decide: FileEncoding | 'workbook']> = [
  [[0x50, 0x4b, 0x03, 0x04], 'workbook'], // zip: .xlsx, .ods
  [[0xd0, 0xcf, 0x11, 0xe0], 'workbook'], // OLE compound file: .xls
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];
const SNIFF_BYTES = 4;

/** Length of the UTF-8 sequence a lead byte starts; 0 when it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function firstNonAscii(chunk: Buffer): number {
  for (let i = 0; i < chunk.length; i++) if (chunk[i]! >= 0x80) return i;
  return -1;
}

export class TextDecoding extends Transform {
  /** Undecided until the first bytes (BOM, magic) and then the first non-ASCII byte are seen. */
  encoding: FileEncoding | undefined;
  private mode: 'sniff' | 'ascii' | 'decode' = 'sniff';
  private held: Buffer = Buffer.alloc(0);
  private decoder: TextDecoder | undefined;

  constructor() {
    super({ readableObjectMode: true });
  }

  private pushText(text: string): Error | undefined {
    if (text === '') return undefined;
    // Decoded text can hold U+0000 only from a UTF-16 file (other files' NUL bytes are refused
    // as bytes): no cell may hold it (PostgreSQL refuses it, and it separates cells in CsvTable).
    if (text.includes('\0')) return nulCharacter();
    this.push(text);
    return undefined;
  }

  private startDecoding(encoding: FileEncoding): void {
    this.encoding = encoding;
    this.mode = 'decode';
    this.decoder = new TextDecoder(encoding, {
      fatal: encoding !== 'windows-1252',
      ignoreBOM: true,
    });
  }

  private decode(bytes: Buffer, final: boolean): Error | undefined {
    if (this.encoding !== 'utf-16le' && this.encoding !== 'utf-16be' && bytes.includes(0)) {
      return nulBytes();
    }
    let text: string;
    try {
      text = this.decoder!.decode(bytes, { stream: !final });
    } catch {
      if (this.encoding === 'utf-8') {
        return invalidEncoding(
          final
            ? 'The file ends in the middle of a UTF-8 character'
            : 'The file mixes UTF-8 with another encoding (such as Windows-1252): save it again as CSV UTF-8',
        );
      }
      return invalidEncoding(
        `The file is not valid ${this.encoding === 'utf-16le' ? 'UTF-16 LE' : 'UTF-16 BE'} text: save it again as CSV UTF-8`,
      );
    }
    return this.pushText(text);
  }

  /** Bytes before any non-ASCII byte: pass through; the first non-ASCII byte decides. */
  private ascii(bytes: Buffer, final: boolean): Error | undefined {
    if (bytes.includes(0)) return nulBytes();
    if (isAscii(bytes)) return this.pushText(bytes.toString('latin1'));
    const at = firstNonAscii(bytes);
    const need = sequenceLength(bytes[at]!);
    if (need > 0 && bytes.length - at < need && !final) {
      // The sequence continues in the next chunk: decide then.
      const err = this.pushText(bytes.subarray(0, at).toString('latin1'));
      this.held = Buffer.from(bytes.subarray(at));
      return err;
    }
    const sequence = bytes.subarray(at, at + need);
    let utf8 = false;
    if (need > 0 && sequence.length === need) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(sequence);
        utf8 = true;
      } catch {
        // Overlong, surrogate or bad continuation bytes: not UTF-8.
      }
    }
    this.startDecoding(utf8 ? 'utf-8' : 'windows-1252');
    return this.decode(bytes, final);
  }

  private process(bytes: Buffer, final: boolean): Error | undefined {
    if (this.mode === 'sniff') {
      if (bytes.length < SNIFF_BYTES && !final) {
        this.held = bytes;
        return undefined;
      }
      this.mode = 'ascii';
      for (const [magic, decide] of MAGIC) {
        if (!magic.every((b, i) => bytes[i] === b)) continue;
        if (decide === 'workbook') return workbookRefused();
        this.startDecoding(decide);
        return this.decode(bytes.subarray(magic.length), final);
      }
    }
    return this.mode === 'decode' ? this.decode(bytes, final) : this.ascii(bytes, final);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    done(this.process(bytes, false));
  }

  override _flush(done: TransformCallback): void {
    const bytes = this.held;
    this.held = Buffer.alloc(0);
    if (this.mode === 'decode') done(this.decode(bytes, true));
    else done(bytes.length > 0 || this.mode === 'sniff' ? this.process(bytes, true) : undefined);
  }
}
