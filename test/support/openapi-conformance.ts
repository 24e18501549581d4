import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { API_PREFIXES } from '../../src/http/app.js';
import { resolvePointer, toJsonSchema } from './openapi-schema.js';

// Checks an answer of the app against the OpenAPI document it serves, as a conformance tool
// would: the operation its method and path name, a status that operation documents, a content
// type documented for that status, and a body (and documented headers) valid against the
// schema documented for both. Anything the document does not describe is a problem.

type Json = Record<string, any>;

// ajv-formats is CommonJS: its default export is the module object under NodeNext typing.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

interface PathMatcher {
  path: string;
  pattern: RegExp;
  /** Segments without a parameter: concrete paths win over templated ones (OpenAPI 3.0). */
  literals: number;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

function matcherOf(path: string): PathMatcher {
  const segments = path.split('/');
  // A parameter may be empty, as in the router: DELETE …/contacts/ reaches {phone} as ''.
  const pattern = segments
    .map((seg) =>
      seg
        .split(/\{[^}]+\}/)
        .map(escapeRegExp)
        .join('[^/]*'),
    )
    .join('/');
  return {
    path,
    pattern: new RegExp(`^${pattern}$`),
    literals: segments.filter((seg) => !seg.includes('{')).length,
  };
}

const mediaTypeOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();
const isJsonMedia = (type: string) => type === 'application/json' || type.endsWith('+json');

export class ResponseConformance {
  /** Answers checked so far (by this object, across every app using it). */
  checked = 0;
  private readonly ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly matchers: PathMatcher[];

  /**
   * `prefixes`: the API prefixes, primary first. The document lists each operation under the
   * primary one only; the others serve the same routes, so their answers are checked there.
   */
  constructor(
    readonly doc: Json,
    readonly prefixes: readonly string[] = API_PREFIXES,
  ) {
    this.matchers = Object.keys(doc['paths'] ?? {})
      .map(matcherOf)
      .sort((x, y) => y.literals - x.literals);
  }

  /**
   * The documented path of a request: aliases read as the primary prefix, no query. Concrete
   * paths come before templated ones (OpenAPI 3.0), among those that document `method`, as a
   * router picks them: GET /batch-calls/validate is GET /batch-calls/{batchId}.
   */
  documentedPath(url: string, method = 'get'): string | undefined {
    const raw = url.split('?')[0]!.split('#')[0]!;
    // A plugin's root route answers with and without its trailing slash; try without first.
    const stripped = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    const verb = method.toLowerCase();
    for (const candidate of new Set([stripped, raw])) {
      const path = this.withPrimaryPrefix(candidate);
      const matching = this.matchers.filter((m) => m.pattern.test(path));
      const found = matching.find((m) => this.doc['paths'][m.path][verb]) ?? matching[0];
      if (found) return found.path;
    }
    return undefined;
  }

  private withPrimaryPrefix(path: string): string {
    const [primary] = this.prefixes;
    const prefix = [...this.prefixes]
      .sort((x, y) => y.length - x.length)
      .find((p) => path === p || path.startsWith(`${p}/`));
    return prefix !== undefined && primary !== undefined && prefix !== primary
      ? `${primary}${path.slice(prefix.length)}`
      : path;
  }

