// Pieces the route docs share: what a RouteDoc holds and the form fields several routes take.

export type Schema = Record<string, unknown>;

/** One documented response: what it means, its bodies by media type, its headers. */
export interface ResponseDoc {
  description: string;
  content?: Record<string, { schema: object }>;
  headers?: Record<string, object>;
}

export interface RouteDoc {
  tag: string;
  /** What the route does, as a plain statement. */
  summary: string;
  operationId: string;
  description?: string;
  /**
   * Doc-only request bodies by content type (never used for validation: multipart bodies are
   * streamed). Only the content types the route itself lists in `consumes` are documented.
   */
  bodies?: Record<string, Schema>;
  /** Doc-only extra header parameters. */
  headers?: Schema;
  /** What an answer means on this route, by status (its body schema comes from the route). */
  answers?: Record<string, string>;
  /** Doc-only response headers, by status. */
  responseHeaders?: Record<string, Record<string, Schema>>;
  /** The whole responses of a route whose handler writes its own bodies (no response schema). */
  responses?: Record<string, ResponseDoc>;
  /** Security of a route outside the API prefixes; none (`[]`) unless given. */
  security?: Array<Record<string, string[]>>;
}

export const text = (description: string) => ({ type: 'string', description });
export const file = {
  type: 'string',
  format: 'binary',
  description:
    'CSV with a header row; max 20 MB. Comma, semicolon, tab or pipe separated (decided from the ' +
    'header); UTF-8 (BOM or not), UTF-16 LE/BE with BOM, or Windows-1252. The phone column is ' +
    'phone_number, else one of Phone Number, phone, mobile, Mobile Phone, telephone, ' +
    'contact_number, number (any case or punctuation), or the one columnMap names. An Excel ' +
    'workbook (.xlsx, .xls) is refused: save it as CSV',
};
export const defaultCountry = text(
  'ext: ISO country (e.g. US) used to read national-format numbers',
);
export const columnMap = text(
  'ext, JSON: variable name → header of the file, e.g. {"phone_number":"Mobile","first_name":"First Name"}; ' +
    'phone_number picks the column to dial, any other key stores that column under the key (in ' +
    'result.metadata and the export); unmapped headers keep their own names, and templates find ' +
    'them by alias too ({first_name} finds "First Name")',
);
export const strictVariables = {
  type: 'string',
  enum: ['true', 'false'],
  description:
    "ext: true refuses (400, nothing stored) a file without a column for one of the agent's " +
    'template variables; by default that is a warning (they render as empty text)',
};

export const createForm = {
  type: 'object',
  required: ['file', 'agentId'],
  properties: {
    file,
    agentId: text('an agent of this workspace'),
    scheduledAt: text('ISO-8601 UTC; dialing starts then (not in the past)'),
    smartCallbackConfig: text(
      'JSON: {"enabled":bool,"maxAttempts":n,"gaps":[{"days":d,"hours":h}]}; overrides the agent',
    ),
    name: text('ext: display name'),
    maxConcurrency: {
      type: 'integer',
      minimum: 1,
      description: "ext: cap on this batch's simultaneous calls",
    },
    callingWindow: text(
      'ext, JSON: {"timezone":"recipient"|"<IANA zone>","days":[1..7],"start":"09:00","end":"20:00"}; ' +
        '"recipient" (the default) reads each number in its own zone when its range has exactly ' +
        "one, else in the workspace's timezone",
    ),
    skipInvalidRows: {
      type: 'string',
      enum: ['true', 'false'],
      description: 'ext: true creates the batch from the valid rows and lists the rest',
    },
    defaultCountry,
    columnMap,
    strictVariables,
    autoPause: text(
      'ext, JSON: {"failureRate":0.5,"minAttempts":20}: the batch pauses itself (pausedReason says ' +
        'why) when that share of its last minAttempts attempts failed (provider errors, carrier ' +
        'blocks and unreachable numbers count; busy and no answer do not)',
    ),
  },
};

export const checkAgentId = text(
  "ext: check the file against this agent's variables (missing columns, empty cells), as creating a batch does",
);
export const checkForm = {
  type: 'object',
  required: ['file'],
  properties: { file, defaultCountry, columnMap, agentId: checkAgentId, strictVariables },
};

export const recipients = {
  type: 'array',
  minItems: 1,
  description: 'ext: the rows of a CSV as objects; recipients[i] is reported as row i + 2',
  items: {
    type: 'object',
    required: ['phone_number'],
    properties: { phone_number: text('the number to call') },
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
};

const { file: _file, ...createOptions } = createForm.properties;
export const createJson = {
  type: 'object',
  required: ['agentId', 'recipients'],
  properties: { ...createOptions, recipients },
};
export const checkJson = {
  type: 'object',
  required: ['recipients'],
  properties: { recipients, defaultCountry, columnMap, agentId: checkAgentId, strictVariables },
};

/** What batch-create.ts enforces: 1 to 255 characters. */
export const idempotencyKey = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description:
        'ext: the same key within 24 h returns the first answer (with Idempotent-Replayed: true) ' +
        'and creates nothing; reused for a different request: 409',
    },
  },
};

export const csvAttachment = (file: string) => ({
  'Content-Disposition': { type: 'string', description: `attachment; filename="${file}"` },
});
