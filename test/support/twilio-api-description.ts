import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

// Twilio's own API description (test/fixtures/twilio, Twilio's published OpenAPI, MIT), compiled
// into validators the stand-in holds every request to: what Twilio would accept, nothing more.

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
export interface CompiledOperation {
  method: string;
  template: string;
  pattern: RegExp;
  pathNames: string[];
  params: ValidateFunction;
  body?: ValidateFunction;
  /** Form fields the description types as arrays (sent as repeated keys). */
  arrayFields: Set<string>;
}

let compiled: CompiledOperation[] | undefined;

/** The description's operations (compiled once per test process: the file is 1.8 MB). */
export function operations(): CompiledOperation[] {
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
  // A call's To and From: an E.164 number, a client:, sip: or whatsapp: address.
  ajv.addFormat('endpoint', /^(\+[1-9][0-9]{1,14}|client:\S+|sips?:\S+|whatsapp:\S+)$/);
  // TwiML is XML; its limit (4,000 characters) is only stated in prose, checked below.
  ajv.addFormat('twiml', /^\s*(<\?xml[^>]*\?>\s*)?<Response[\s>/]/);
  ajv.addFormat('date-time-rfc-2822', true);
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
      const form = op.requestBody?.content['application/x-www-form-urlencoded']?.schema as
        | { properties?: Record<string, { type?: string }> }
        | undefined;
      const arrayFields = new Set(
        Object.entries(form?.properties ?? {})
          .filter(([, v]) => v.type === 'array')
          .map(([k]) => k),
      );
      compiled.push({
        arrayFields,
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