  /** What in `answer` to `method url` the document does not describe; [] when nothing. */
  problems(method: string, url: string, answer: Answer): string[] {
    this.checked++;
    const verb = method.toLowerCase();
    const head = verb === 'head';
    const path = this.documentedPath(url, head ? 'get' : verb);
    if (path === undefined) return [`no documented path matches ${url}`];
    // HEAD is answered by the GET route: its status and headers, no body.
    const op = this.doc['paths'][path][head ? 'get' : verb];
    if (op === undefined) return [`${method} is not documented for ${path}`];
    const status = String(answer.statusCode);
    const responses = op.responses as Json;
    let response = responses[status] ?? responses[`${status[0]}XX`] ?? responses['default'];
    if (response === undefined) {
      return [`status ${status} is not documented (documented: ${Object.keys(responses)})`];
    }
    if (typeof response['$ref'] === 'string') response = resolvePointer(this.doc, response['$ref']);
    const where = `${method} ${path} → ${status}`;
    const problems = this.headerProblems(response, answer, where);
    const content = (response.content ?? {}) as Json;
    const documented = Object.keys(content);
    if (!head && answer.body === '') {
      if (documented.length === 0) return problems;
      return [...problems, `${where}: an empty body, documented as ${documented.join(', ')}`];
    }
    if (documented.length === 0) {
      return head ? problems : [...problems, `${where}: a body, where the document has none`];
    }
    const rawType = answer.headers['content-type'];
    if (rawType === undefined) return [...problems, `${where}: no Content-Type`];
    const type = mediaTypeOf(String(rawType));
    const key =
      documented.find((k) => mediaTypeOf(k) === type) ??
      documented.find((k) => k === `${type.split('/')[0]}/*` || k === '*/*');
    if (key === undefined) {
      return [...problems, `${where}: Content-Type ${type} is not documented (${documented})`];
    }
    if (head) return problems;
    const schema = content[key].schema;
    if (schema === undefined) return problems;
    let body: unknown = answer.body;
    if (isJsonMedia(type)) {
      try {
        body = JSON.parse(answer.body);
      } catch {
        return [...problems, `${where}: the ${type} body is not JSON`];
      }
    }
    const validate = this.validator(`${verb} ${path} ${status} ${key}`, schema);
    if (!validate(body)) problems.push(...this.errors(validate, `${where} body`));
    return problems;
  }

  private headerProblems(response: Json, answer: Answer, where: string): string[] {
    const problems: string[] = [];
    for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
      const value = answer.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required === true) problems.push(`${where}: header ${name} is missing`);
        continue;
      }
      if (header.schema === undefined) continue;
      const validate = this.validator(`header ${where} ${name}`, header.schema);
      if (!validate(String(value))) problems.push(...this.errors(validate, `${where} ${name}`));
    }
    return problems;
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(toJsonSchema(schema, this.doc, true) as object);
      this.validators.set(key, v);
    }
    return v;
  }

  private errors(validate: ValidateFunction, what: string): string[] {
    return (validate.errors ?? []).map((e) => {
      const extra =
        e.keyword === 'additionalProperties' ? ` (${e.params['additionalProperty']})` : '';
      return `${what}${e.instancePath}: ${e.message}${extra}`;
    });
  }
}

/** Thrown by a checked app's `inject` when an answer departs from the document. */
export class ConformanceError extends Error {
  constructor(
    readonly problems: string[],
    readonly answer: LightMyRequestResponse,
  ) {
    super(
      `The answer does not match /openapi.json:\n  ${problems.join('\n  ')}\n` +
        `Body: ${answer.body.slice(0, 500)}`,
    );
  }
}

const byDocument = new Map<string, ResponseConformance>();

/** The checker of the document `app` serves at /openapi.json (shared by apps serving the same). */
export async function servedDocumentConformance(app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  let checker = byDocument.get(res.body);
  if (!checker) {
    checker = new ResponseConformance(res.json());
    byDocument.set(res.body, checker);
  }
  return checker;
}

/**
 * Makes every `app.inject(options)` check its answer with `checker` and reject with a
 * ConformanceError when the answer departs from the document. Only the promise form is served:
 * a callback or the chained builder would let answers through unchecked.
 */
export function checkEveryAnswer(app: FastifyInstance, checker: ResponseConformance): void {
  const inject = app.inject.bind(app) as (
    o: InjectOptions | string,
  ) => Promise<LightMyRequestResponse>;
  const checked = async (options?: InjectOptions | string, callback?: unknown) => {
    if (options === undefined || callback !== undefined) {
      throw new Error('A checked app takes app.inject(options) only (no callback, no chain)');
    }
    const res = await inject(options);
    const { method, url } = requestLine(options);
    const problems = checker.problems(method, url, res);
    if (problems.length > 0) throw new ConformanceError(problems, res);
    return res;
  };
  Object.defineProperty(app, 'inject', { value: checked, configurable: true, writable: true });
}

function requestLine(options: InjectOptions | string): { method: string; url: string } {
  if (typeof options === 'string') return { method: 'GET', url: options };
  const raw = options.url ?? options.path ?? '/';
  const url = typeof raw === 'string' ? raw : `${raw.pathname ?? '/'}`;
  return { method: String(options.method ?? 'GET').toUpperCase(), url };
}
