import { type Static, Type } from 'typebox';
import { stringEnum } from './string-enum.js';

// POST /batch-calls/estimate (ext): how long the batch an upload would create takes to run.

const CallingWindowBody = Type.Object({
  timezone: Type.String({ description: '"recipient" or an IANA zone' }),
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { description: '1 = Monday' }),
  start: Type.String({ description: 'HH:MM, local' }),
  end: Type.String({ description: 'HH:MM, local (24:00 = midnight)' }),
});

export const EstimateBody = Type.Object({
  rows: Type.Integer({ description: 'rows of the file (header excluded)' }),
  dialableRows: Type.Integer({
    description: 'rows that would become calls: valid, first of their number, not suppressed',
  }),
  suppressedRows: Type.Integer({
    description: 'valid rows whose number is on the do-not-call list (never called)',
  }),
  invalidRows: Type.Integer({
    description:
      'rows with an error, duplicates included (left out, as skipInvalidRows=true would)',
  }),
  estimatedStart: Type.Optional(
    Type.Integer({
      description:
        'epoch ms of the first dial: scheduledAt or now, or when the calling window first opens; ' +
        'absent when no row can be dialed',
    }),
  ),
  estimatedFinish: Type.Optional(
    Type.Integer({
      description: 'epoch ms when the last attempt ends; absent when no row can be dialed',
    }),
  ),
  estimatedDurationSec: Type.Number({
    description: 'estimatedFinish − estimatedStart, in seconds (0 when no row can be dialed)',
  }),
  estimatedAttempts: Type.Integer({ description: 'attempts expected in all, retries included' }),
  assumptions: Type.Object({
    meanCallSec: Type.Number({
      description: 'seconds one attempt holds its slot, dial to hang-up',
    }),
    answerRate: Type.Number({ description: 'share of attempts a person answers' }),
    retryRate: Type.Number({
      description: "share of attempts the batch's retry policy dials again",
    }),
    maxAttempts: Type.Integer({ description: 'attempts per call the retry policy allows' }),
    maxConcurrentCalls: Type.Integer({
      description: "calls in progress at once: the workspace's cap, narrowed by maxConcurrency",
    }),
    callsPerSecond: Type.Integer({ description: "the workspace's pacing" }),
    callingWindow: Type.Optional(CallingWindowBody),
    legalFloor: Type.Optional(
      Type.Object(CallingWindowBody.properties, {
        description:
          "the workspace's calling window, which every call of an agent with a carrier " +
          'connection keeps (the batch window only narrows it)',
      }),
    ),
    source: stringEnum(['history', 'defaults'] as const, {
      description:
        "history: meanCallSec, answerRate and retryRate come from the workspace's latest ended " +
        'attempts; defaults: it has fewer than 50, and the stated defaults apply',
    }),
    historyAttempts: Type.Optional(
      Type.Integer({ description: 'the ended attempts the history rates come from' }),
    ),
  }),
});
export type EstimateBody = Static<typeof EstimateBody>;
