import { type Static, Type } from 'typebox';
import { CALLS_LIMIT_DEFAULT, CALLS_LIMIT_MAX, CALLS_PAGE_DEFAULT } from './batch-calls.js';
import { PAGE_MAX, Pagination } from './pagination.js';

// Ext §18: the workspace's do-not-call list.

export const DncEntryBody = Type.Object({
  phone_number: Type.String({ description: 'E.164' }),
  reason: Type.Optional(Type.String()),
  source: Type.Union([Type.Literal('api'), Type.Literal('import'), Type.Literal('opt_out')], {
    description: 'api, import (a CSV), or opt_out (the callee said so during a call)',
  }),
  createdAt: Type.Integer({ description: 'epoch ms' }),
  batchId: Type.Optional(Type.String({ description: 'opt_out: the batch of the call' })),
  jobId: Type.Optional(Type.String({ description: 'opt_out: the call' })),
});

export const DncListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: CALLS_PAGE_DEFAULT })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: CALLS_LIMIT_MAX, default: CALLS_LIMIT_DEFAULT }),
  ),
  phone: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'only numbers containing these digits (punctuation and a leading + ignored)',
    }),
  ),
});

export const DncListBody = Type.Object({
  entries: Type.Array(DncEntryBody),
  pagination: Pagination('entries matching the phone filter'),
});

export const DncAddedBody = Type.Object({
  added: Type.Integer({ description: 'numbers newly listed' }),
  alreadyListed: Type.Integer({
    description: 'numbers that were listed already (left as they were)',
  }),
});

export const DncPhoneParams = Type.Object({
  phone: Type.String({ description: 'URL-encoded (%2B for +), read as on upload' }),
});

export const DncRemovedBody = Type.Object({ removed: Type.Literal(true) });

export const DncNotListedBody = Type.Object({
  error: Type.Literal('Not on the do-not-call list'),
});

export type DncListBody = Static<typeof DncListBody>;
