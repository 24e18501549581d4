import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import {
  anyString,
  contentType,
  type FieldSpec,
  fileContent,
  jsonNumber,
  jsonObjectBody,
  jsonString,
  jsonValue,
  notAnObjectBody,
  oneOfJson,
  phoneCell,
  simulatorPhones,
  taintedString,
} from './fuzz-arbitraries.js';

// Whole fuzzed requests: bodies of the upload routes (§1, §11, §12) as JSON or multipart, and how
// a request is described in a failure message.

export type Request = InjectOptions & { url: string };

/** A JSON body with a content type: usually JSON, sometimes another or none. */
export const jsonRequest = (body: fc.Arbitrary<string>) =>
  fc.record({ body, type: contentType }).map(({ body: payload, type }) => ({
    payload,
    headers: type === undefined ? {} : ({ 'content-type': type } as Record<string, string>),
  }));

export interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: string | Uint8Array;
}

export const BOUNDARY = 'outdialfuzz7MA4YWxkTrZu0gW';
export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** A multipart body exactly as given, names and all, however broken they are. */
export function multipartBody(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    const type = p.type === undefined ? '' : `\r\nContent-Type: ${p.type}`;
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${file}${type}\r\n\r\n`,
      ),
      Buffer.from(p.content),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

/** What was sent, cut short, for failure messages. */
export function describeSent(o: Request): string {
  const payload = o.payload;
  const text =
    payload === undefined
      ? ''
      : Buffer.isBuffer(payload)
        ? payload.toString('utf8')
        : typeof payload === 'string'
          ? payload
          : JSON.stringify(payload);
  return `${o.method} ${o.url.slice(0, 300)} ${JSON.stringify(o.headers ?? {})}\n${text.slice(0, 800)}`;
}

// §1's options: valid values, and the ones each must refuse.
const FUTURE = '2030-01-05T09:00:00Z';
const SMART = { enabled: true, maxAttempts: 3, gaps: [{ days: 0, hours: 2 }] };
const WINDOW = { timezone: 'recipient', days: [1, 2, 3, 4, 5], start: '09:00', end: '20:00' };

/** The `recipients` of a JSON upload: valid ones (distinct simulator numbers), or anything. */
const recipients: FieldSpec = {
  required: true,
  valid: fc
    .tuple(
      simulatorPhones(6),
      fc.array(fc.string({ unit: 'grapheme', maxLength: 10 }), { minLength: 6, maxLength: 6 }),
    )
    .map(([phones, names]) =>
      JSON.stringify(phones.map((p, i) => ({ phone_number: p, first_name: names[i], visits: i }))),
    ),
  hostile: fc
    .array(
      fc.tuple(
        fc.oneof(
          phoneCell.map((p) => JSON.stringify(p)),
          jsonNumber,
          jsonValue,
        ),
        fc.array(
          fc.tuple(
            fc.oneof(oneOfJson('first_name', 'plan', '__proto__', ''), jsonString, taintedString),
            fc.oneof(jsonString, jsonNumber, oneOfJson(true, null), jsonValue, taintedString),
          ),
          { maxLength: 3 },
        ),
        fc.boolean(),
      ),
      { maxLength: 6 },
    )
    .map(
      (rs) =>
        `[${rs
          .map(([phone, others, withPhone]) => {
            const entries = others.map(([k, v]) => `${k}:${v}`);
            if (withPhone) entries.unshift(`"phone_number":${phone}`);
            return `{${entries.join(',')}}`;
          })
          .join(',')}]`,
    ),
};

/** §1's fields as a JSON body takes them (options as JSON values or strings). */
export function batchFields(agentIds: {
  valid: string;
  others: string[];
}): Record<string, FieldSpec> {
  return {
    agentId: {
      required: true,
      valid: oneOfJson(agentIds.valid),
      // Another workspace's agent, one that never existed, ids the database cannot compare.
      hostile: fc.oneof(
        oneOfJson(...agentIds.others, `${agentIds.valid}\u0000`, `\uD800${agentIds.valid}`),
        jsonString,
      ),
    },
    recipients,
    scheduledAt: { valid: oneOfJson(FUTURE), hostile: jsonString },
    smartCallbackConfig: { valid: oneOfJson(SMART, JSON.stringify(SMART), { enabled: false }) },
    name: {
      valid: oneOfJson('Fuzz batch', 'Zoë’s batch 🤖'),
      hostile: fc.oneof(jsonString, taintedString, oneOfJson('n'.repeat(201))),
    },
    maxConcurrency: {
      valid: fc.oneof(fc.integer({ min: 1, max: 50 }).map(String), oneOfJson('3')),
      hostile: jsonNumber,
    },
    callingWindow: {
      valid: oneOfJson(WINDOW, JSON.stringify(WINDOW)),
      hostile: oneOfJson({ timezone: 'Etc/GMT+13' }, { days: [] }),
    },
    skipInvalidRows: { valid: oneOfJson(true, false, 'true'), hostile: oneOfJson('yes', 1) },
    defaultCountry: { valid: oneOfJson('US', 'gb'), hostile: jsonString },
  };
}

export const batchJsonBody = (agentIds: { valid: string; others: string[] }) =>
  fc.oneof(
    { arbitrary: jsonObjectBody(batchFields(agentIds)), weight: 9 },
    { arbitrary: notAnObjectBody, weight: 1 },
  );

/** The same options as multipart text fields: valid text, or any text. */
const OPTION_TEXT: Record<string, string[]> = {
  scheduledAt: [FUTURE],
  smartCallbackConfig: [JSON.stringify(SMART)],
  callingWindow: [JSON.stringify(WINDOW)],
  name: ['Fuzz batch'],
  maxConcurrency: ['3'],
  skipInvalidRows: ['true', 'false'],
  defaultCountry: ['US'],
};

const optionPart: fc.Arbitrary<Part> = fc
  .tuple(
    fc.constantFrom(...Object.keys(OPTION_TEXT)),
    fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.oneof(anyString, jsonValue, fc.constant('n\u0000')), weight: 1 },
    ),
    fc.nat(),
  )
  .map(([name, spoilt, i]) => {
    const valid = OPTION_TEXT[name]!;
    return { name, content: spoilt ?? valid[i % valid.length]! };
  });

const filePart = fc.record({
  name: fc.oneof(
    { arbitrary: fc.constant('file'), weight: 10 },
    { arbitrary: fc.constantFrom('File', 'csv', 'file[]', ''), weight: 1 },
  ),
  filename: fc.option(fc.constantFrom('contacts.csv', '', 'a"b.csv', '../../x.csv', 'ü.csv'), {
    nil: undefined,
    freq: 8,
  }),
  type: fc.option(
    fc.constantFrom(
      'text/csv',
      'application/json',
      'application/octet-stream',
      'text/csv; charset=utf-16',
    ),
    { nil: undefined, freq: 6 },
  ),
  content: fileContent,
});

/** `arb` in about one run of ten, else null. (fc.option's `freq` is the other way round.) */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: arb, weight: 1 });

/** The parts of a multipart upload: usually a valid agent and file, options valid or not, extras. */
export function multipartParts(agentIds: {
  valid: string;
  others: string[];
}): fc.Arbitrary<Part[]> {
  return fc
    .record({
      agentId: fc.oneof(
        { arbitrary: fc.constant<string | null>(agentIds.valid), weight: 8 },
        {
          arbitrary: fc.constantFrom<string | null>(
            null,
            ...agentIds.others,
            `${agentIds.valid}\u0000`,
          ),
          weight: 2,
        },
        { arbitrary: anyString, weight: 1 },
      ),
      options: fc.uniqueArray(optionPart, { maxLength: 4, selector: (p) => p.name }),
      extras: fc.oneof(
        { arbitrary: fc.constant([] as Part[]), weight: 4 },
        {
          arbitrary: fc.array(
            fc.record({
              name: fc.oneof(
                fc.constantFrom('__proto__', 'constructor', 'recipients', ''),
                anyString.filter((x) => x.length < 50),
              ),
              content: anyString,
            }),
            { minLength: 1, maxLength: 2 },
          ),
          weight: 1,
        },
      ),
      file: fc.option(filePart, { freq: 12 }),
      second: rarely(filePart),
      fileFirst: fc.boolean(),
      tooManyFields: rarely(fc.constant(true)),
    })
    .map((r) => {
      const fields: Part[] = [];
      if (r.agentId !== null) fields.push({ name: 'agentId', content: r.agentId });
      fields.push(...r.options, ...r.extras);
      if (r.tooManyFields) {
        for (let i = 0; i < 25; i++) fields.push({ name: `extra${i}`, content: 'x' });
      }
      const files = [r.file, r.second].flatMap((f) =>
        f === null
          ? []
          : [
              {
                name: f.name,
                filename: f.filename ?? 'contacts.csv',
                content: f.content,
                ...(f.type ? { type: f.type } : {}),
              },
            ],
      );
      return r.fileFirst ? [...files, ...fields] : [...fields, ...files];
    });
}
