import type { IncomingMessage, ServerResponse } from 'node:http';

// How Twilio's REST API speaks on the wire, for the stand-in: its error bodies, its list pages,
// its form bodies (arrays as repeated keys) and the limits it states only in prose.

/** Twilio's error body (https://www.twilio.com/docs/usage/twilios-response). */
export function twilioError(res: ServerResponse, status: number, code: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      code,
      message,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    }),
  );
}

export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });

/** One page of a list, as Twilio shapes it (the client reads the one non-meta key). */
export function page(uri: string, key: string, items: object[], pageSize: number) {
  return {
    [key]: items.slice(0, pageSize),
    uri,
    first_page_uri: uri,
    next_page_uri: null,
    previous_page_uri: null,
    page: 0,
    page_size: pageSize,
    start: 0,
    end: Math.max(0, Math.min(items.length, pageSize) - 1),
  };
}

export const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

/** Twilio's stated limit on the Twiml parameter (https://www.twilio.com/docs/voice/api/call-resource). */
export const TWIML_MAX_CHARS = 4_000;

/** Form fields, a repeated key as an array only where the description says array. */
export function formOf(raw: string, arrays: Set<string>, violations: string[], where: string) {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const had = out[k];
    if (arrays.has(k)) out[k] = [...((had as string[] | undefined) ?? []), v];
    else if (had === undefined) out[k] = v;
    else violations.push(`${where}: ${k} given twice`);
  }
  return out;
}

/** The rules Twilio states in prose rather than in its description. */
export function proseViolations(form: Record<string, string | string[]>): string[] {
  const out: string[] = [];
  const given = ['Url', 'Twiml', 'ApplicationSid'].filter((k) => form[k] !== undefined);
  if (given.length !== 1) out.push(`exactly one of Url, Twiml, ApplicationSid (got ${given})`);
  const twiml = form['Twiml'];
  if (typeof twiml === 'string' && twiml.length > TWIML_MAX_CHARS) {
    out.push(`Twiml is ${twiml.length} characters (at most ${TWIML_MAX_CHARS})`);
  }
  const asyncAmd = form['AsyncAmd'];
  if (asyncAmd !== undefined && form['MachineDetection'] === undefined) {
    out.push('AsyncAmd without MachineDetection');
  }
  return out;
}
