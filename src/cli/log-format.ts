// Log lines for a person at a terminal: time, level, message, then the fields as key=value.
// Pipes and files keep pino's JSON lines, which log collectors parse.

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

// Said by the time, level and message, or the same on every line of a process.
const HIDDEN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'v']);

const pad2 = (n: number) => String(n).padStart(2, '0');

function clock(time: unknown): string {
  if (typeof time !== 'number') return '--:--:--';
  const d = new Date(time);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

interface LoggedError {
  type?: string;
  message?: string;
  stack?: string;
}

/** One pino record (already redacted and serialised by pino) as a human-readable line. */
export function formatLogRecord(record: Record<string, unknown>): string {
  const level = LEVELS[record['level'] as number] ?? String(record['level']);
  const fields: string[] = [];
  let stack = '';
  for (const [key, v] of Object.entries(record)) {
    if (HIDDEN.has(key) || v === undefined) continue;
    if (key === 'err' && typeof v === 'object' && v !== null) {
      const err = v as LoggedError;
      fields.push(`err=${value(err.message ?? err.type ?? 'error')}`);
      if (err.stack) stack = `\n    ${err.stack.split('\n').join('\n    ')}`;
      continue;
    }
    fields.push(`${key}=${value(v)}`);
  }
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  return `${clock(record['time'])} ${level.padEnd(5)} ${[msg, ...fields].join(' ')}${stack}`;
}

/** A pino destination that writes formatted lines to `out`; a line that is not JSON passes as is. */
export function prettyDestination(out: { write(text: string): unknown }) {
  return {
    write(line: string) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      out.write(`${formatLogRecord(record as Record<string, unknown>)}\n`);
    },
  };
}
