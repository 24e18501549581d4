// OpenAPI 3.0 Schema Objects as JSON Schema for Ajv: `nullable` becomes a `null` type, `$ref`s
// into the document are inlined, annotations JSON Schema lacks are dropped. `closed` also reads
// an object's `properties` as the whole list of its fields (additionalProperties: false unless the
// schema says otherwise): a field the server sends but the document does not name is drift.

type Json = Record<string, any>;

const OPENAPI_ONLY = new Set([
  'nullable',
  'example',
  'discriminator',
  'xml',
  'externalDocs',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

/** The value at a local JSON pointer (`#/components/schemas/X`) of `doc`. */
export function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<any>((node, key) => {
      if (node === undefined || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
      return node[key];
    }, doc);
}

export function toJsonSchema(schema: unknown, doc: Json, closed: boolean, depth = 0): unknown {
  if (depth > 64) throw new Error('schema nests too deep (a $ref cycle?)');
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, doc, closed, depth + 1));
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as Json;
  if (typeof s['$ref'] === 'string') {
    return toJsonSchema(resolvePointer(doc, s['$ref']), doc, closed, depth + 1);
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(s)) {
    if (OPENAPI_ONLY.has(key) || key.startsWith('x-')) continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v, doc, closed, depth + 1)]),
      );
    } else if (key === 'allOf') {
      // Each member of an allOf sees only its own fields: closing them would refuse the others'.
      out[key] = (value as unknown[]).map((v) => toJsonSchema(v, doc, false, depth + 1));
    } else if (['items', 'additionalProperties', 'not', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = toJsonSchema(value, doc, closed, depth + 1);
    } else {
      out[key] = value;
    }
  }
  if (s['nullable'] === true && typeof out['type'] === 'string')
    out['type'] = [out['type'], 'null'];
  if (closed && out['type'] === 'object' && out['properties'] && !('additionalProperties' in s)) {
    out['additionalProperties'] = false;
  }
  return out;
}
