// The CSV grammar of uploads, read from decoded text chunks, one record at a time.
//
// It reads files exactly as csv-parse did with the options uploads used (bom, trim, relax_quotes,
// relax_column_count, skip_empty_lines; test/ingest/csv-tokenizer.test.ts compares the two on
// generated files), but allocates little besides the cells: csv-parse allocated about 35 bytes
// per byte of input, and what survived a young-generation collection made up most of the memory
// a 20 MB upload took.
//
// The rules, as csv-parse applies them:
// - The record delimiter is the first line break outside quotes: \r\n, \n or \r. Another kind of
//   line break later is an ordinary character (trimmed at a field's edges).
// - Spaces, tabs, form feeds and line breaks before a field are skipped; an unquoted field loses
//   trailing whitespace (String.prototype.trimEnd); a quoted field keeps its content as is.
// - A quote opens a quoted field only as the field's first character; elsewhere it is text.
//   Inside quotes, "" is one quote. After the closing quote only skippable characters may come
//   before the delimiter or the line break.
// - A line with nothing but skippable characters is skipped.
// Lines are physical: \r\n, \r and \n each end one, inside quotes too.

export type CsvSyntaxProblem = 'unclosed_quote' | 'text_after_quote';

export class CsvSyntaxError extends Error {
  constructor(
    readonly problem: CsvSyntaxProblem,
    /** The 1-based line the broken record starts on. */
    readonly line: number,
  ) {
    super(`${problem} in the record starting at line ${line}`);
  }
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BOM = '\uFEFF';

/** Skipped before a field and after a closing quote. */
const isSkippable = (c: number) => c === 0x20 || c === 0x09 || c === 0x0c || c === CR || c === LF;

enum State {
  /** Before a field: nothing of it read yet. */
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: an escaped quote or the closing one, decided by the next. */
  QuoteSeen,
  /** After the closing quote, before the delimiter or the line break. */
  AfterQuote,
  /**
   * An empty quoted field's quotes opened again ("" "" reads as one empty field): only skippable
   * characters may come before the next closing quote.
   */
  Reopened,
  ReopenedQuoteSeen,
}

enum Delim {
  Unknown,
  Lf,
  CrLf,
  Cr,
}

export class CsvTokenizer {
  private state = State.FieldStart;
  private recordDelimiter = Delim.Unknown;
  /** The current record's finished fields; handed to onRecord, then reused. */
  private readonly cells: string[] = [];
  /** What the current field holds from earlier chunks. */
  private field = '';
  private line = 1;
  /** The line the current record starts on; 0 before it starts. */
  private recordLine = 0;
  /** A \r at the end of a chunk, kept until the next shows whether a \n follows. */
  private heldCr = false;
  private first = true;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    private readonly onRecord: (cells: string[], line: number) => void,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(chunk: string): void {
    let text = this.heldCr ? `\r${chunk}` : chunk;
    this.heldCr = false;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.startsWith(BOM)) text = text.slice(1);
    }
    if (text.charCodeAt(text.length - 1) === CR) {
      this.heldCr = true;
      text = text.slice(0, -1);
    }
    this.scan(text);
  }

  end(): void {
    if (this.heldCr) {
      this.heldCr = false;
      this.scan('\r');
    }
    switch (this.state) {
      case State.Quoted:
      case State.Reopened:
        throw new CsvSyntaxError('unclosed_quote', this.recordLine);
      case State.FieldStart:
        if (this.cells.length > 0) this.finishRecord('');
        break;
      case State.Unquoted:
        this.finishRecord(this.field.trimEnd());
        break;
      case State.QuoteSeen:
      case State.AfterQuote:
      case State.ReopenedQuoteSeen:
        this.finishRecord(this.field);
        break;
    }
  }

  /** Whether the line break at text[i] ends records; discovers the record delimiter. */
  private isRecordEnd(text: string, i: number): boolean {
    const c = text.charCodeAt(i);
    // push() holds a chunk's last \r back, so a \r is last only at the end of the input.
    const crLf = c === CR && text.charCodeAt(i + 1) === LF;
    if (this.recordDelimiter === Delim.Unknown) {
      this.recordDelimiter = crLf ? Delim.CrLf : c === LF ? Delim.Lf : Delim.Cr;
    }
    switch (this.recordDelimiter) {
      case Delim.Lf:
        return c === LF;
      case Delim.Cr:
        return c === CR;
      default:
        return crLf;
    }
  }

  private finishField(value: string): void {
    this.cells.push(value);
    this.field = '';
  }

  private finishRecord(value: string): void {
    this.cells.push(value);
    this.field = '';
    this.state = State.FieldStart;
    const line = this.recordLine;
    this.recordLine = 0;
    try {
      this.onRecord(this.cells, line);
    } finally {
      this.cells.length = 0;
    }
  }

  private startRecord(): void {
    if (this.recordLine === 0) this.recordLine = this.line;
  }

  /** Counts the record delimiter at text[i] as a line break; returns the index just past it. */
  private pastRecordEnd(text: string, i: number): number {
    this.countBreak(text, i);
    return this.recordDelimiter === Delim.CrLf ? i + 2 : i + 1;
  }

  /** Counts the line break at text[i] (a \n right after a \r belongs to it). */
  private countBreak(text: string, i: number): void {
    const c = text.charCodeAt(i);
    if (c === CR || (c === LF && (i === 0 || text.charCodeAt(i - 1) !== CR))) this.line++;
  }

  private scan(text: string): void {
    const d = this.delimiter;
    const n = text.length;
    // Where the current field's text starts in this chunk (unquoted and quoted states).
    let from = 0;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.FieldStart: {
          if (c === QUOTE) {
            this.startRecord();
            this.state = State.Quoted;
            from = i + 1;
          } else if ((c === CR || c === LF) && this.isRecordEnd(text, i)) {
            // Nothing in the record yet: an empty line, skipped.
            if (this.cells.length > 0) this.finishRecord('');
            i = this.pastRecordEnd(text, i) - 1;
          } else if (c === d) {
            this.startRecord();
            this.finishField('');
          } else if (isSkippable(c)) {
            this.countBreak(text, i);
          } else {
            this.startRecord();
            this.state = State.Unquoted;
            from = i;
          }
          i++;
          break;
        }
        case State.Unquoted: {
          // Runs of ordinary characters are taken whole.
          let j = i;
          let k = text.charCodeAt(j);
          while (k !== d && k !== CR && k !== LF) {
            if (++j === n) break;
            k = text.charCodeAt(j);
          }
          if (j === n) {
            i = n;
            break;
          }
          if (k === d) {
            this.finishField((this.field + text.slice(from, j)).trimEnd());
            this.state = State.FieldStart;
            i = j + 1;
          } else if (this.isRecordEnd(text, j)) {
            this.finishRecord((this.field + text.slice(from, j)).trimEnd());
            i = this.pastRecordEnd(text, j);
          } else {
            // A line break of another kind than the record delimiter: text of the field.
            this.countBreak(text, j);
            i = j + 1;
          }
          break;
        }
        case State.Quoted: {
          let j = i;
          while (j < n) {
            const k = text.charCodeAt(j);
            if (k === QUOTE) break;
            if (k === CR || k === LF) this.countBreak(text, j);
            j++;
          }
          if (j === n) {
            i = n;
            break;
          }
          this.field += text.slice(from, j);
          this.state = State.QuoteSeen;
          i = j + 1;
          break;
        }
        case State.QuoteSeen: {
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            i++;
            from = i;
          } else {
            // Anything but a delimiter, a line break or a skippable character is refused there.
            this.state = State.AfterQuote;
          }
          break;
        }
        case State.AfterQuote: {
          if ((c === CR || c === LF) && this.isRecordEnd(text, i)) {
            this.finishRecord(this.field);
            i = this.pastRecordEnd(text, i) - 1;
          } else if (c === d) {
            this.finishField(this.field);
            this.state = State.FieldStart;
          } else if (isSkippable(c)) {
            this.countBreak(text, i);
          } else if (c === QUOTE && this.field === '') {
            this.state = State.Reopened;
          } else {
            throw new CsvSyntaxError('text_after_quote', this.recordLine);
          }
          i++;
          break;
        }
        case State.Reopened: {
          if (c === QUOTE) this.state = State.ReopenedQuoteSeen;
          else if (isSkippable(c)) this.countBreak(text, i);
          else throw new CsvSyntaxError('text_after_quote', this.recordLine);
          i++;
          break;
        }
        case State.ReopenedQuoteSeen: {
          if (c === QUOTE) throw new CsvSyntaxError('text_after_quote', this.recordLine);
          this.state = State.AfterQuote;
          break;
        }
      }
    }
    // The chunk ended inside a field: what it holds of it waits for the rest.
    if (this.state === State.Unquoted || this.state === State.Quoted) {
      this.field += text.slice(from, n);
    }
  }
}
