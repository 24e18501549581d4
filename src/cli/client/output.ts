// Where a client command writes, and for whom: on a terminal, text for a person (tables, summaries,
// the progress bar); piped, redirected or with --json, the API's JSON for a script. Errors always
// go to stderr.

export interface Output {
  /** stdout is a terminal. */
  readonly terminal: boolean;
  /** --json was asked for. */
  readonly json: boolean;
  /** Write for a person: a terminal, and no --json. */
  readonly human: boolean;
  /** The terminal's width (80 when unknown). */
  readonly columns: number;
  out(text: string): void;
  err(text: string): void;
}

export const DEFAULT_COLUMNS = 80;

export function processOutput(json: boolean): Output {
  const terminal = process.stdout.isTTY === true;
  return {
    terminal,
    json,
    human: terminal && !json,
    // A getter: the terminal may be resized while a batch is followed.
    get columns() {
      return process.stdout.columns || DEFAULT_COLUMNS;
    },
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** The API's answer as received, one JSON document per line. */
export const jsonLine = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
