// `--column-map`: the API's JSON object as is, or the shell-friendly `phone_number=Mobile,first_name=Vorname`.
import { UsageError } from './client-error.js';

const EXAMPLE = 'phone_number=Mobile,first_name=Vorname';

/** The `columnMap` field to send: JSON text. The server checks the names against the file. */
export function columnMapField(raw: string): string {
  const text = raw.trim();
  if (text.startsWith('{')) return text;
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const variable = pair.slice(0, eq).trim();
    const header = pair.slice(eq + 1).trim();
    if (eq < 0 || variable === '' || header === '') {
      throw new UsageError(
        `--column-map takes variable=Header pairs such as ${EXAMPLE}, or a JSON object; ` +
          `"${pair.trim()}" is not one`,
      );
    }
    map[variable] = header;
  }
  return JSON.stringify(map);
}
