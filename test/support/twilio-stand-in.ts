import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

// A Twilio stand-in: a real listening HTTP server that answers the REST requests Outdial makes
// the way api.twilio.com does (Basic auth with AccountSid and AuthToken, Twilio's error bodies),
// and checks every request against Twilio's own API description (test/fixtures/twilio, Twilio's
// published OpenAPI, MIT) with a real JSON-Schema validator. A request Twilio would refuse is
// answered as Twilio would (400) and recorded in `violations`, which tests expect to stay empty.

const SPEC_FILE = new URL('../fixtures/twilio/twilio_api_v2010.json', import.meta.url);

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: object;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: object }> };
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

/** One operation of the description, compiled: its path as a pattern and its validators. */
interface CompiledOperation {
  method: string;
  template: string;
  pattern: RegExp;
  pathNames: string[];
  params: ValidateFunction;
  body?: ValidateFunction;
}

let compiled: CompiledOperation[] | undefined;

/** The description's operations (compiled once per test process: the file is 1.8 MB). */
function operations(): CompiledOperation[] {
  if (compiled) return compiled;
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
  // OpenAPI 3.0 keywords (nullable, example…) are not JSON Schema: strict mode off ignores them.
  const ajv = new Ajv({ strict: false, coerceTypes: true, allErrors: true });
  (ajvFormats as unknown as (a: Ajv) => void)(ajv);
  // Twilio's own formats: E.164 numbers (partial, with * wildcards, in list filters) and the
  // free-form ones its description names without defining.
  ajv.addFormat('phone-number', /^\+?[0-9*]{1,16}$/);
  ajv.addFormat('uri-template', true);
  ajv.addFormat('http-method', /^(GET|POST|get|post)$/);
  ajv.addSchema({ components: spec.components }, 'twilio');
  const fix = (schema: object) =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"twilio#/components/'));
  compiled = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const pathNames: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/\{(\w+)\}/g, (_m, name: string) => {
        pathNames.push(name);
        return '([^/]+)';
      })}$`,
    );
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'delete'].includes(method)) continue;
      const params = op.parameters ?? [];
      const paramSchema = {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name, fix(p.schema)])),
        required: params.filter((p) => p.required).map((p) => p.name),
        additionalProperties: false,
      };
      const form = op.requestBody?.content['application/x-www-form-urlencoded']?.schema;
      compiled.push({
        method: method.toUpperCase(),
        template,
        pattern,
        pathNames,
        params: ajv.compile(paramSchema),
        ...(form ? { body: ajv.compile({ ...fix(form), additionalProperties: false }) } : {}),
      });
    }
  }
  return compiled;
}

export interface StandInRequest {
  method: string;
  /** The description's path template, e.g. /2010-04-01/Accounts/{AccountSid}/Calls.json. */
  template: string;
  path: Record<string, string>;
  query: Record<string, string>;
  form: Record<string, string>;
}

export interface TwilioStandIn {
  /** Base URL for OUTDIAL_TWILIO_API_BASE_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Numbers the account owns (IncomingPhoneNumbers) and verified caller IDs. */
  incomingNumbers: Set<string>;
  callerIds: Set<string>;
  /** Every request that passed authentication, in order. */
  requests: StandInRequest[];
  /** Requests Twilio would refuse, and why. */
  violations: string[];
  /** Answers the next requests with Twilio's error `code` at HTTP `status`. */
  failNext(status: number, code: number, message: string, times?: number): void;
  close(): Promise<void>;
}

/** Twilio's error body (https://www.twilio.com/docs/usage/twilios-response). */
function twilioError(res: ServerResponse, status: number, code: number, message: string) {
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

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const readBody = (req: IncomingMessage) =>
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
function page(uri: string, key: string, items: object[], pageSize: number) {
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

const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

export async function startTwilioStandIn(
  opts: {
    accountSid?: string;
    authToken?: string;
    incomingNumbers?: string[];
    callerIds?: string[];
  } = {},
): Promise<TwilioStandIn> {
  const ops = operations();
  const accountSid = opts.accountSid ?? `AC${'a1'.repeat(16)}`;
  const authToken = opts.authToken ?? 'stand-in-auth-token-0123456789abcdef';
  const failures: Array<{ status: number; code: number; message: string }> = [];
  const state = {
    incomingNumbers: new Set(opts.incomingNumbers ?? []),
    callerIds: new Set(opts.callerIds ?? []),
    requests: [] as StandInRequest[],
    violations: [] as string[],
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (auth !== expected) {
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    const method = req.method ?? 'GET';
    const op = ops.find((o) => o.method === method && o.pattern.test(url.pathname));
    if (!op) return twilioError(res, 404, 20404, 'The requested resource was not found');
    const match = op.pattern.exec(url.pathname)!;
    const path = Object.fromEntries(
      op.pathNames.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]),
    );
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    const form = Object.fromEntries(new URLSearchParams(raw));
    const where = `${method} ${op.template}`;
    // Coercion rewrites its input: validate copies, keep what was sent.
    if (!op.params({ ...path, ...query })) {
      state.violations.push(`${where}: ${op.params.errors?.map((e) => e.message).join('; ')}`);
      return twilioError(res, 400, 20001, 'Invalid parameter');
    }
    if (method === 'POST' && op.body && !op.body({ ...form })) {
      state.violations.push(`${where} body: ${JSON.stringify(op.body.errors)}`);
      return twilioError(res, 400, 20001, 'Invalid parameter');
    }
    if (path['AccountSid'] !== undefined && path['AccountSid'] !== accountSid) {
      // Twilio answers another account's resources as forbidden to these credentials.
      return twilioError(res, 403, 20003, 'Authenticate');
    }
    state.requests.push({ method, template: op.template, path, query, form });
    const failure = failures.shift();
    if (failure) return twilioError(res, failure.status, failure.code, failure.message);

    const pageSize = Number(query['PageSize'] ?? 50);
    const listOf = (numbers: Set<string>, prefix: string) =>
      [...numbers]
        .filter((n) => query['PhoneNumber'] === undefined || n === query['PhoneNumber'])
        .map((n, i) => ({
          sid: sid(prefix, i + 1),
          account_sid: accountSid,
          phone_number: n,
          friendly_name: n,
        }));
    switch (op.template) {
      case '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json':
        return json(
          res,
          200,
          page(
            url.pathname,
            'incoming_phone_numbers',
            listOf(state.incomingNumbers, 'PN'),
            pageSize,
          ),
        );
      case '/2010-04-01/Accounts/{AccountSid}/OutgoingCallerIds.json':
        return json(
          res,
          200,
          page(url.pathname, 'outgoing_caller_ids', listOf(state.callerIds, 'PN'), pageSize),
        );
      default:
        return twilioError(res, 404, 20404, 'The requested resource was not found');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      state.violations.push(`stand-in failed: ${String(err)}`);
      if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    ...state,
    failNext(status, code, message, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status, code, message });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
