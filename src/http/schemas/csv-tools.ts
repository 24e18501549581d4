import { type Static, Type } from 'typebox';

// §10–§12 of the contract (and the row issues §1 reports). Counts are rows of the file: header
// excluded, ragged rows included.

export const RowIssue = Type.Object({
  row: Type.Integer({ description: '1-based line number in the file' }),
  column: Type.Optional(Type.String()),
  value: Type.Optional(Type.String()),
  message: Type.String(),
});

export const TemplateQuery = Type.Object({
  agentId: Type.Optional(
    Type.String({ description: "ext: append the {variables} this agent's script uses" }),
  ),
});

/** §10: sent as `text/csv` (not JSON-encoded: the reply sets its own content type). */
export const TemplateBody = Type.String({
  description:
    'text/csv: phone_number,first_name,last_name,email[,agent variables…] and one example row',
});

const validationFields = {
  valid: Type.Boolean({ description: 'no errors (warnings do not count)' }),
  totalRows: Type.Integer(),
  validRows: Type.Integer({ description: 'rows that would be dialed' }),
  invalidRows: Type.Integer({ description: 'rows with an error other than a duplicate' }),
  duplicateRows: Type.Integer({ description: 'rows repeating the number of an earlier row' }),
  columns: Type.Array(Type.String(), { description: 'the header, in file order' }),
  mapping: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description:
        'ext: each variable found under a header of another name → that header: the phone column ' +
        "(phone_number), the columnMap, and first_name, last_name, email and the agent's " +
        'variables found by alias (`First Name` for {first_name}); absent when every variable ' +
        'is found under its own name',
    }),
  ),
  errors: Type.Array(RowIssue, { description: 'the first 100 errors, in file order' }),
  warnings: Type.Array(RowIssue, { description: 'the first 100 warnings, in file order' }),
  errorCount: Type.Integer({ description: 'ext: errors in all' }),
  warningCount: Type.Integer({ description: 'ext: warnings in all' }),
};

/** §11 `POST /batch-calls/validate`. */
export const ValidateBody = Type.Object(validationFields);
export type ValidateBody = Static<typeof ValidateBody>;

export const PreviewRow = Type.Object({
  row: Type.Integer({ description: '1-based line number in the file' }),
  phone_number: Type.String({ description: 'E.164, as it would be dialed' }),
  variables: Type.Record(Type.String(), Type.String(), {
    description:
      'every other column, in file order, under its header (or its columnMap name): as result.metadata will show it',
  }),
});
export type PreviewRow = Static<typeof PreviewRow>;

/** §12 `POST /batch-calls/preview`: validate's body plus the first rows that would be dialed. */
export const PreviewBody = Type.Object({
  ...validationFields,
  rows: Type.Array(PreviewRow, { description: 'the first 10 valid rows, in file order' }),
});
export type PreviewBody = Static<typeof PreviewBody>;
