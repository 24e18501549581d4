import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { toJsonSchema } from './openapi-schema.js';

// A lint of an OpenAPI 3.0 document: the OpenAPI meta-schema, then what conformance tools and
// Swagger UI trip over. Each finding is one line naming where it is; [] means clean.

type Json = Record<string, any>;

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface LintOptions {
  /**
   * The API prefixes, primary first: operations are listed under the primary one only (the
   * others serve the same routes as aliases).
   */
  prefixes?: readonly string[];
}

/** The prefix a path is under: the longest that matches (`/v1/api/x` is not `/api/x` of `/v1`). */
function prefixOf(path: string, prefixes: readonly string[]): string | undefined {
  return [...prefixes]
    .sort((x, y) => y.length - x.length)
    .find((p) => path === p || path.startsWith(`${p}/`));
}

function* operations(doc: Json): Generator<[string, string, Json, Json]> {
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Json)) {
    for (const method of METHODS) if (item[method]) yield [path, method, item[method], item];
  }
}

function metaSchemaFindings(result: { valid: boolean; errors?: unknown }): string[] {
  if (result.valid) return [];
  const errors = Array.isArray(result.errors) ? result.errors : [result.errors];
  return errors.map((e) => `meta-schema: ${JSON.stringify(e)}`);
}

function operationFindings(doc: Json, opts: LintOptions): string[] {
  const found: string[] = [];
  const ids = new Map<string, string>();
  const tags = new Set(((doc['tags'] ?? []) as Json[]).map((t) => t['name']));
  const schemes = (doc['components']?.securitySchemes ?? {}) as Json;
  const schemeHeaders = new Set(
    Object.values(schemes)
      .filter((s: Json) => s['type'] === 'apiKey' && s['in'] === 'header')
      .map((s: Json) => String(s['name']).toLowerCase()),
  );
  for (const [path, method, op, item] of operations(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    const prefix = prefixOf(path, opts.prefixes ?? []);
    if (prefix !== undefined && prefix !== opts.prefixes?.[0]) {
      found.push(`${where}: listed under the alias prefix ${prefix}`);
    }
    const id = op['operationId'];
    if (typeof id !== 'string' || id === '') found.push(`${where}: no operationId`);
    else if (ids.has(id)) found.push(`${where}: operationId ${id} also used by ${ids.get(id)}`);
    else ids.set(id, where);
    if (typeof op['summary'] !== 'string' || op['summary'].trim() === '') {
      found.push(`${where}: no summary`);
    }
    if (!Array.isArray(op['tags']) || op['tags'].length === 0) found.push(`${where}: no tags`);
    for (const tag of op['tags'] ?? []) {
      if (!tags.has(tag)) found.push(`${where}: tag ${tag} is not declared`);
    }
    if (!Array.isArray(op['security'])) found.push(`${where}: no security (public: [])`);
    for (const requirement of op['security'] ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!schemes[name]) found.push(`${where}: security scheme ${name} is not declared`);
      }
    }
    const params = [...(item['parameters'] ?? []), ...(op['parameters'] ?? [])] as Json[];
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const name of inPath) {
      const p = params.find((x) => x['in'] === 'path' && x['name'] === name);
      if (!p) found.push(`${where}: path parameter ${name} is not declared`);
      else if (p['required'] !== true) found.push(`${where}: path parameter ${name} not required`);
    }
    for (const p of params.filter((x) => x['in'] === 'path')) {
      if (!inPath.includes(p['name'])) found.push(`${where}: parameter ${p['name']} not in path`);
    }
    for (const p of params.filter((x) => x['in'] === 'header')) {
      // Swagger UI would ask for it twice: once in Authorize, once in the operation.
      if (schemeHeaders.has(String(p['name']).toLowerCase())) {
        found.push(`${where}: header ${p['name']} is also a security scheme`);
      }
    }
    found.push(...responseFindings(where, op['responses'] ?? {}));
  }
  return found;
}

function responseFindings(where: string, responses: Json): string[] {
  const found: string[] = [];
  const statuses = Object.keys(responses);
  if (!statuses.some((s) => s.startsWith('2'))) found.push(`${where}: no 2xx response`);
  for (const [status, response] of Object.entries(responses) as Array<[string, Json]>) {
    if (typeof response['description'] !== 'string' || response['description'] === '') {
      found.push(`${where} ${status}: no description`);
    }
    if (response['description'] === 'Default Response') {
      found.push(`${where} ${status}: the generator's placeholder description`);
    }
    const types = Object.keys(response['content'] ?? {});
    if (types.length === 0) found.push(`${where} ${status}: no body documented`);
    if (Number(status) >= 400 && (types.length !== 1 || types[0] !== 'application/json')) {
      found.push(`${where} ${status}: an error body must be documented as application/json`);
    }
    for (const type of types) {
      if (!response['content'][type].schema) found.push(`${where} ${status} ${type}: no schema`);
    }
  }
  return found;
}

/** Every schema compiles, and every example is valid against its schema. */
function schemaFindings(doc: Json): string[] {
  const found: string[] = [];
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  const check = (where: string, media: Json) => {
    if (!media['schema']) return;
    let validate: ReturnType<Ajv['compile']>;
    try {
      validate = ajv.compile(toJsonSchema(media['schema'], doc, false) as object);
    } catch (err) {
      found.push(`${where}: the schema does not compile: ${(err as Error).message}`);
      return;
    }
    const examples = [
      ...('example' in media ? [media['example']] : []),
      ...Object.values((media['examples'] ?? {}) as Json).map((e: Json) => e['value']),
      ...('example' in media['schema'] ? [media['schema']['example']] : []),
    ];
    for (const example of examples) {
      if (!validate(example)) {
        found.push(`${where}: an example is invalid: ${ajv.errorsText(validate.errors)}`);
      }
    }
  };
  for (const [path, method, op] of operations(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    for (const [type, media] of Object.entries((op['requestBody']?.content ?? {}) as Json)) {
      check(`${where} request ${type}`, media);
    }
    for (const p of (op['parameters'] ?? []) as Json[]) check(`${where} ${p['name']}`, p);
    for (const [status, response] of Object.entries((op['responses'] ?? {}) as Json)) {
      for (const [type, media] of Object.entries((response['content'] ?? {}) as Json)) {
        check(`${where} ${status} ${type}`, media);
      }
      for (const [name, header] of Object.entries((response['headers'] ?? {}) as Json)) {
        check(`${where} ${status} header ${name}`, header);
      }
    }
  }
  return found;
}

/** The findings of a lint of `doc`; [] when it is clean. */
export async function lintOpenApi(doc: Json, opts: LintOptions = {}): Promise<string[]> {
  const found: string[] = [];
  // The validator keeps what it is given; a copy keeps the caller's document as it was.
  found.push(...metaSchemaFindings(await new Validator().validate(structuredClone(doc))));
  if (!String(doc['openapi']).startsWith('3.0.')) found.push(`openapi ${doc['openapi']}: not 3.0`);
  if (!Array.isArray(doc['servers']) || doc['servers'].length === 0) found.push('no servers');
  if (!doc['info']?.license?.name) found.push('no info.license');
  if (JSON.stringify(doc).includes('§')) {
    found.push('cites a section (§) of a contract the document does not ship');
  }
  found.push(...operationFindings(doc, opts));
  found.push(...schemaFindings(doc));
  return found;
}
